#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "iof/sim/cluster.hpp"

// mesos-sim --execute: the agents' command executor, for real. Each launched command task runs
// on this machine in its own session (so its own process group) with a sandbox directory
// holding its `stdout` and `stderr`. A kill is SIGTERM to the group, then SIGKILL after the
// grace period. Exits are noticed through SIGCHLD and reported with the command executor's
// states and texts. Reports are always posted, never made from inside launch() or kill(), so
// the caller may hand requests over from within its own change notification.
namespace iof::sim {

class TaskRunner {
 public:
  // The task's process runs.
  using Started = std::function<void(const std::string& framework_id, const std::string& task_id)>;
  // It ended (or never started): a terminal state and the executor's message.
  using Exited = std::function<void(const std::string& framework_id, const std::string& task_id,
                                    mesos::v1::TaskState state, const std::string& message)>;

  // One probe of the task's health check passed or failed (HealthProber).
  using Checked =
      std::function<void(const std::string& framework_id, const std::string& task_id, bool passed)>;

  // Sandboxes go under `root`/slaves/<agent>/frameworks/<framework>/executors/<task>/runs/
  // <container>, the layout of a real agent's --work_dir. Tasks with a health check are probed
  // from their start until they are killed or end.
  TaskRunner(boost::asio::any_io_executor executor, std::filesystem::path root, Started started,
             Exited exited, Checked checked);
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void run(const ExecutionRequest& request);

  // Ends every process group still running (SIGTERM, then SIGKILL shortly after), health
  // probes' included, and reaps them before returning: nothing outlives the master. No reports
  // follow.
  void stop();

  // Where the sandboxes go.
  const std::filesystem::path& root() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace iof::sim
