// How the evacuate policy reads an update or a FAILURE: a replacement running, our own KILL
// done, or a task taken by maintenance (DOWN, drained, gone) told apart from a real failure.
#include <algorithm>

#include "iof/wire/task_state.hpp"

#include "evacuate_policy.hpp"

namespace iof::framework {

namespace {

Loss classify(const v1::TaskStatus& status, bool agent_has_window) {
  if (status.reason() == v1::TaskStatus::REASON_AGENT_DRAINING ||
      status.reason() == v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR ||
      status.state() == v1::TASK_GONE_BY_OPERATOR) {
    return Loss::drained;
  }
  // Asked after a disconnection or a restart, the master reports the tasks of agents it lost
  // meanwhile as LOST (or GONE, UNKNOWN): the agent went, not the task.
  if (status.reason() == v1::TaskStatus::REASON_RECONCILIATION &&
      (status.state() == v1::TASK_LOST || status.state() == v1::TASK_GONE ||
       status.state() == v1::TASK_UNKNOWN || status.state() == v1::TASK_UNREACHABLE)) {
    return agent_has_window ? Loss::down : Loss::gone;
  }
  switch (status.reason()) {
    case v1::TaskStatus::REASON_AGENT_REMOVED:
    case v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR:
    case v1::TaskStatus::REASON_AGENT_DISCONNECTED:
    case v1::TaskStatus::REASON_AGENT_UNKNOWN:
      return agent_has_window ? Loss::down : Loss::gone;
    default:
      break;
  }
  if (status.state() == v1::TASK_UNREACHABLE || status.state() == v1::TASK_GONE) {
    return agent_has_window ? Loss::down : Loss::gone;
  }
  return Loss::failure;
}

}  // namespace

std::string_view loss_name(Loss loss) {
  switch (loss) {
    case Loss::failure:
      return "failed";
    case Loss::down:
      return "down";
    case Loss::drained:
      return "drained";
    case Loss::gone:
      break;
  }
  return "gone";
}

bool EvacuatePolicy::update(PolicyHost& host, const v1::TaskStatus& status,
                            const std::string& agent, Decision& decision) {
  const bool terminal = wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN;
  if (const auto found = host.task_book().migrating().find(agent);
      found != host.task_book().migrating().end()) {
    if (!terminal) {
      // Alive although we killed it: the KILL was lost (a restart, a dropped connection).
      if (!host.kill_retrier().contains(found->second.task_id.value())) {
        host.kill(found->second.task_id, agent, decision);
      }
      return true;
    }
    const Sleeper gone = found->second;
    const bool our_kill = status.state() == v1::TASK_KILLED &&
                          status.reason() != v1::TaskStatus::REASON_AGENT_DRAINING;
    if (gone.kill_sent_at.count() > 0 && our_kill) {
      lead_.killed(host.now() - gone.kill_sent_at);
      host.changed();  // the samples are saved state
    }
    const Loss loss = our_kill ? Loss::failure : classify(status, gone.unavailability_start > 0);
    if (loss == Loss::down) {
      ++host.mutable_counters().tasks_caught_by_down;
    } else {
      ++host.mutable_counters().sleepers_killed;
    }
    host.task_book().remove_migrating(agent);
    host.changed();
    // Only our own KILL completes an evacuation; anything else took the task first.
    left_agent(host, agent, our_kill ? std::nullopt : std::optional(loss));
    return true;
  }
  const auto found = host.task_book().sleepers().find(agent);
  if (found == host.task_book().sleepers().end()) {
    return true;
  }
  const Sleeper& sleeper = found->second;
  if (status.state() == v1::TASK_RUNNING) {
    // Not ready yet (unhealthy, or not for --min_ready_time): a health update or act_due()
    // comes back to it.
    if (host.ready(sleeper)) {
      became_ready(host, agent, decision);
    }
    return true;
  }
  if (!terminal) {
    return true;
  }
  const Sleeper lost = sleeper;
  const Loss loss = classify(status, lost.unavailability_start > 0);
  switch (loss) {
    case Loss::down:
      ++host.mutable_counters().tasks_caught_by_down;
      break;
    case Loss::drained:
      ++host.mutable_counters().tasks_drained;
      break;
    case Loss::gone:
      ++host.mutable_counters().tasks_lost_with_agent;
      break;
    case Loss::failure:
      ++host.mutable_counters().sleepers_lost_abnormally;
      break;
  }
  // A replacement whose old task died anyway is now simply a task.
  host.task_book().remove_sleeper(agent);
  host.changed();
  if (!lost.replaces.empty()) {
    // Its old task's retirement, if deferred, now waits for the next replacement: left deferred,
    // its past deadline would stay due for good (found by iof-simulate seed 8, --health_check).
    deferred_.erase(lost.replaces.value());
    decision.log.push_back({"Replacement task " + lost.task_id.value() + " for " +
                                lost.replaces.value() + " ended before it ran; the move is retried",
                            {lost.task_id.value(), agent}});
  } else if (loss != Loss::failure) {
    decision.log.push_back({"Task " + lost.task_id.value() + " was taken by maintenance (" +
                                std::string(loss_name(loss)) + "); relaunching elsewhere",
                            {lost.task_id.value(), agent}});
  }
  left_agent(host, agent, loss);
  return true;
}

void EvacuatePolicy::agent_failed(PolicyHost& host, const std::string& agent, Decision& decision) {
  const Loss loss = host.agent_book().failed(agent, host.now());
  const bool has_window = loss == Loss::down;
  // Removed agents never come back under the same id.
  vacated_.erase(agent);
  past_deadline_.erase(agent);
  for (const bool moving : {false, true}) {
    const auto& map = moving ? host.task_book().migrating() : host.task_book().sleepers();
    if (const auto found = map.find(agent); found != map.end()) {
      // The TASK_LOST that normally comes first did not: count the task here.
      ++(has_window ? host.mutable_counters().tasks_caught_by_down
                    : host.mutable_counters().tasks_lost_with_agent);
      decision.log.push_back({"Task " + found->second.task_id.value() + " went with agent " +
                                  agent + "; relaunching elsewhere",
                              {found->second.task_id.value(), agent}});
      if (!moving && !found->second.replaces.empty()) {
        deferred_.erase(found->second.replaces.value());  // as when a replacement ends
      }
      // A replacement of the task is now simply a task.
      moving ? host.task_book().remove_migrating(agent) : host.task_book().remove_sleeper(agent);
      host.changed();
    }
  }
  left_agent(host, agent, loss);
}

// Bookkeeping once no task of this framework is left on `agent`: how long evacuating it took, or
// what took the task.
void EvacuatePolicy::left_agent(PolicyHost& host, const std::string& agent,
                                std::optional<Loss> loss) {
  if (loss) {
    host.agent_book().lost(agent, *loss);
  }
  if (auto started = evacuation_started_.find(agent); started != evacuation_started_.end()) {
    if (!loss) {
      const Time took = host.now() - started->second;
      last_evacuation_ = took;
      max_evacuation_ = std::max(max_evacuation_.value_or(Time{0}), took);
      ++host.mutable_counters().evacuations;
    }
    evacuation_started_.erase(started);
  }
  move_waits_.erase(agent);
  deferred_.erase(agent);
  past_deadline_.erase(agent);
}

}  // namespace iof::framework
