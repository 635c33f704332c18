// The evacuate policy's plan: which tasks must move and by when, retiring an old task once its
// replacement runs (or deferring it while that would break the budget), kill-first moves at a
// deadline, and the planned moves /state shows.
#include <algorithm>
#include <set>
#include <utility>

#include "evacuate_policy.hpp"

namespace iof::framework {

std::string EvacuatePolicy::wait_text(MoveWait wait) const {
  switch (wait) {
    case MoveWait::surge:
      return "waiting for the surge budget (--max_surge=" + std::to_string(evacuation_.max_surge) +
             ")";
    case MoveWait::crash_backoff:
      return "its replacements keep failing; the slot is in crash-loop backoff";
    case MoveWait::no_safe_offer:
      break;
  }
  return "no offer from a safe agent";
}

bool EvacuatePolicy::move_backs_off(const PolicyHost& host, const Sleeper& task) const {
  return host.backing_off(task) && host.now() < deadline_of(task.unavailability_start);
}

// Tasks that must leave their agent and have no replacement yet, earliest window first. Only the
// agents with a window are looked at: the task book keeps them.
std::vector<std::string> EvacuatePolicy::moves_by_deadline(const PolicyHost& host) const {
  const auto& book = host.task_book();
  std::vector<std::pair<std::int64_t, std::string>> due;
  for (const auto& agent : book.windowed()) {
    const Sleeper& sleeper = book.sleepers().at(agent);
    if (sleeper.replaces.empty() && !book.being_replaced(agent)) {
      due.emplace_back(sleeper.unavailability_start, agent);
    }
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> out;
  out.reserve(due.size());
  for (auto& entry : due) {
    out.push_back(std::move(entry.second));
  }
  return out;
}

// Whether killing the task on `agent` before a replacement runs stays within --max_unavailable.
bool EvacuatePolicy::kill_first_allowed(const PolicyHost& host) const {
  const std::size_t running = host.ready_tasks();
  const std::size_t after = running == 0 ? 0 : running - 1;
  return after + evacuation_.max_unavailable >= host.num_tasks();
}

void EvacuatePolicy::replacement_running(PolicyHost& host, const std::string& agent,
                                         Decision& decision) {
  const Sleeper& replacement = host.task_book().sleepers().at(agent);
  const std::string old = replacement.replaces.value();
  if (const auto moving = host.task_book().sleepers().find(old);
      moving != host.task_book().sleepers().end() &&
      (moving->second.unavailability_start == 0 ||  // its maintenance was cancelled
       host.now() < deadline_of(moving->second.unavailability_start)) &&
      host.ready_tasks() - (host.ready(moving->second) ? 1U : 0U) + evacuation_.max_unavailable <
          host.num_tasks()) {
    // A loss elsewhere is still being refilled: killing the old task now would leave fewer than
    // N - max_unavailable running. It waits for that refill to run, or for its deadline.
    if (deferred_.insert(old).second) {
      decision.log.push_back({"Task " + moving->second.task_id.value() + " on " + old +
                                  " stays until another task runs: killing it now would leave " +
                                  std::to_string(host.ready_tasks() - 1) + " ready",
                              {moving->second.task_id.value(), old}});
    }
    return;
  }
  deferred_.erase(old);
  host.task_book().replacement_done(agent);
  host.changed();
  if (host.task_book().sleepers().contains(old)) {
    retire(host, old, "replacement task " + replacement.task_id.value() + " is ready on " + agent,
           decision, AgentId(agent));
  }
}

void EvacuatePolicy::retire(PolicyHost& host, const std::string& agent, const std::string& why,
                            Decision& decision, AgentId retired_for) {
  const v1::TaskID task = host.task_book().sleepers().at(agent).task_id;
  decision.log.push_back(
      {"Killing task " + task.value() + " on " + agent + ": " + why, {task.value(), agent}});
  host.kill(task, agent, decision);
  host.task_book().start_moving(agent, host.now(), std::move(retired_for));
  move_waits_.erase(agent);
  ++host.mutable_counters().migrations;
  host.changed();
}

// Retires the old tasks of running replacements whose retirement was deferred, now that it fits.
void EvacuatePolicy::retire_replaced(PolicyHost& host, Decision& decision) {
  std::vector<std::string> ready;
  for (const auto& agent : host.task_book().replacing()) {
    if (host.ready(host.task_book().sleepers().at(agent))) {
      ready.push_back(agent);
    }
  }
  for (const auto& agent : ready) {
    if (host.task_book().sleepers().contains(agent) &&
        !host.task_book().sleepers().at(agent).replaces.empty()) {
      replacement_running(host, agent, decision);
    }
  }
}

// At a move's deadline with no replacement started: say so once, revive offers in case a filter
// hides a safe agent, and kill first if the budget allows. With --max_surge=0 no replacement can
// ever start, so that is the only way to move, and the latest safe moment to do it.
void EvacuatePolicy::act_due(PolicyHost& host, Decision& decision) {
  note_ready_launches(host);
  retire_replaced(host, decision);  // deferred retirements whose deadline came, replacements ready
  retire_unready_at_deadline(host, decision);
  for (const auto& agent : moves_by_deadline(host)) {
    const Sleeper& sleeper = host.task_book().sleepers().at(agent);
    const bool due = host.now() >= deadline_of(sleeper.unavailability_start);
    if (!due) {
      continue;
    }
    const bool allowed = kill_first_allowed(host);
    if (past_deadline_.insert(agent).second) {
      const auto wait = move_waits_.find(agent);
      const std::string why = evacuation_.max_surge == 0  ? "--max_surge=0"
                              : wait != move_waits_.end() ? wait_text(wait->second)
                                                          : "no offers";
      const std::string task = sleeper.task_id.value();
      // Only a lack of safe agents is a lack of capacity; a full surge budget is just a queue.
      const bool no_capacity = wait == move_waits_.end() || wait->second != MoveWait::surge;
      decision.log.push_back(
          {(no_capacity ? "No safe capacity for task " + task + " on " + agent
                        : "Task " + task + " on " + agent + " is past its deadline unmoved") +
               " (" + why + ")" +
               (allowed ? ": killing it first, as --max_unavailable=" +
                              std::to_string(evacuation_.max_unavailable) + " allows"
                        : ": keeping it running, --max_unavailable=" +
                              std::to_string(evacuation_.max_unavailable) + " forbids kill-first"),
           {task, agent}});
    }
    if (allowed) {
      ++host.mutable_counters().kill_first_moves;
      vacated_.insert(agent);
      retire(host, agent, "kill-first move before its window", decision);
    }
  }
}

std::vector<PlannedMove> EvacuatePolicy::planned_moves(const PolicyHost& host) const {
  std::vector<PlannedMove> out;
  for (const auto& [agent, sleeper] : host.task_book().migrating()) {
    if (sleeper.unavailability_start > 0) {
      PlannedMove move;
      move.task_id = sleeper.task_id.value();
      move.agent_id = agent;
      move.window_start = sleeper.unavailability_start;
      move.deadline = deadline_of(sleeper.unavailability_start);
      move.status = MoveStatus::being_killed;
      out.push_back(std::move(move));
    }
  }
  // Only the agents with a window, which the task book indexes, have a move to plan.
  const auto& book = host.task_book();
  for (const auto& agent : book.windowed()) {
    const Sleeper& sleeper = book.sleepers().at(agent);
    if (!sleeper.replaces.empty()) {
      continue;
    }
    PlannedMove move;
    move.task_id = sleeper.task_id.value();
    move.agent_id = agent;
    move.window_start = sleeper.unavailability_start;
    move.deadline = deadline_of(sleeper.unavailability_start);
    // Of two replacements (a restart can leave a duplicate), the last by agent id is shown.
    if (const auto& replacements = book.replacements_of(agent); !replacements.empty()) {
      const std::string& other = *replacements.rbegin();
      move.status = MoveStatus::replacement_starting;
      move.replacement_task = book.sleepers().at(other).task_id.value();
      move.replacement_agent = other;
    }
    if (move.replacement_task.empty()) {
      const auto wait = move_waits_.find(agent);
      move.status = wait == move_waits_.end()                 ? MoveStatus::waiting_for_offers
                    : wait->second == MoveWait::surge         ? MoveStatus::waiting_for_surge
                    : wait->second == MoveWait::crash_backoff ? MoveStatus::crash_backoff
                                                              : MoveStatus::no_safe_offer;
      move.past_deadline = past_deadline_.contains(agent);
    }
    out.push_back(std::move(move));
  }
  std::sort(out.begin(), out.end(), [](const PlannedMove& a, const PlannedMove& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.agent_id < b.agent_id;
  });
  return out;
}

void EvacuatePolicy::forget_idle_agents(PolicyHost& host) {
  const std::set<std::string> busy = host.kill_retrier().agents();
  const auto keep = [&](const std::string& agent, const KnownAgent& known) {
    // A vacated agent is kept until its window starts, so that it is not refilled before it.
    const bool guarding = vacated_.contains(agent) && Time(known.window_start) > host.now();
    return host.task_book().sleepers().contains(agent) ||
           host.task_book().migrating().contains(agent) || busy.contains(agent) || guarding;
  };
  for (const auto& agent : host.agent_book().forget_idle(host.now(), keep)) {
    inverse_offer_replies_.erase(agent);
    vacated_.erase(agent);
    past_deadline_.erase(agent);
    move_waits_.erase(agent);
    evacuation_started_.erase(agent);
    deferred_.erase(agent);
  }
}

bool EvacuatePolicy::kill_still_wanted(PolicyHost& host, const std::string& task_id) {
  const auto place = host.task_book().find(task_id);
  if (!place || !place->migrating) {
    return true;  // not a make-before-break retirement
  }
  const std::string& old = place->agent;
  const Sleeper& retiring = host.task_book().migrating().at(old);
  if (retiring.retired_for.empty()) {
    return true;  // not a make-before-break retirement
  }
  const auto replacement = host.task_book().sleepers().find(retiring.retired_for.value());
  const bool due =
      retiring.unavailability_start > 0 && host.now() >= deadline_of(retiring.unavailability_start);
  if (due || replacement == host.task_book().sleepers().end() ||
      !replacement->second.replaces.empty() ||
      host.ready_tasks() + evacuation_.max_unavailable >= host.num_tasks()) {
    return true;
  }
  // Losses since the decision leave no room for it: the old task stays, linked to its replacement
  // again, until another task runs or its deadline comes.
  host.kill_retrier().done(task_id);
  host.task_book().keep(old);
  deferred_.insert(old);
  host.changed();
  return false;
}

std::optional<Time> EvacuatePolicy::next_due(const PolicyHost& host) const {
  std::optional<Time> next;
  // Only what lies ahead: act_due() has just run at now, and a deferred retirement whose
  // replacement died (then held back by its crash-loop backoff) keeps a past deadline that no
  // wakeup can change; waking for it again at once is a livelock (seed 5029).
  const auto consider = [&](Time at) {
    if (at > host.now() && (!next || at < *next)) {
      next = at;
    }
  };
  const auto& sleepers = host.task_book().sleepers();
  for (const auto& agent : moves_by_deadline(host)) {
    if (!past_deadline_.contains(agent)) {
      consider(deadline_of(sleepers.at(agent).unavailability_start));
    }
  }
  for (const auto& agent : deferred_) {  // a retirement waiting for capacity or its deadline
    if (const auto found = sleepers.find(agent);
        found != sleepers.end() && found->second.unavailability_start > 0) {
      consider(deadline_of(found->second.unavailability_start));
    }
  }
  readiness_due(host, next);
  return next;
}

void EvacuatePolicy::add_demand(const PolicyHost& host, OfferDemand& demand) const {
  const std::size_t held = host.task_book().sleepers().size() + host.slots_backing_off();
  const std::size_t budget = host.num_tasks() + evacuation_.max_surge;
  const std::size_t room = budget > held ? budget - held : 0;
  // A move whose slot is in crash-loop backoff starts only when the backoff ends: counted then,
  // so that its end REVIVEs offers declined meanwhile.
  const auto moves = moves_by_deadline(host);
  const auto startable = static_cast<std::size_t>(
      std::count_if(moves.begin(), moves.end(), [&](const std::string& agent) {
        return !move_backs_off(host, host.task_book().sleepers().at(agent));
      }));
  demand.startable_moves = std::min(startable, room);
  demand.moves_counted = true;
  demand.past_deadline = past_deadline_;
}

void EvacuatePolicy::launched(const std::string& agent, std::int64_t window_start, Time now) {
  if (window_start > 0) {
    evacuation_started_.try_emplace(agent, now);
  }
}

void EvacuatePolicy::window_changed(const std::string& agent, std::int64_t start, Time now) {
  // A new window is a new deadline: what was said about the old one no longer holds.
  past_deadline_.erase(agent);
  move_waits_.erase(agent);
  if (start > 0) {
    evacuation_started_.try_emplace(agent, now);
  } else {
    evacuation_started_.erase(agent);
  }
}

void EvacuatePolicy::forget_all() {
  evacuation_started_.clear();
  move_waits_.clear();
  past_deadline_.clear();
  vacated_.clear();
  deferred_.clear();
}

}  // namespace iof::framework
