// Real execution (Config::execute): the model asks the shell to start and kill command tasks'
// processes and reports what the shell says became of them. The model itself never forks and
// never waits: the requests queue until the shell takes them, like the outbox.
#include <utility>

#include "state.hpp"

namespace iof::sim {

void Cluster::State::request_launch(const model::Task& task) {
  ExecutionRequest request;
  request.kind = ExecutionRequest::Kind::launch;
  request.framework_id = task.framework;
  request.agent_id = agents[task.agent].id;
  request.container_id = task.container_id;
  request.task = task.info;
  execution_requests.push_back(std::move(request));
}

void Cluster::State::request_kill(const model::Task& task, Duration grace_period) {
  ExecutionRequest request;
  request.kind = ExecutionRequest::Kind::kill;
  request.framework_id = task.framework;
  request.agent_id = agents[task.agent].id;
  request.container_id = task.container_id;
  *request.task.mutable_task_id() = task.info.task_id();
  request.grace_period = grace_period;
  execution_requests.push_back(std::move(request));
}

std::vector<ExecutionRequest> Cluster::take_execution_requests() {
  return std::exchange(state_->execution_requests, {});
}

void Cluster::task_started(const std::string& framework_id, const std::string& task_id, Time now) {
  State& s = *state_;
  model::Task* task = s.task(framework_id, task_id);
  if (task == nullptr || !task->executed || task->state != mesos::v1::TASK_STARTING) {
    return;  // a kill or an exit got there first
  }
  const std::string key = model::task_key(framework_id, task_id);
  s.emit(key, mesos::v1::TASK_RUNNING, std::nullopt, now);
  // The shell probes it from now on and reports through health_checked().
  s.start_health_checks(key, now);
}

void Cluster::task_exited(const std::string& framework_id, const std::string& task_id,
                          mesos::v1::TaskState state, const std::string& message, Time now) {
  State& s = *state_;
  model::Task* task = s.task(framework_id, task_id);
  if (task == nullptr || !task->executed || model::is_terminal(task->state)) {
    return;
  }
  s.emit(model::task_key(framework_id, task_id), state, message, now);
}

}  // namespace iof::sim
