// Agents leaving and draining: a machine that dies without notice and is marked unreachable
// once its pings time out, DRAIN_AGENT (DRAINING, DRAINED, or gone with mark_gone),
// DEACTIVATE_AGENT and REACTIVATE_AGENT, and what every removal does to tasks, offers and
// frameworks.
#include <algorithm>

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::AgentState;
using Capability = v1::FrameworkInfo::Capability;

namespace {

v1::DurationInfo duration_info(Duration duration) {
  v1::DurationInfo info;
  info.set_nanoseconds(duration.count());
  return info;
}

// The agents the operator calls know: registered or unreachable ones (the master forgets
// removed ones, and gone ones are gone).
bool known(const Agent& agent) {
  return agent.registered() || agent.state == AgentState::unreachable;
}

}  // namespace

// ---- Removal -----------------------------------------------------------------------------------

void Cluster::State::rescind_offers_on(std::size_t index) {
  Agent& agent = agents[index];
  const std::set<model::OfferNumber> numbers = agent.offers;
  for (const auto number : numbers) {
    rescind_offer(number);
  }
  std::vector<std::string> inverse;
  for (const auto& [id, offer] : inverse_offers) {
    if (offer.agent == index) {
      inverse.push_back(id);
    }
  }
  for (const auto& id : inverse) {
    remove_inverse_offer(id, true);
  }
}

void Cluster::State::drop_agent(std::size_t index, const model::Removal& removal, Time now) {
  Agent& agent = agents[index];
  agent.state = removal.becomes;
  if (removal.unreachable_at) {
    agent.unreachable_at = *removal.unreachable_at;
  }

  // Every task the master knows on the agent, terminal but unacknowledged ones included, gets a
  // master-generated update (no uuid). A task already terminal keeps its state.
  const std::set<std::string> task_keys = agent.tasks;
  for (const auto& key : task_keys) {
    auto found = tasks.find(key);
    if (found == tasks.end()) {
      continue;
    }
    model::Task& task = found->second;
    model::Framework* framework = this->framework(task.framework);
    const bool aware = framework != nullptr && framework->has(Capability::PARTITION_AWARE);
    const v1::TaskState state = aware ? removal.aware_state : removal.other_state;

    v1::TaskStatus status =
        model::master_status(task.info.task_id().value(), state, removal.message,
                             aware ? removal.aware_reason : removal.other_reason, now);
    status.mutable_agent_id()->set_value(agent.id);
    // The master knows an executor id only for tasks launched with an ExecutorInfo.
    if (task.info.has_executor()) {
      *status.mutable_executor_id() = task.info.executor().executor_id();
    }
    if (removal.unreachable_at) {
      *status.mutable_unreachable_time() = model::time_info(*removal.unreachable_at);
    }
    if (!model::is_terminal(task.state)) {
      if (model::is_terminal(state)) {
        ++counters.terminal_tasks[state];
      }
      task.state = state;
    }
    task.history.push_back(status);
    if (framework != nullptr) {
      send_master_update(*framework, std::move(status));
    }

    // The agent's update stream and executor are gone with it, and so is a real process.
    if (task.executed) {
      request_kill(task, Duration::zero());
    }
    task.pending.clear();
    task.next_step = model::Step::none;
    ++task.step_generation;
    ++task.retry_generation;
    task.resources.clear();
    agent.tasks.erase(key);
    if (framework != nullptr) {
      framework->tasks.erase(key);
      if (removal.unreachable_at) {
        framework->unreachable_tasks.insert(key);
        unreachable_tasks[key] = std::move(task);
      } else {
        complete(std::move(task));
      }
    }
    tasks.erase(found);
  }

  rescind_offers_on(index);
  agent.available.clear();
  ++agent.version;

  // The master tells every connected framework that the agent is lost.
  for (auto& [id, framework] : frameworks) {
    if (framework.connected()) {
      Event event;
      event.set_type(Event::FAILURE);
      event.mutable_failure()->mutable_agent_id()->set_value(agent.id);
      send(framework.connection, std::move(event));
    }
  }
  changed();
}

// ---- A machine that dies without notice --------------------------------------------------------

