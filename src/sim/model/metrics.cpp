// The master/* metrics of GET /metrics/snapshot, and mesos-sim's own sim/* figures; the
// per-framework call counters are framework_metrics.cpp's.
#include <algorithm>
#include <map>
#include <string>

#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

std::map<std::string, double> Cluster::metrics(Time now) const {
  const State& s = *state_;
  const auto& c = s.counters;
  std::map<std::string, double> m;
  const auto count = [](auto value) { return static_cast<double>(value); };

  m["master/uptime_secs"] = model::seconds(now - s.started_at);
  m["master/elected"] = 1;

  // A disconnected agent still counts as connected until its pings time out.
  double agents_registered = 0;
  double agents_active = 0;
  double agents_unreachable = 0;
  std::vector<v1::Resource> total;
  std::vector<v1::Resource> used;
  for (const auto& agent : s.agents) {
    if (agent.registered()) {
      ++agents_registered;
      agents_active += agent.active() ? 1 : 0;
      total = wire::text::sum(total, agent.total);
    } else if (agent.state == model::AgentState::unreachable) {
      ++agents_unreachable;
    }
  }
  m["master/slaves_connected"] = agents_registered;
  m["master/slaves_disconnected"] = 0;
  m["master/slaves_active"] = agents_active;
  m["master/slaves_inactive"] = agents_registered - agents_active;
  m["master/slaves_unreachable"] = agents_unreachable;
  m["master/slave_registrations"] = count(s.agents.size());
  m["master/slave_removals"] = count(c.agents_removed);
  m["master/slave_removals/reason_unhealthy"] = count(c.agents_removed_unhealthy);
  m["master/slave_removals/reason_unregistered"] = 0;
  m["master/slave_removals/reason_registered"] = 0;
  m["master/slave_unreachable_scheduled"] = count(c.agents_unreachable_scheduled);
  m["master/slave_unreachable_completed"] = count(c.agents_unreachable_completed);
  m["master/slave_unreachable_canceled"] = 0;

  double connected = 0;
  for (const auto& [id, framework] : s.frameworks) {
    connected += framework.connected() ? 1 : 0;
  }
  m["master/frameworks_connected"] = connected;
  m["master/frameworks_disconnected"] = count(s.frameworks.size()) - connected;
  m["master/frameworks_active"] = connected;
  m["master/frameworks_inactive"] = count(s.frameworks.size()) - connected;
  m["master/outstanding_offers"] = count(s.offers.size());

  std::map<v1::TaskState, double> active;
  for (const auto& [key, task] : s.tasks) {
    if (!model::is_terminal(task.state)) {
      active[task.state] += 1;
      used = wire::text::sum(used, task.resources);
    }
  }
  m["master/tasks_staging"] = active[v1::TASK_STAGING];
  m["master/tasks_starting"] = active[v1::TASK_STARTING];
  m["master/tasks_running"] = active[v1::TASK_RUNNING];
  m["master/tasks_killing"] = active[v1::TASK_KILLING];
  m["master/tasks_unreachable"] = count(
      std::count_if(s.unreachable_tasks.begin(), s.unreachable_tasks.end(),
                    [](const auto& entry) { return entry.second.state == v1::TASK_UNREACHABLE; }));
  const auto terminal = [&](v1::TaskState state) {
    auto found = c.terminal_tasks.find(state);
    return found == c.terminal_tasks.end() ? 0.0 : count(found->second);
  };
  m["master/tasks_finished"] = terminal(v1::TASK_FINISHED);
  m["master/tasks_failed"] = terminal(v1::TASK_FAILED);
  m["master/tasks_killed"] = terminal(v1::TASK_KILLED);
  m["master/tasks_lost"] = terminal(v1::TASK_LOST);
  m["master/tasks_error"] = terminal(v1::TASK_ERROR);
  m["master/tasks_dropped"] = terminal(v1::TASK_DROPPED);
  m["master/tasks_gone"] = terminal(v1::TASK_GONE);
  m["master/tasks_gone_by_operator"] = terminal(v1::TASK_GONE_BY_OPERATOR);

  for (const char* name : {"cpus", "mem", "disk", "gpus"}) {
    const double all = wire::text::scalar(total, name);
    const double in_use = wire::text::scalar(used, name);
    m[std::string("master/") + name + "_total"] = all;
    m[std::string("master/") + name + "_used"] = in_use;
    m[std::string("master/") + name + "_percent"] = all > 0 ? in_use / all : 0;
  }

  m["master/messages_decline_offers"] = count(c.messages_decline_offers);
  m["master/messages_launch_tasks"] = count(c.messages_launch_tasks);
  m["master/messages_kill_task"] = count(c.messages_kill_task);
  m["master/messages_reconcile_tasks"] = count(c.messages_reconcile_tasks);
  m["master/messages_revive_offers"] = count(c.messages_revive_offers);
  m["master/messages_suppress_offers"] = count(c.messages_suppress_offers);
  m["master/messages_status_update_acknowledgement"] =
      count(c.messages_status_update_acknowledgement);
  m["master/messages_unregister_framework"] = count(c.messages_teardown_framework);
  m["master/valid_status_update_acknowledgements"] = count(c.valid_status_update_acknowledgements);
  m["master/invalid_status_update_acknowledgements"] =
      count(c.invalid_status_update_acknowledgements);

  // mesos-sim's own figures, for benchmarks.
  m["sim/events_sent"] = count(c.events_sent);
  m["sim/offers_sent"] = count(c.offers_sent);
  m["sim/offers_declined"] = count(c.offers_declined);
  m["sim/offers_accepted"] = count(c.offers_accepted);
  m["sim/offers_rescinded"] = count(c.offers_rescinded);
  m["sim/inverse_offers_sent"] = count(c.inverse_offers_sent);
  m["sim/inverse_offers_outstanding"] = count(s.inverse_offers.size());
  m["sim/tasks_launched"] = count(c.tasks_launched);
  m["sim/frameworks_removed"] = count(c.frameworks_removed);
  m["sim/agents_disconnected"] = count(c.agents_disconnected);
  // Status updates sent or queued that no framework has acknowledged yet.
  double unacknowledged = 0;
  for (const auto& [key, task] : s.tasks) {
    unacknowledged += static_cast<double>(task.pending.size());
  }
  m["sim/updates_unacknowledged"] = unacknowledged;
  s.add_framework_metrics(m);
  return m;
}

}  // namespace iof::sim
