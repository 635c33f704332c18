// The evacuate policy's plan: which tasks must move and by when, retiring an old task once its
// replacement runs (or deferring it while that would break the budget), kill-first moves at a
// deadline, and the planned moves /state shows.
#include <algorithm>
#include <set>

#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

Time SchedulerState::lead_time() const {
  return lead_.current();
}

Time SchedulerState::deadline_of(std::int64_t window_start) const {
  return lead_.deadline_of(window_start);
}

std::size_t SchedulerState::running_tasks() const {
  const auto& sleepers = tasks_.sleepers();
  return static_cast<std::size_t>(
      std::count_if(sleepers.begin(), sleepers.end(),
                    [](const auto& entry) { return entry.second.state == v1::TASK_RUNNING; }));
}

std::size_t SchedulerState::replacements_in_flight() const {
  const auto& sleepers = tasks_.sleepers();
  return static_cast<std::size_t>(
      std::count_if(sleepers.begin(), sleepers.end(),
                    [](const auto& entry) { return !entry.second.replaces.empty(); }));
}

std::size_t SchedulerState::migrations_in_flight() const {
  return replacements_in_flight() + tasks_.migrating().size();
}

std::string SchedulerState::wait_text(MoveWait wait) const {
  return wait == MoveWait::surge ? "waiting for the surge budget (--max_surge=" +
                                       std::to_string(evacuation_.max_surge) + ")"
                                 : "no offer from a safe agent";
}

bool SchedulerState::being_replaced(const std::string& agent) const {
  const auto& sleepers = tasks_.sleepers();
  return std::any_of(sleepers.begin(), sleepers.end(),
                     [&](const auto& entry) { return entry.second.replaces == agent; });
}

// Tasks that must leave their agent and have no replacement yet, earliest window first.
std::vector<std::string> SchedulerState::moves_by_deadline() const {
  std::vector<std::string> out;
  for (const auto& [agent, sleeper] : tasks_.sleepers()) {
    if (sleeper.unavailability_start > 0 && sleeper.replaces.empty() && !being_replaced(agent)) {
      out.push_back(agent);
    }
  }
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    const auto start_a = tasks_.sleepers().at(a).unavailability_start;
    const auto start_b = tasks_.sleepers().at(b).unavailability_start;
    return start_a != start_b ? start_a < start_b : a < b;
  });
  return out;
}

// Whether killing the task on `agent` before a replacement runs stays within --max_unavailable.
bool SchedulerState::kill_first_allowed() const {
  const std::size_t running = running_tasks();
  const std::size_t after = running == 0 ? 0 : running - 1;
  return after + evacuation_.max_unavailable >= num_tasks_;
}

void SchedulerState::replacement_running(const std::string& agent, Decision& decision) {
  const Sleeper& replacement = tasks_.sleepers().at(agent);
  const std::string old = replacement.replaces.value();
  if (const auto moving = tasks_.sleepers().find(old);
      moving != tasks_.sleepers().end() &&
      (moving->second.unavailability_start == 0 ||  // its maintenance was cancelled
       now_ < deadline_of(moving->second.unavailability_start)) &&
      running_tasks() - (moving->second.state == v1::TASK_RUNNING ? 1U : 0U) +
              evacuation_.max_unavailable <
          num_tasks_) {
    // A loss elsewhere is still being refilled: killing the old task now would leave fewer than
    // N - max_unavailable running. It waits for that refill to run, or for its deadline.
    if (deferred_.insert(old).second) {
      decision.log.push_back("Task " + moving->second.task_id.value() + " on " + old +
                             " stays until another task runs: killing it now would leave " +
                             std::to_string(running_tasks() - 1) + " running");
    }
    return;
  }
  deferred_.erase(old);
  tasks_.replacement_done(agent);
  changed();
  if (tasks_.sleepers().contains(old)) {
    retire(old, "replacement task " + replacement.task_id.value() + " is RUNNING on " + agent,
           decision, AgentId(agent));
  }
}

void SchedulerState::retire(const std::string& agent, const std::string& why, Decision& decision,
                            AgentId retired_for) {
  const v1::TaskID task = tasks_.sleepers().at(agent).task_id;
  decision.log.push_back("Killing task " + task.value() + " on " + agent + ": " + why);
  kill(task, agent, decision);
  tasks_.start_moving(agent, now_, std::move(retired_for));
  move_waits_.erase(agent);
  ++counters_.migrations;
  changed();
}

// Retires the old tasks of running replacements whose retirement was deferred, now that it fits.
void SchedulerState::retire_replaced(Decision& decision) {
  std::vector<std::string> ready;
  for (const auto& [agent, sleeper] : tasks_.sleepers()) {
    if (!sleeper.replaces.empty() && sleeper.state == v1::TASK_RUNNING) {
      ready.push_back(agent);
    }
  }
  for (const auto& agent : ready) {
    if (tasks_.sleepers().contains(agent) && !tasks_.sleepers().at(agent).replaces.empty()) {
      replacement_running(agent, decision);
    }
  }
}

