#include "zk_server.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace iof::test {
namespace {

namespace fs = std::filesystem;

const char* const java = "/usr/bin/java";
const char* const server_jar = "/usr/share/java/zookeeper.jar";

// A socket to 127.0.0.1:port, or -1.
int connect_loopback(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    return fd;
  }
  if (fd >= 0) {
    ::close(fd);
  }
  return -1;
}

// A four-letter command's answer ("" when the server does not answer): the server writes it and
// closes the connection.
std::string four_letter_word(unsigned short port, const std::string& command) {
  const int fd = connect_loopback(port);
  if (fd < 0) {
    return {};
  }
  timeval limit{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  std::string answer;
  if (::write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size())) {
    char buffer[1024];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

std::optional<std::int64_t> zxid_in(const std::string& srvr) {
  const auto at = srvr.find("Zxid: ");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  return std::stoll(srvr.substr(at + 6), nullptr, 16);
}

}  // namespace

unsigned short free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

ZkServer::ZkServer(unsigned short port) : port_(port == 0 ? free_loopback_port() : port) {
  if (!fs::exists(java) || !fs::exists(server_jar)) {
    throw std::runtime_error(
        "no ZooKeeper server here: install Debian's 'zookeeper' package (scripts/install-deps.sh)");
  }
  char pattern[] = "/tmp/iof-zookeeper-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  directory_ = pattern;
  // Ticks of 200 ms allow session timeouts from 0.4 s to 4 s, so tests can wait out expiries.
  // The admin server is off: it would take port 8080.
  std::ofstream(directory_ + "/zoo.cfg") << "tickTime=200\n"
                                         << "dataDir=" << directory_ << "/data\n"
                                         << "clientPort=" << port_ << "\n"
                                         << "clientPortAddress=127.0.0.1\n"
                                         << "admin.enableServer=false\n"
                                         << "4lw.commands.whitelist=srvr\n";
  start();
}

ZkServer::~ZkServer() {
  stop();
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

std::string ZkServer::hosts() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void ZkServer::stop() {
  if (process_) {
    process_->stop();
    process_.reset();
  }
}

void ZkServer::start(bool forget_everything) {
  stop();
  if (forget_everything) {
    fs::remove_all(directory_ + "/data");
  }
  fs::create_directories(directory_ + "/data");
  // A small serial-GC JVM that skips the optimising compiler starts fastest on a small machine.
  process_ = std::make_unique<ChildProcess>(
      java, std::vector<std::string>{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                     "-cp", std::string("/etc/zookeeper/conf:") + server_jar,
                                     "org.apache.zookeeper.server.ZooKeeperServerMain",
                                     directory_ + "/zoo.cfg"});
  // "ruok" answers before the server serves; "srvr" reports a Zxid only once it does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (zxid_in(four_letter_word(port_, "srvr"))) {
      return;
    }
    if (process_->wait(std::chrono::milliseconds(50)) >= 0) {
      break;  // exited
    }
  }
  const std::string output = process_->stderr_text() + process_->rest_of_stdout();
  process_->stop();
  process_.reset();
  throw std::runtime_error("ZooKeeper did not start on " + hosts() + ": " + output);
}

std::int64_t ZkServer::last_zxid() const {
  const auto zxid = zxid_in(four_letter_word(port_, "srvr"));
  if (!zxid) {
    throw std::runtime_error("ZooKeeper on " + hosts() + " does not answer srvr");
  }
  return *zxid;
}

}  // namespace iof::test
