#include "iof/framework/view/state.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace iof::framework {

namespace json = boost::json;

namespace {

double epoch_secs(Time time) {
  return std::chrono::duration<double>(time).count();
}

json::object task_entry(const std::string& agent, const Sleeper& sleeper, bool killing,
                        const SchedulerState& state) {
  const auto& agents = state.agents();
  json::object task;
  task["id"] = sleeper.task_id.value();
  task["agent_id"] = agent;
  task["slot"] = sleeper.slot;
  if (const auto known = agents.find(agent); known != agents.end()) {
    task["hostname"] = known->second.hostname;
  }
  task["state"] = v1::TaskState_Name(sleeper.state);
  if (!sleeper.ports.empty()) {
    json::array ports;
    for (const std::uint32_t port : sleeper.ports) {
      ports.push_back(port);
    }
    task["ports"] = std::move(ports);
  }
  task["killing"] = killing;
  if (sleeper.healthy) {
    task["healthy"] = *sleeper.healthy;  // the latest health check result the master reported
  }
  task["ready"] = !killing && state.ready(sleeper);
  if (!sleeper.replaces.empty()) {
    task["replaces_task_on"] = sleeper.replaces.value();
  }
  return task;
}

// The slots whose tasks keep failing: how many times in a row, and how long each still waits.
json::object crash_backoff_entry(const SchedulerState& state, Time now) {
  json::object out;
  out["initial_secs"] = epoch_secs(state.recovery().crash_backoff);
  out["max_secs"] = epoch_secs(state.recovery().crash_backoff_max);
  out["reset_after_secs"] = epoch_secs(state.recovery().crash_backoff_reset);
  out["slots_waiting"] = state.slots_backing_off();
  json::array slots;
  for (const auto& [slot, backoff] : state.crash_backoffs()) {
    json::object entry;
    entry["slot"] = slot;
    entry["failures"] = backoff.failures;
    entry["last_failure"] = epoch_secs(backoff.last_failure);
    entry["launch_allowed_in_secs"] = epoch_secs(std::max(backoff.not_before - now, Time{0}));
    slots.push_back(std::move(entry));
  }
  out["slots"] = std::move(slots);
  return out;
}

// Tasks per --spread_by value ("" for agents without the attribute), those whose agent's value
// is not known yet, and the skew between the fullest and the emptiest value.
json::object spread_entry(const SpreadCount& count) {
  json::object spread;
  json::object per_value;
  for (const auto& [value, tasks] : count.tasks_per_value) {
    per_value[value.text()] = tasks;
  }
  spread["tasks_per_value"] = std::move(per_value);
  spread["unknown"] = count.unknown;
  spread["skew"] = count.skew();
  return spread;
}

}  // namespace

std::string move_status_text(const PlannedMove& move, const Evacuation& evacuation) {
  std::string text;
  switch (move.status) {
    case MoveStatus::being_killed:
      return "being killed";
    case MoveStatus::replacement_starting:
      return "replacement task " + move.replacement_task + " starting on " + move.replacement_agent;
    case MoveStatus::waiting_for_surge:
      text =
          "waiting for the surge budget (--max_surge=" + std::to_string(evacuation.max_surge) + ")";
      break;
    case MoveStatus::no_safe_offer:
      text = "no offer from a safe agent";
      break;
    case MoveStatus::crash_backoff:
      text = "its replacements keep failing; the slot is in crash-loop backoff";
      break;
    case MoveStatus::waiting_for_offers:
      text = "waiting for offers";
      break;
  }
  return move.past_deadline ? "no safe capacity by the deadline (" + text + ")" : text;
}