Result<Duration> Cluster::disconnect_agent(const std::string& agent_id, Time now) {
  State& s = *state_;
  const auto index = s.agent(agent_id);
  if (!index || !s.agents[*index].registered()) {
    return Error{"No registered agent '" + agent_id + "'"};
  }
  Agent& agent = s.agents[*index];
  if (agent.vanished) {
    return Error{"Agent '" + agent_id + "' is already disconnected"};
  }
  agent.vanished = true;
  ++agent.vanish_generation;
  ++s.counters.agents_disconnected;
  // Its executors stop with it: no more transitions, no more resends.
  for (const auto& key : agent.tasks) {
    model::Task& task = s.tasks.at(key);
    task.next_step = model::Step::none;
    ++task.step_generation;
    ++task.retry_generation;
    if (task.executed) {
      s.request_kill(task, Duration::zero());  // a real process dies with its machine
    }
  }
  // The master pings the agent every agent_ping_timeout since it registered. The first ping at
  // or after `now` goes unanswered; each further agent_ping_timeout without an answer counts a
  // timeout, and at max_agent_ping_timeouts the agent is marked unreachable.
  const Duration period = s.config.agent_ping_timeout;
  const Duration since = std::max(Duration::zero(), now - agent.pings_from);
  const auto pings = (since.count() + period.count() - 1) / period.count();
  const Time first_unanswered = agent.pings_from + pings * period;
  const Time unreachable = first_unanswered + period * s.config.max_agent_ping_timeouts;
  s.schedule_timer(unreachable, model::TimerKind::agent_unreachable, agent.id,
                   agent.vanish_generation);
  s.changed();
  return unreachable - now;
}

void Cluster::State::mark_unreachable(const std::string& agent_id, std::uint64_t generation,
                                      Time now) {
  const auto index = agent(agent_id);
  if (!index) {
    return;
  }
  Agent& agent = agents[*index];
  if (!agent.registered() || !agent.vanished || agent.vanish_generation != generation) {
    return;
  }
  // No rate limit (--agent_removal_rate_limit is unset by default): scheduled and completed at
  // once.
  ++counters.agents_unreachable_scheduled;
  ++counters.agents_unreachable_completed;
  ++counters.agents_removed;
  ++counters.agents_removed_unhealthy;
  model::Removal removal;
  removal.becomes = AgentState::unreachable;
  removal.message = "health check timed out";
  removal.aware_state = v1::TASK_UNREACHABLE;
  removal.unreachable_at = now;
  // Unreachable agents keep their drain and deactivation state.
  drop_agent(*index, removal, now);
}

// ---- Draining ----------------------------------------------------------------------------------

void Cluster::State::drain_task(const std::string& key, Time now) {
  model::Task& task = tasks.at(key);
  const Agent& agent = agents[task.agent];
  if (model::is_terminal(task.state) || agent.vanished || !agent.drain) {
    return;
  }
  // A kill takes --task_kill_latency, but never longer than the drain's max_grace_period.
  Duration latency = config.kill_latency;
  if (agent.drain->config().has_max_grace_period()) {
    latency = std::clamp(Duration(agent.drain->config().max_grace_period().nanoseconds()),
                         Duration::zero(), latency);
  }
  if (task.executed) {
    // A real process: SIGTERM now, SIGKILL after the task's grace period (3 s by default),
    // capped by the drain's max_grace_period. A second drain sends a second kill, which the
    // shell shortens the same way.
    Duration grace = std::chrono::seconds(3);
    if (task.info.has_kill_policy() && task.info.kill_policy().has_grace_period()) {
      grace = Duration(task.info.kill_policy().grace_period().nanoseconds());
    }
    if (agent.drain->config().has_max_grace_period()) {
      grace = std::min(grace, Duration(agent.drain->config().max_grace_period().nanoseconds()));
    }
    if (!task.killing) {
      task.killing = true;
      const model::Framework* framework = this->framework(task.framework);
      if (framework != nullptr && framework->has(Capability::TASK_KILLING_STATE)) {
        emit(key, v1::TASK_KILLING, std::nullopt, now);
      }
    }
    request_kill(task, std::max(Duration::zero(), grace));
    return;
  }
  const Time due = now + latency;
  if (task.killing) {
    // Already being killed: a shorter grace period only brings the end forward.
    if (task.next_step == model::Step::killed && due < task.next_step_due) {
      task.next_step_due = due;
      schedule_timer(due, model::TimerKind::executor_step, key, ++task.step_generation);
    }
    return;
  }
  task.killing = true;
  const model::Framework* framework = this->framework(task.framework);
  if (framework != nullptr && framework->has(Capability::TASK_KILLING_STATE)) {
    emit(key, v1::TASK_KILLING, std::nullopt, now);
  }
  task.next_step = model::Step::killed;
  task.next_step_due = due;
  schedule_timer(due, model::TimerKind::executor_step, key, ++task.step_generation);
}

