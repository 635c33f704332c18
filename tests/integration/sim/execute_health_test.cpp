// mesos-sim --execute probes health checks for real: HTTP against a server this test runs,
// TCP against a port it opens and closes, COMMAND in the task's sandbox with the task's
// environment, a slow command probe killed at its timeout, and no probe process left behind.
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>

#include "execute_fixture.hpp"

using namespace iof::test::execute;  // NOLINT(google-build-using-namespace): the tests' fixture

namespace {

// A loopback listener on a free port. With `answer` set it serves HTTP, one status line per
// connection; without, it only accepts (a TCP check needs no more). close() stops listening.
class Listener {
 public:
  explicit Listener(bool http) : http_(http) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  unsigned short port() const { return port_; }
  void answer(int code) { code_ = code; }
  void close() {
    if (fd_ >= 0) {
      ::shutdown(fd_, SHUT_RDWR);
      ::close(fd_);
      fd_ = -1;
    }
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  void serve() {
    for (;;) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        return;
      }
      if (http_) {
        char request[1024];
        [[maybe_unused]] const auto got = ::read(client, request, sizeof request);
        const std::string response = "HTTP/1.1 " + std::to_string(code_.load()) +
                                     " Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        [[maybe_unused]] const auto sent = ::write(client, response.data(), response.size());
      }
      ::close(client);
    }
  }

  bool http_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<int> code_{200};
  std::thread thread_;
};

v1::HealthCheck check_of(v1::HealthCheck::Type type, double timeout = 1) {
  v1::HealthCheck check;
  check.set_type(type);
  check.set_delay_seconds(0.1);
  check.set_interval_seconds(0.2);
  check.set_timeout_seconds(timeout);
  check.set_grace_period_seconds(0);
  check.set_consecutive_failures(2);
  return check;
}

// The task's updates after TASK_RUNNING until it ends, each acknowledged.
std::vector<v1::TaskStatus> until_terminal(Cluster& cluster) {
  std::vector<v1::TaskStatus> out;
  while (out.empty() || out.back().state() == v1::TASK_RUNNING ||
         out.back().state() == v1::TASK_KILLING) {
    out.push_back(cluster.next());
  }
  return out;
}

void check_killed_unhealthy(const std::vector<v1::TaskStatus>& updates) {
  REQUIRE(updates.size() >= 3);
  CHECK(!updates[updates.size() - 3].healthy());
  CHECK(updates[updates.size() - 2].state() == v1::TASK_KILLING);
  CHECK(updates.back().state() == v1::TASK_KILLED);
  REQUIRE(updates.back().has_healthy());
  CHECK(!updates.back().healthy());
}

}  // namespace

TEST_CASE("execute: an HTTP check passes on 200-399 and fails on 503 until the kill") {
  Listener server(true);
  Cluster cluster;
  auto check = check_of(v1::HealthCheck::HTTP);
  check.mutable_http()->set_port(server.port());
  check.mutable_http()->set_path("/ready");
  server.answer(302);  // upstream counts redirects as healthy
  cluster.launch("web", "sleep 1000", {}, check);
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const auto healthy = cluster.next();
  REQUIRE(healthy.has_healthy());
  CHECK(healthy.healthy());
  CHECK(healthy.reason() == v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  server.answer(503);
  check_killed_unhealthy(until_terminal(cluster));
}

TEST_CASE("execute: a TCP check passes while the port accepts, and fails once it is closed") {
  Listener port(false);
  Cluster cluster;
  auto check = check_of(v1::HealthCheck::TCP);
  check.mutable_tcp()->set_port(port.port());
  cluster.launch("tcp", "sleep 1000", {}, check);
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  CHECK(cluster.next().healthy());
  port.close();
  check_killed_unhealthy(until_terminal(cluster));
}

TEST_CASE("execute: a COMMAND check runs in the sandbox with the task's environment") {
  Cluster cluster;
  auto check = check_of(v1::HealthCheck::COMMAND);
  check.mutable_command()->set_value(R"(test -f ready && test "$GREETING" = "$EXPECTED")");
  auto* variable = check.mutable_command()->mutable_environment()->add_variables();
  variable->set_name("EXPECTED");
  variable->set_value("hello from the task");
  cluster.launch("cmd", "touch ready; sleep 1000", {}, check);
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  CHECK(cluster.next().healthy());
  fs::remove(cluster.sandbox("cmd") / "ready");
  check_killed_unhealthy(until_terminal(cluster));
}

TEST_CASE("execute: a COMMAND check past its timeout fails and its process is killed") {
  Cluster cluster;
  auto check = check_of(v1::HealthCheck::COMMAND, 0.3);
  check.mutable_command()->set_value("echo $$ >> probes; exec sleep 1000");
  cluster.launch("slow", "sleep 1000", {}, check);
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const auto started = std::chrono::steady_clock::now();
  check_killed_unhealthy(until_terminal(cluster));
  CHECK(std::chrono::steady_clock::now() - started >= 500ms);  // two probes of 0.3 s each
  std::istringstream probes(read(cluster.sandbox("slow") / "probes"));
  int probe = 0;
  int count = 0;
  while (probes >> probe) {
    ++count;
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (!group_members(probe).empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    CHECK_MESSAGE(group_members(probe).empty(), probe);
  }
  CHECK(count >= 2);
}

TEST_CASE("execute: no health probe process outlives mesos-sim") {
  Cluster cluster;
  auto check = check_of(v1::HealthCheck::COMMAND, 0);  // no timeout: the probe runs on
  check.mutable_command()->set_value("echo $$ > probe; exec sleep 1000");
  cluster.launch("probed", "sleep 1000", {}, check);
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const fs::path pid_file = cluster.sandbox("probed") / "probe";
  REQUIRE(appears(pid_file));
  std::this_thread::sleep_for(100ms);
  const int group = std::stoi(read(pid_file));
  REQUIRE(!group_members(group).empty());
  cluster.sim.stop(SIGTERM);
  CHECK(group_members(group).empty());
}
