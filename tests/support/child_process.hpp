#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

// A program run by a test: its stdout is read for the first line (where our binaries announce
// their ports), its stderr goes to a file kept for failure messages, and it is stopped with
// SIGTERM (then SIGKILL) when the test ends.
namespace iof::test {

class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The first line the program printed, or "" if it printed none in time.
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string stderr_text() const;
  // Whatever the program printed after the lines already read, up to its end (call it once the
  // program has exited).
  std::string rest_of_stdout();
  // SIGTERM and wait; the exit status (128 + signal when killed), -1 if not running.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // The same with another first signal: SIGKILL is a crash the program cannot clean up after.
  int stop(int signal, std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Waits for the program to exit by itself; -1 if it is still running after `limit`.
  int wait(std::chrono::milliseconds limit);
  // For signals that do not end it (SIGSTOP, SIGCONT); -1 once it has been waited for.
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
};

}  // namespace iof::test
