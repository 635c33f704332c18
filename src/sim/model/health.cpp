// Health checks: the checker the command executor runs for a task launched with a HealthCheck,
// and what the executor does with its verdicts. The rules are upstream's: the first check
// `delay_seconds` after TASK_RUNNING, then every `interval_seconds`; the first pass, and the
// first pass after failures, report TASK_RUNNING with healthy=true; every failure (not only the
// first) reports healthy=false, except failures before any pass within `grace_period_seconds`,
// which are ignored; once `consecutive_failures` failures follow each other the executor kills
// the task, whose terminal update then says healthy=false. Killed or ended tasks are no longer
// checked. Without --execute the checks are simulated on the model's clock; with it the shell
// probes for real and reports here.
#include "state.hpp"

namespace iof::sim {

using model::Task;

void Cluster::State::start_health_checks(const std::string& key, Time now) {
  Task& task = tasks.at(key);
  if (!task.info.has_health_check() || task.health || model::is_terminal(task.state)) {
    return;
  }
  model::Health& health = task.health.emplace();
  health.started = now;
  if (!task.executed) {
    schedule_timer(now + model::from_seconds(task.info.health_check().delay_seconds()),
                   model::TimerKind::health_check, key, ++health.generation);
  }
}

void Cluster::State::health_check_due(const std::string& key, std::uint64_t generation, Time now) {
  auto found = tasks.find(key);
  if (found == tasks.end() || !found->second.health ||
      found->second.health->generation != generation) {
    return;
  }
  Task& task = found->second;
  if (agents[task.agent].vanished) {
    return;  // the machine is gone, and its checker with it
  }
  // The simulated service answers once it has run for --task_ready_delay.
  health_checked(key, now >= task.health->started + config.task_ready_delay, now);
  if (!task.killing && !model::is_terminal(task.state)) {
    // Checks take no time here, so the next starts one interval after this one.
    schedule_timer(now + model::from_seconds(task.info.health_check().interval_seconds()),
                   model::TimerKind::health_check, key, ++task.health->generation);
  }
}

void Cluster::State::health_checked(const std::string& key, bool passed, Time now) {
  Task& task = tasks.at(key);
  // The executor pauses the checker on a kill and drops verdicts that arrive after it.
  if (!task.health || task.killing || model::is_terminal(task.state) ||
      agents[task.agent].vanished || task.history.empty()) {
    return;
  }
  model::Health& health = *task.health;
  const v1::HealthCheck& check = task.info.health_check();
  // The executor reports a verdict as its latest status again, with `healthy` and the reason.
  const auto report = [&](bool healthy) {
    v1::TaskStatus status = task.history.back();
    status.set_reason(v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
    status.set_healthy(healthy);
    enqueue(key, std::move(status), now);
  };
  if (passed && !task.service_broken) {
    if (health.initializing || health.consecutive_failures > 0) {
      report(true);
      health.initializing = false;
    }
    health.consecutive_failures = 0;
    changed();
    return;
  }
  const Duration grace = model::from_seconds(check.grace_period_seconds());
  if (health.initializing && grace > Duration::zero() && now - health.started <= grace) {
    return;  // still starting up: not counted
  }
  ++health.consecutive_failures;
  report(false);
  if (health.consecutive_failures >= check.consecutive_failures()) {
    health.killed = true;
    executor_kill(key, nullptr, now);
  }
  changed();
}

Result<std::size_t> Cluster::set_task_health(const HealthTarget& target, bool healthy) {
  State& s = *state_;
  std::vector<std::string> keys;
  if (!target.agent_id.empty()) {
    const auto index = s.agent(target.agent_id);
    if (!index) {
      return Error{"No agent '" + target.agent_id + "'"};
    }
    for (const auto& key : s.agents[*index].tasks) {
      if (target.framework_id.empty() || s.tasks.at(key).framework == target.framework_id) {
        keys.push_back(key);
      }
    }
  } else {
    const Task* task = s.task(target.framework_id, target.task_id);
    if (task == nullptr || model::is_terminal(task->state)) {
      return Error{"No running task '" + target.task_id + "' of framework '" + target.framework_id +
                   "'"};
    }
    if (!task->info.has_health_check()) {
      return Error{"Task '" + target.task_id + "' of framework '" + target.framework_id +
                   "' has no health check"};
    }
    keys.push_back(model::task_key(target.framework_id, target.task_id));
  }
  std::size_t affected = 0;
  for (const auto& key : keys) {
    Task& task = s.tasks.at(key);
    if (!task.info.has_health_check() || model::is_terminal(task.state)) {
      continue;
    }
    task.service_broken = !healthy;
    ++affected;
  }
  s.changed();
  return affected;
}

void Cluster::health_checked(const std::string& framework_id, const std::string& task_id,
                             bool passed, Time now) {
  State& s = *state_;
  const Task* task = s.task(framework_id, task_id);
  if (task == nullptr || !task->executed) {
    return;
  }
  s.health_checked(model::task_key(framework_id, task_id), passed, now);
}

}  // namespace iof::sim