std::string state_json(const SchedulerState& state, Time now) {
  json::object out;
  out["policy"] = std::string(policy_name(state.policy()));
  out["subscribed"] = state.subscribed();
  if (state.framework_id()) {
    out["framework_id"] = state.framework_id()->value();
  }
  out["now"] = epoch_secs(now);
  out["num_tasks"] = state.num_tasks();
  out["running_tasks"] = state.running_tasks();
  out["ready_tasks"] = state.ready_tasks();
  out["min_ready_time_secs"] = epoch_secs(state.evacuation().min_ready_time);
  out["max_surge"] = state.evacuation().max_surge;
  out["max_unavailable"] = state.evacuation().max_unavailable;
  out["lead_time_secs"] = epoch_secs(state.lead_time());
  if (state.evacuation().spread_by.empty()) {
    out["spread_by"] = nullptr;
  } else {
    out["spread_by"] = state.evacuation().spread_by;
    out["spread"] = spread_entry(state.spread());
  }

  json::array tasks;
  for (const auto& [agent, sleeper] : state.sleepers()) {
    tasks.push_back(task_entry(agent, sleeper, false, state));
  }
  for (const auto& [agent, sleeper] : state.migrating()) {
    tasks.push_back(task_entry(agent, sleeper, true, state));
  }
  out["tasks"] = std::move(tasks);
  out["crash_backoff"] = crash_backoff_entry(state, now);

  json::array agents;
  // Listed by id, as an operator reads them.
  std::vector<const std::pair<const std::string, KnownAgent>*> known_agents;
  known_agents.reserve(state.agents().size());
  for (const auto& entry : state.agents()) {
    known_agents.push_back(&entry);
  }
  std::sort(known_agents.begin(), known_agents.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : known_agents) {
    const auto& [id, known] = *entry;
    json::object agent;
    agent["id"] = id;
    agent["hostname"] = known.hostname;
    if (known.window_start > 0) {
      json::object window;
      window["start"] = epoch_secs(Time(known.window_start));
      window["starts_in_secs"] = epoch_secs(Time(known.window_start) - now);
      if (known.window_duration >= 0) {
        window["duration_secs"] = epoch_secs(Time(known.window_duration));
      }
      agent["window"] = std::move(window);
    }
    if (known.lost) {
      agent["lost"] = loss_name(*known.lost);
    }
    agents.push_back(std::move(agent));
  }
  out["agents"] = std::move(agents);

  json::array moves;
  for (const auto& move : state.planned_moves()) {
    json::object entry;
    entry["task_id"] = move.task_id;
    entry["agent_id"] = move.agent_id;
    entry["window_start"] = epoch_secs(Time(move.window_start));
    entry["deadline"] = epoch_secs(move.deadline);
    entry["deadline_in_secs"] = epoch_secs(move.deadline - now);
    entry["status"] = move_status_text(move, state.evacuation());
    moves.push_back(std::move(entry));
  }
  out["planned_moves"] = std::move(moves);

  // Whether every move the known windows require can start by its deadline within the budgets.
  json::object forecast;
  forecast["feasible"] = state.forecast().feasible();
  forecast["moves"] = state.forecast().moves;
  forecast["moves_at_risk"] = state.forecast().at_risk.size();
  json::array at_risk;
  for (const auto& move : state.forecast().at_risk) {
    json::object entry;
    entry["task_id"] = move.task_id;
    entry["agent_id"] = move.agent_id;
    entry["deadline"] = epoch_secs(move.deadline);
    entry["deadline_in_secs"] = epoch_secs(move.deadline - now);
    at_risk.push_back(std::move(entry));
  }
  forecast["at_risk"] = std::move(at_risk);
  out["forecast"] = std::move(forecast);

  json::array replies;
  for (const auto& [agent, reply] : state.inverse_offer_replies()) {
    json::object entry;
    entry["agent_id"] = agent;
    entry["decision"] = reply.accepted ? "accept" : "decline";
    entry["reason"] = reply.reason;
    entry["filter_secs"] = reply.filter_secs;
    entry["at"] = epoch_secs(reply.at);
    replies.push_back(std::move(entry));
  }
  out["inverse_offers"] = std::move(replies);
  return json::serialize(out) + "\n";
}

Health health(const SchedulerState& state) {
  const std::string running = std::to_string(state.running_tasks()) + " of " +
                              std::to_string(state.num_tasks()) + " tasks running";
  if (!state.subscribed()) {
    return {false, "not subscribed to a master; " + running};
  }
  if (state.running_tasks() < state.num_tasks()) {
    return {false, "subscribed; only " + running};
  }
  return {true, "subscribed; " + running};
}

}  // namespace iof::framework
