// The registry a restarted mesos-sim recovers from: what a real master keeps in its replicated
// log plus what its agents report when they re-register (tasks and their pending updates).
#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

registry::Registry Cluster::registry() const {
  const State& s = *state_;
  registry::Registry out;
  out.set_master_id(s.master_info.id());
  out.set_next_framework(s.next_framework);
  out.set_next_offer(s.next_offer);
  out.set_next_agent(s.next_agent);
  for (const auto& agent : s.agents) {
    auto* entry = out.add_agents();
    entry->set_id(agent.id);
    entry->set_hostname(agent.hostname);
    entry->set_ip(agent.ip);
    entry->set_ordinal(agent.ordinal);
    for (const auto& resource : agent.total) {
      *entry->add_resources() = resource;
    }
    for (const auto& attribute : agent.attributes) {
      *entry->add_attributes() = attribute;
    }
    entry->set_removed(agent.state == model::AgentState::removed);
    entry->set_unreachable(agent.state == model::AgentState::unreachable);
    entry->set_gone(agent.state == model::AgentState::gone);
    if (agent.state == model::AgentState::unreachable) {
      entry->set_unreachable_at(agent.unreachable_at.count());
    }
    entry->set_vanished(agent.vanished);
    entry->set_deactivated(agent.deactivated);
    if (agent.drain) {
      *entry->mutable_drain() = *agent.drain;
    }
    if (agent.drain_started) {
      entry->set_drain_started(agent.drain_started->count());
    }
    entry->set_registered_at(agent.registered_at.count());
  }
  for (const auto& [id, framework] : s.frameworks) {
    auto* entry = out.add_frameworks();
    *entry->mutable_info() = framework.info;
    entry->set_registered_at(framework.registered_at.count());
  }
  for (const auto& [id, info] : s.removed_frameworks) {
    auto* entry = out.add_frameworks();
    *entry->mutable_info() = info;
    entry->set_removed(true);
  }
  const auto add_task = [&](const model::Task& task, bool unreachable) {
    auto* entry = out.add_tasks();
    entry->set_framework_id(task.framework);
    entry->set_agent_id(s.agents[task.agent].id);
    *entry->mutable_info() = task.info;
    entry->set_state(task.state);
    entry->set_role(task.role);
    for (const auto& resource : task.resources) {
      *entry->add_resources() = resource;
    }
    for (const auto& status : task.pending) {
      *entry->add_pending() = status;
    }
    for (const auto& status : task.history) {
      *entry->add_history() = status;
    }
    entry->set_next_step(static_cast<int>(task.next_step));
    entry->set_next_step_due(task.next_step_due.count());
    entry->set_container_id(task.container_id);
    entry->set_killing(task.killing);
    entry->set_unreachable(unreachable);
    entry->set_service_broken(task.service_broken);
    if (task.executed) {
      entry->set_executed(true);
    }
    if (task.health) {
      auto* health = entry->mutable_health();
      health->set_started(task.health->started.count());
      health->set_initializing(task.health->initializing);
      health->set_consecutive_failures(task.health->consecutive_failures);
      health->set_killed(task.health->killed);
    }
  };
  for (const auto& [key, task] : s.tasks) {
    add_task(task, false);
  }
  for (const auto& [key, task] : s.unreachable_tasks) {
    add_task(task, true);
  }
  *out.mutable_schedule() = s.schedule;
  for (const auto& [key, machine] : s.machines) {
    auto* entry = out.add_machines();
    *entry->mutable_id() = machine.id;
    entry->set_mode(machine.mode);
    *entry->mutable_unavailability() = machine.unavailability;
  }
  return out;
}

