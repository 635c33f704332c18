// Typed read-only summaries of the model for the deterministic simulator's invariant checks.
#include "state.hpp"

namespace iof::sim {

std::vector<Cluster::AgentSummary> Cluster::agent_summaries() const {
  std::vector<AgentSummary> out;
  out.reserve(state_->agents.size());
  for (const auto& agent : state_->agents) {
    AgentSummary summary;
    summary.id = agent.id;
    summary.hostname = agent.hostname;
    summary.ip = agent.ip;
    summary.registered = agent.registered();
    summary.vanished = agent.vanished;
    summary.deactivated = agent.deactivated;
    summary.draining = agent.drain.has_value();
    if (const auto* machine = state_->machine_of(agent)) {
      summary.mode = machine->mode;
      if (machine->unavailability.has_start()) {
        summary.window_start = Time(machine->unavailability.start().nanoseconds());
      }
    }
    out.push_back(std::move(summary));
  }
  return out;
}

void Cluster::registered_agents(std::vector<std::string_view>& out) const {
  out.clear();
  for (const auto& agent : state_->agents) {
    if (agent.registered()) {
      out.emplace_back(agent.id);
    }
  }
}

std::vector<Cluster::TaskSummary> Cluster::task_summaries(const std::string& framework_id) const {
  std::vector<TaskSummary> out;
  for (const auto* tasks : {&state_->tasks, &state_->unreachable_tasks}) {
    for (const auto& [key, task] : *tasks) {
      if (task.framework != framework_id) {
        continue;
      }
      TaskSummary summary;
      summary.task_id = task.info.task_id().value();
      summary.agent_id = state_->agents[task.agent].id;
      summary.state = task.state;
      summary.killing = task.killing;
      out.push_back(std::move(summary));
    }
  }
  return out;
}

std::size_t Cluster::unacknowledged_updates(const std::string& framework_id) const {
  std::size_t count = 0;
  for (const auto* tasks : {&state_->tasks, &state_->unreachable_tasks}) {
    for (const auto& [key, task] : *tasks) {
      if (task.framework == framework_id) {
        count += task.pending.size();
      }
    }
  }
  if (const auto completed = state_->completed_tasks.find(framework_id);
      completed != state_->completed_tasks.end()) {
    for (const auto& task : completed->second) {
      count += task.pending.size();
    }
  }
  return count;
}

bool Cluster::framework_suppressed(const std::string& framework_id) const {
  const auto found = state_->frameworks.find(framework_id);
  if (found == state_->frameworks.end()) {
    return false;
  }
  for (const auto& role : found->second.roles()) {
    if (!found->second.suppressed_roles.contains(role)) {
      return false;
    }
  }
  return true;
}

}  // namespace iof::sim