void Cluster::State::check_drained(std::size_t index, Time now) {
  Agent& agent = agents[index];
  if (!agent.registered() || !agent.drain || agent.drain->state() != v1::DRAINING ||
      !agent.tasks.empty()) {
    return;
  }
  if (agent.drain->config().mark_gone()) {
    // Marked gone instead of DRAINED: the agent is shut down and removed for good.
    model::Removal removal;
    removal.becomes = AgentState::gone;
    removal.message = "Agent has been marked gone";
    removal.aware_state = v1::TASK_GONE_BY_OPERATOR;
    removal.aware_reason = v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR;
    agent.drain.reset();
    agent.drain_started.reset();
    agent.deactivated = false;
    drop_agent(index, removal, now);
    return;
  }
  agent.drain->set_state(v1::DRAINED);
  changed();
}

std::optional<OperatorError> Cluster::drain_agent(const std::string& agent_id,
                                                  std::optional<Duration> max_grace_period,
                                                  bool mark_gone, Time now) {
  State& s = *state_;
  const auto index = s.agent(agent_id);
  if (index && s.agents[*index].registered()) {
    // Agents in the maintenance schedule are left to maintenance.
    const Agent& agent = s.agents[*index];
    v1::MachineID machine;
    machine.set_hostname(agent.hostname);
    machine.set_ip(agent.ip);
    for (const auto& window : s.schedule.windows()) {
      for (const auto& id : window.machine_ids()) {
        if (model::machine_key(id) == model::machine_key(machine)) {
          return OperatorError{400, "Agent " + agent_id + " is part of a maintenance schedule " +
                                        "under Machine " + model::machine_name(id)};
        }
      }
    }
  }
  if (!index || !known(s.agents[*index])) {
    return OperatorError{400, "Unknown agent"};
  }
  Agent& agent = s.agents[*index];
  v1::DrainInfo drain;
  drain.set_state(v1::DRAINING);
  drain.mutable_config()->set_mark_gone(mark_gone);
  if (max_grace_period) {
    *drain.mutable_config()->mutable_max_grace_period() = duration_info(*max_grace_period);
  }
  agent.drain = drain;
  agent.deactivated = true;
  if (agent.registered()) {
    s.rescind_offers_on(*index);
    agent.drain_started = now;
    // The agent kills its tasks, unless it is already dead.
    const std::set<std::string> task_keys = agent.tasks;
    for (const auto& key : task_keys) {
      s.drain_task(key, now);
    }
    s.check_drained(*index, now);
  }
  s.changed();
  return std::nullopt;
}

std::optional<OperatorError> Cluster::deactivate_agent(const std::string& agent_id) {
  State& s = *state_;
  const auto index = s.agent(agent_id);
  if (!index || !known(s.agents[*index])) {
    return OperatorError{400, "Unknown agent"};
  }
  Agent& agent = s.agents[*index];
  agent.deactivated = true;
  if (agent.registered()) {
    s.rescind_offers_on(*index);
  }
  s.changed();
  return std::nullopt;
}

std::optional<OperatorError> Cluster::reactivate_agent(const std::string& agent_id) {
  State& s = *state_;
  const auto index = s.agent(agent_id);
  if (!index || !s.agents[*index].deactivated) {
    return OperatorError{400, "Agent is not deactivated"};
  }
  Agent& agent = s.agents[*index];
  if (agent.drain && agent.drain->state() == v1::DRAINING) {
    return OperatorError{400, "Agent is still in the DRAINING state"};
  }
  agent.drain.reset();
  agent.deactivated = false;
  s.changed();
  if (!agent.registered()) {
    // The master has already forgotten the deactivation when it notices.
    return OperatorError{409, "Agent removed while processing the call"};
  }
  // Offered again from the next allocation on.
  agent.drain_started.reset();
  return std::nullopt;
}

}  // namespace iof::sim