Result<Cluster> Cluster::recover(Config config, const registry::Registry& registry, Time now) {
  config.master_id = registry.master_id();
  config.agents = 0;  // the agents come from the registry
  auto created = create(std::move(config), now);
  if (!created) {
    return created.error();
  }
  Cluster cluster = std::move(*created);
  State& s = *cluster.state_;
  // A restarted master must not replay the ids and uuids of its first life: mix the time in.
  s.random.seed(s.config.seed ^ static_cast<std::uint64_t>(now.count()));
  s.next_framework = registry.next_framework();
  s.next_offer = registry.next_offer();
  s.next_agent = registry.next_agent();

  for (const auto& entry : registry.agents()) {
    model::Agent agent;
    agent.id = entry.id();
    agent.hostname = entry.hostname();
    agent.ip = entry.ip();
    agent.ordinal = entry.ordinal();
    agent.total = {entry.resources().begin(), entry.resources().end()};
    agent.attributes = {entry.attributes().begin(), entry.attributes().end()};
    agent.state = entry.removed()       ? model::AgentState::removed
                  : entry.unreachable() ? model::AgentState::unreachable
                  : entry.gone()        ? model::AgentState::gone
                                        : model::AgentState::registered;
    if (agent.registered()) {
      agent.available.assign(agent.total, agent.total);
    }
    agent.registered_at = Time(entry.registered_at());
    // The restarted master starts pinging its agents afresh.
    agent.pings_from = now;
    agent.unreachable_at = Time(entry.unreachable_at());
    agent.vanished = entry.vanished();
    agent.deactivated = entry.deactivated();
    if (entry.has_drain()) {
      agent.drain = entry.drain();
    }
    if (entry.has_drain_started()) {
      agent.drain_started = Time(entry.drain_started());
    }
    s.add_agent(std::move(agent));
  }
  for (const auto& entry : registry.frameworks()) {
    const std::string& id = entry.info().id().value();
    if (entry.removed()) {
      s.removed_frameworks[id] = entry.info();
      continue;
    }
    model::Framework& framework = s.frameworks[id];
    framework.id = id;
    framework.info = entry.info();
    framework.recovered = true;
    framework.registered_at = Time(entry.registered_at());
  }
  for (const auto& entry : registry.tasks()) {
    auto agent = s.agent(entry.agent_id());
    model::Framework* framework = s.framework(entry.framework_id());
    if (!agent || framework == nullptr) {
      continue;  // inconsistent entry: nothing could deliver its updates
    }
    const std::string key = model::task_key(entry.framework_id(), entry.info().task_id().value());
    model::Task& task = entry.unreachable() ? s.unreachable_tasks[key] : s.tasks[key];
    task.framework = entry.framework_id();
    task.agent = *agent;
    task.info = entry.info();
    task.state = entry.state();
    task.role = entry.role();
    task.resources = {entry.resources().begin(), entry.resources().end()};
    task.pending = {entry.pending().begin(), entry.pending().end()};
    task.history = {entry.history().begin(), entry.history().end()};
    task.retry_interval = s.config.status_update_retry;
    task.container_id = entry.container_id();
    task.killing = entry.killing();
    task.next_step = static_cast<model::Step>(entry.next_step());
    task.next_step_due = Time(entry.next_step_due());
    task.service_broken = entry.service_broken();
    task.executed = entry.executed();
    if (entry.has_health()) {
      model::Health& health = task.health.emplace();
      health.started = Time(entry.health().started());
      health.initializing = entry.health().initializing();
      health.consecutive_failures = entry.health().consecutive_failures();
      health.killed = entry.health().killed();
    }
    if (entry.unreachable()) {
      framework->unreachable_tasks.insert(key);
      continue;
    }
    framework->tasks.insert(key);
    model::Agent& host = s.agents[*agent];
    host.tasks.insert(key);
    if (!task.resources.empty()) {
      auto left = wire::text::difference(host.available.resources(), task.resources);
      if (left) {
        host.available.assign(std::move(*left), host.total);
      }
    }
    if (task.health && !task.executed && !task.killing && !model::is_terminal(task.state)) {
      // The agent's checker kept going; the next check is one interval after the recovery.
      s.schedule_timer(now + model::from_seconds(task.info.health_check().interval_seconds()),
                       model::TimerKind::health_check, key, ++task.health->generation);
    }
    if (task.next_step != model::Step::none) {
      s.schedule_timer(std::max(task.next_step_due, now), model::TimerKind::executor_step, key,
                       ++task.step_generation);
    }
    if (task.executed && !model::is_terminal(task.state)) {
      // Its process ended when the last mesos-sim stopped (nothing outlives it), as a command
      // executor ends with an agent that restarts without recovering it: the task failed.
      s.emit(key, v1::TASK_FAILED,
             std::string("Abnormal executor termination: mesos-sim restarted, and the task's "
                         "process ended with the previous one"),
             now);
    }
    if (!task.pending.empty()) {
      // The agent resends its pending update once it has re-registered.
      s.schedule_timer(now + task.retry_interval, model::TimerKind::update_retry, key,
                       ++task.retry_generation);
    }
  }
  s.schedule = registry.schedule();
  for (const auto& entry : registry.machines()) {
    model::Machine machine;
    machine.id = entry.id();
    machine.mode = entry.mode();
    machine.unavailability = entry.unavailability();
    s.machines[model::machine_key(machine.id)] = machine;
  }
  // A disconnected agent is still silent: the new master's pings time out in their turn.
  for (auto& agent : s.agents) {
    if (agent.registered() && agent.vanished) {
      const Time unreachable = now + s.config.agent_ping_timeout * s.config.max_agent_ping_timeouts;
      s.schedule_timer(unreachable, model::TimerKind::agent_unreachable, agent.id,
                       ++agent.vanish_generation);
    }
  }
  s.registry_changed = false;
  return cluster;
}

}  // namespace iof::sim
