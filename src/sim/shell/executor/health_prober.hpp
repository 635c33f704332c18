#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "iof/sim/cluster.hpp"

// mesos-sim --execute: the agent's health checker, for real. For a running task launched with a
// HealthCheck it probes the task the way upstream's checker does, on the event loop and never
// blocking it: HTTP is a GET of http://127.0.0.1:<port><path> that passes on a status from 200
// to 399; TCP passes when 127.0.0.1:<port> accepts a connection; COMMAND runs the check's
// command in the task's sandbox with the task's environment and passes on exit status 0. A
// probe still going after timeout_seconds (0: no limit) fails, and a command probe is then
// killed. The first probe starts delay_seconds after the task, each next one interval_seconds
// after the previous one ended. Each outcome goes to `checked`; the model applies the grace
// period, the consecutive failures and the kill.
namespace iof::sim {

class HealthProber {
 public:
  using Checked =
      std::function<void(const std::string& framework_id, const std::string& task_id, bool passed)>;

  HealthProber(boost::asio::any_io_executor executor, Checked checked);
  ~HealthProber();
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  // Starts probing the task of a launch request (it has a health_check) whose process now runs
  // in `sandbox`.
  void start(const ExecutionRequest& request, const std::filesystem::path& sandbox);
  // The task is being killed or has ended: no more probes, a running command probe is killed,
  // and nothing more is reported for it.
  void stop(const std::string& container_id);
  // Stops every task's probing and reaps every probe process before returning.
  void stop_all();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace iof::sim
