#include "child_process.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace iof::test {

ChildProcess::ChildProcess(const std::string& binary, const std::vector<std::string>& args) {
  char pattern[] = "/tmp/iof-child-stderr-XXXXXX";
  const int err_fd = ::mkstemp(pattern);
  if (err_fd < 0) {
    throw std::runtime_error("mkstemp failed");
  }
  stderr_path_ = pattern;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // A test binary that crashes or is killed by ctest's timeout runs no destructor: the kernel
    // kills the child then (a JVM would outlive the test otherwise).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      std::_Exit(127);
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  ::close(err_fd);
  stdout_fd_ = out[0];
}

ChildProcess::~ChildProcess() {
  stop();
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
  }
  ::unlink(stderr_path_.c_str());
}

std::string ChildProcess::first_line(std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd entry{stdout_fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    char byte = 0;
    if (::read(stdout_fd_, &byte, 1) != 1) {
      break;
    }
    line += byte;
  }
  return line;
}

std::string ChildProcess::rest_of_stdout() {
  std::string out;
  char buffer[4096];
  pollfd entry{stdout_fd_, POLLIN, 0};
  while (::poll(&entry, 1, 0) > 0) {
    const auto n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

std::string ChildProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int ChildProcess::wait(std::chrono::milliseconds limit) {
  if (pid_ <= 0) {
    return -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  return stop(SIGTERM, grace);
}

int ChildProcess::stop(int signal, std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    return -1;
  }
  ::kill(pid_, signal);
  int status = wait(grace);
  if (status < 0) {
    ::kill(pid_, SIGKILL);
    status = wait(std::chrono::seconds(5));
  }
  return status;
}

}  // namespace iof::test
