// The agent's status update stream as the master relays it: one unacknowledged update per task
// in flight, resent with a doubling backoff until ACKNOWLEDGE; a task whose terminal update is
// acknowledged is forgotten (kept for /master/state as completed). Also the updates the master
// generates itself, in the states the framework understands.
#include <algorithm>

#include "state.hpp"

namespace iof::sim {

using model::Framework;
using model::Task;
using Capability = v1::FrameworkInfo::Capability;

namespace {

constexpr Duration max_retry_interval = std::chrono::minutes(10);

}  // namespace

namespace model {

v1::TaskState for_framework(const Framework& framework, v1::TaskState state) {
  // Only partition-aware frameworks learn the newer states.
  if (framework.has(Capability::PARTITION_AWARE)) {
    return state;
  }
  switch (state) {
    case v1::TASK_DROPPED:
    case v1::TASK_UNREACHABLE:
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR:
    case v1::TASK_UNKNOWN:
      return v1::TASK_LOST;
    default:
      return state;
  }
}

}  // namespace model

void Cluster::State::send_master_update(Framework& framework, v1::TaskStatus status) {
  Event event;
  event.set_type(Event::UPDATE);
  *event.mutable_update()->mutable_status() = std::move(status);
  send_to(framework, std::move(event));
}

void Cluster::State::forward(const std::string& key, Time now) {
  Task& task = tasks.at(key);
  if (agents[task.agent].vanished) {
    return;  // the agent, which resends, is gone
  }
  if (Framework* framework = this->framework(task.framework)) {
    Event event;
    event.set_type(Event::UPDATE);
    *event.mutable_update()->mutable_status() = task.pending.front();
    send_to(*framework, std::move(event));
  }
  schedule_timer(now + task.retry_interval, model::TimerKind::update_retry, key,
                 ++task.retry_generation);
}

void Cluster::State::retry_update(const std::string& key, std::uint64_t generation, Time now) {
  auto found = tasks.find(key);
  if (found == tasks.end() || found->second.retry_generation != generation ||
      found->second.pending.empty()) {
    return;
  }
  Task& task = found->second;
  task.retry_interval = std::min(task.retry_interval * 2, max_retry_interval);
  forward(key, now);
  // forward() scheduled the next resend from the doubled interval; the backoff starts from
  // the configured first interval again after an ACK.
}

void Cluster::State::resume_updates(Framework& framework, Time now) {
  for (const auto& key : framework.tasks) {
    Task& task = tasks.at(key);
    if (!task.pending.empty()) {
      forward(key, now);
    }
  }
}

void Cluster::State::acknowledge(Framework& framework, const Call::Acknowledge& ack, Time now) {
  ++counters.messages_status_update_acknowledgement;
  const std::string key = model::task_key(framework.id, ack.task_id().value());
  const auto agent_index = agent(ack.agent_id().value());
  // After every acknowledgement it passes to a registered agent, the master checks whether the
  // agent has finished draining.
  const auto check = [&] {
    if (agent_index) {
      check_drained(*agent_index, now);
    }
  };
  auto found = tasks.find(key);
  if (found == tasks.end() || agents[found->second.agent].id != ack.agent_id().value() ||
      !agents[found->second.agent].registered() || found->second.pending.empty() ||
      found->second.pending.front().uuid() != ack.uuid()) {
    ++counters.invalid_status_update_acknowledgements;
    check();
    return;
  }
  ++counters.valid_status_update_acknowledgements;
  Task& task = found->second;
  task.pending.pop_front();
  task.retry_interval = config.status_update_retry;
  ++task.retry_generation;
  if (!task.pending.empty()) {
    forward(key, now);
  } else if (model::is_terminal(task.state)) {
    // The terminal update is acknowledged: the master forgets the task.
    forget_task(key, task.state);
  }
  check();
  changed();
}

void Cluster::State::forget_task(const std::string& key, v1::TaskState final_state) {
  auto found = tasks.find(key);
  if (found == tasks.end()) {
    return;
  }
  Task& task = found->second;
  if (!model::is_terminal(task.state)) {
    ++counters.terminal_tasks[final_state];
  }
  release(agents[task.agent], task.resources);
  agents[task.agent].tasks.erase(key);
  if (Framework* framework = this->framework(task.framework)) {
    framework->tasks.erase(key);
  }
  complete(std::move(task));
  tasks.erase(found);
  changed();
}

void Cluster::State::complete(model::Task task) {
  auto& finished = completed_tasks[task.framework];
  task.pending.clear();
  finished.push_back(std::move(task));
  if (finished.size() > max_completed_tasks_per_framework) {
    finished.pop_front();
  }
}

}  // namespace iof::sim
