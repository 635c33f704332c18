#include "sim_process.hpp"

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#ifndef IOF_MESOS_SIM_BINARY
#error "IOF_MESOS_SIM_BINARY must name the mesos-sim executable"
#endif

namespace iof::test {

namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  return argv;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Waits for the child, up to `limit`; -1 if it is still running.
int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

SimProcess::SimProcess(std::vector<std::string> flags) {
  char pattern[] = "/tmp/mesos-sim-stderr-XXXXXX";
  const int err_fd = ::mkstemp(pattern);
  if (err_fd < 0) {
    throw std::runtime_error("mkstemp failed");
  }
  stderr_path_ = pattern;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> args{IOF_MESOS_SIM_BINARY, "--ip=127.0.0.1", "--port=0", "--seed=7"};
  args.insert(args.end(), flags.begin(), flags.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    auto argv = argv_of(args);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  ::close(err_fd);

  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd entry{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char buffer[512];
    const auto n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    line.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  std::smatch match;
  if (!std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+) \(master id ([^,]+),)"))) {
    ::kill(pid_, SIGKILL);
    wait_for(pid_, std::chrono::seconds(5));
    pid_ = -1;
    throw std::runtime_error("mesos-sim did not start: " + line + read_file(stderr_path_));
  }
  port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
  master_id_ = match[2].str();
}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    stop();
  }
  ::unlink(stderr_path_.c_str());
}

int SimProcess::stop() {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, SIGTERM);
  int status = wait_for(pid_, std::chrono::seconds(10));
  if (status < 0) {
    ::kill(pid_, SIGKILL);
    status = wait_for(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
  return status;
}

SimRun run_sim(const std::vector<std::string>& flags) {
  char pattern[] = "/tmp/mesos-sim-output-XXXXXX";
  const int fd = ::mkstemp(pattern);
  std::vector<std::string> args{IOF_MESOS_SIM_BINARY};
  args.insert(args.end(), flags.begin(), flags.end());
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    auto argv = argv_of(args);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(fd);
  int status = wait_for(pid, std::chrono::seconds(10));
  if (status < 0) {
    ::kill(pid, SIGKILL);
    wait_for(pid, std::chrono::seconds(5));
  }
  SimRun run{status, read_file(pattern)};
  ::unlink(pattern);
  return run;
}

}  // namespace iof::test
