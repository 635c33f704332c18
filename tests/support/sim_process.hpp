#pragma once

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"

// Runs the mesos-sim binary for an integration test on a free loopback port (--port=0), learns
// the port from its first line of output, and stops it when the test ends.
namespace iof::test {

class SimProcess {
 public:
  // Throws with the sim's stderr if it does not come up within a few seconds.
  explicit SimProcess(std::vector<std::string> flags);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  unsigned short port() const { return port_; }
  // The line the sim announces itself with: "mesos-sim listening on http://127.0.0.1:..."
  const std::string& banner() const { return banner_; }
  const std::string& master_id() const { return master_id_; }
  // SIGTERM and wait: the sim writes its registry and exits. Returns the exit status.
  int stop();
  // The same with another signal first (SIGINT, as Ctrl-C sends).
  int stop(int signal);

 private:
  std::unique_ptr<ChildProcess> process_;
  unsigned short port_ = 0;
  std::string master_id_;
  std::string banner_;
};

// Runs mesos-sim with these flags to completion (for flag errors, --help): exit status and
// everything it printed.
struct SimRun {
  int status = 0;
  std::string output;
};
SimRun run_sim(const std::vector<std::string>& flags);

}  // namespace iof::test
