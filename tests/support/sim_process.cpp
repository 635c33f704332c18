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
  std::vector<std::string> args{"--ip=127.0.0.1", "--port=0", "--seed=7"};
  args.insert(args.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ChildProcess>(IOF_MESOS_SIM_BINARY, args);
  const std::string line = process_->first_line();
  std::smatch match;
  if (!std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+) \(master id ([^,]+),)"))) {
    process_->stop();
    throw std::runtime_error("mesos-sim did not start: " + line + process_->stderr_text());
  }
  port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
  master_id_ = match[2].str();
}

SimProcess::~SimProcess() = default;

int SimProcess::stop() {
  return process_->stop();
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