// At a move's deadline with no replacement started: say so once, revive offers in case a filter
// hides a safe agent, and kill first if the budget allows. With --max_surge=0 no replacement can
// ever start, so that is the only way to move, and the latest safe moment to do it.
void SchedulerState::evacuate_due(Decision& decision) {
  retire_replaced(decision);  // deferred retirements whose deadline came
  for (const auto& agent : moves_by_deadline()) {
    const Sleeper& sleeper = tasks_.sleepers().at(agent);
    const bool due = now_ >= deadline_of(sleeper.unavailability_start);
    if (!due) {
      continue;
    }
    const bool allowed = kill_first_allowed();
    if (past_deadline_.insert(agent).second) {
      const auto wait = move_waits_.find(agent);
      const std::string why = evacuation_.max_surge == 0  ? "--max_surge=0"
                              : wait != move_waits_.end() ? wait_text(wait->second)
                                                          : "no offers";
      const std::string task = sleeper.task_id.value();
      // Only a lack of safe agents is a lack of capacity; a full surge budget is just a queue.
      const bool no_capacity = wait == move_waits_.end() || wait->second != MoveWait::surge;
      decision.log.push_back(
          (no_capacity ? "No safe capacity for task " + task + " on " + agent
                       : "Task " + task + " on " + agent + " is past its deadline unmoved") +
          " (" + why + ")" +
          (allowed ? ": killing it first, as --max_unavailable=" +
                         std::to_string(evacuation_.max_unavailable) + " allows"
                   : ": keeping it running, --max_unavailable=" +
                         std::to_string(evacuation_.max_unavailable) + " forbids kill-first"));
    }
    if (allowed) {
      ++counters_.kill_first_moves;
      vacated_.insert(agent);
      retire(agent, "kill-first move before its window", decision);
    }
  }
}

std::vector<PlannedMove> SchedulerState::planned_moves() const {
  std::vector<PlannedMove> out;
  for (const auto& [agent, sleeper] : tasks_.migrating()) {
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
  for (const auto& [agent, sleeper] : tasks_.sleepers()) {
    if (sleeper.unavailability_start == 0 || !sleeper.replaces.empty()) {
      continue;
    }
    PlannedMove move;
    move.task_id = sleeper.task_id.value();
    move.agent_id = agent;
    move.window_start = sleeper.unavailability_start;
    move.deadline = deadline_of(sleeper.unavailability_start);
    for (const auto& [other, replacement] : tasks_.sleepers()) {
      if (replacement.replaces == agent) {
        move.status = MoveStatus::replacement_starting;
        move.replacement_task = replacement.task_id.value();
        move.replacement_agent = other;
      }
    }
    if (move.replacement_task.empty()) {
      const auto wait = move_waits_.find(agent);
      move.status = wait == move_waits_.end()         ? MoveStatus::waiting_for_offers
                    : wait->second == MoveWait::surge ? MoveStatus::waiting_for_surge
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

void SchedulerState::forget_idle_agents() {
  const std::set<std::string> busy = kills_.agents();
  const auto keep = [&](const std::string& agent, const KnownAgent& known) {
    // A vacated agent is kept until its window starts, so that it is not refilled before it.
    const bool guarding = vacated_.contains(agent) && Time(known.window_start) > now_;
    return tasks_.sleepers().contains(agent) || tasks_.migrating().contains(agent) ||
           busy.contains(agent) || guarding;
  };
  for (const auto& agent : agent_book_.forget_idle(now_, keep)) {
    inverse_offer_replies_.erase(agent);
    vacated_.erase(agent);
    past_deadline_.erase(agent);
    move_waits_.erase(agent);
    evacuation_started_.erase(agent);
    deferred_.erase(agent);
  }
}

bool SchedulerState::kill_still_wanted(const std::string& task_id) {
  if (rules_.retries_kills && !kills_.contains(task_id)) {
    return false;  // a queued copy for a task that ended, or was kept after all
  }
  const auto place = tasks_.find(task_id);
  if (!place || !place->migrating) {
    return true;  // not a make-before-break retirement
  }
  const std::string& old = place->agent;
  const Sleeper& retiring = tasks_.migrating().at(old);
  if (retiring.retired_for.empty()) {
    return true;  // not a make-before-break retirement
  }
  const auto replacement = tasks_.sleepers().find(retiring.retired_for.value());
  const bool due =
      retiring.unavailability_start > 0 && now_ >= deadline_of(retiring.unavailability_start);
  if (due || replacement == tasks_.sleepers().end() || !replacement->second.replaces.empty() ||
      running_tasks() + evacuation_.max_unavailable >= num_tasks_) {
    return true;
  }
  // Losses since the decision leave no room for it: the old task stays, linked to its replacement
  // again, until another task runs or its deadline comes.
  kills_.done(task_id);
  tasks_.keep(old);
  deferred_.insert(old);
  changed();
  return false;
}

}  // namespace iof::framework
