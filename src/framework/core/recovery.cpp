// The resilience rules over the books: explicit reconciliation of every task on the books,
// launches that were never heard of, tasks this framework does not know (adopted or killed),
// and KILLs.
#include <algorithm>
#include <charconv>

#include "iof/framework/core/kill_retrier.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/task_state.hpp"

namespace iof::framework {

namespace {

// Whether a task of this framework is alive as far as the master knows.
bool alive(v1::TaskState state) {
  return !wire::is_terminal(state) && state != v1::TASK_UNKNOWN && state != v1::TASK_UNREACHABLE;
}

}  // namespace

void SchedulerState::explicit_reconcile(Decision& decision) {
  for (const auto* map : {&tasks_.sleepers(), &tasks_.migrating()}) {
    for (const auto& [agent, sleeper] : *map) {
      reconciler_.ask_about(sleeper.task_id.value(), agent);
    }
  }
  for (const auto& [task_id, agent] : kills_.tasks()) {
    reconciler_.also_ask_about(task_id, agent);
  }
  reconciler_.restart_backoff();
  reconciler_.ask_unanswered(now_, framework_id_, decision, counters_);
}

void SchedulerState::question_silent_launches(Decision& decision) {
  bool asked = false;
  for (const auto& [launched_at, agent] : tasks_.staging_launches()) {
    if (now_ < launched_at + recovery_.silent_launch) {
      break;  // the rest were launched later
    }
    const std::string& id = tasks_.sleepers().at(agent).task_id.value();
    if (reconciler_.asking(id)) {
      continue;
    }
    decision.log.push_back(
        {"Task " + id + " on " + agent + " has had no update since its LAUNCH; asking the master",
         {id, agent}});
    reconciler_.ask_about(id, agent);
    asked = true;
  }
  if (asked) {
    reconciler_.restart_backoff();
    reconciler_.ask_unanswered(now_, framework_id_, decision, counters_);
  }
}

void SchedulerState::reconciled(const v1::TaskStatus& status, Decision& decision) {
  if (!reconciler_.answered(status.task_id().value())) {
    return;
  }
  // Every known task is answered: now ask for the ones the master knows and we do not.
  decision.log.push_back("Reconciliation complete");
  reconciler_.ask_everything(now_, framework_id_, decision, counters_);
}

// A live task of this framework that neither map holds: one launched by an earlier run whose
// state was lost, or one the master still runs after we gave it up. Kept when a slot is free on
// an agent without a sleeper, killed otherwise. True when the update was such a task.
bool SchedulerState::adopt_or_kill(const v1::TaskStatus& status, Decision& decision) {
  const std::string& task_id = status.task_id().value();
  if (tasks_.knows(task_id)) {
    return false;
  }
  if (!rules_.reconciles || !alive(status.state()) || !status.has_agent_id() || !framework_id_) {
    return false;
  }
  if (kills_.contains(task_id)) {
    return true;  // already on its way out
  }
  const std::string& agent = status.agent_id().value();
  if (tasks_.sleepers().size() < num_tasks_ && !tasks_.sleepers().contains(agent) &&
      !tasks_.migrating().contains(agent)) {
    tasks_.adopt(agent, status.task_id(), status.state(), agent_book_.window_start(agent));
    tasks_.set_health(task_id,
                      status.has_healthy() ? std::optional(status.healthy()) : std::nullopt,
                      task_.health_check.has_value(), now_);
    std::uint64_t numeric = 0;
    auto [rest, error] = std::from_chars(task_id.data(), task_id.data() + task_id.size(), numeric);
    if (error == std::errc() && rest == task_id.data() + task_id.size()) {
      next_task_id_ = std::max(next_task_id_, numeric + 1);
    }
    ++counters_.tasks_adopted;
    changed();
    decision.log.push_back({"Adopting task " + task_id + " on " + agent, {task_id, agent}});
    return true;
  }
  decision.log.push_back({"Killing task " + task_id + " on " + agent + ": " +
                              std::to_string(num_tasks_) + " tasks run without it",
                          {task_id, agent}});
  ++counters_.unknown_tasks_killed;
  kill(status.task_id(), agent, decision);
  return true;
}

void SchedulerState::kill(const v1::TaskID& task, const std::string& agent, Decision& decision) {
  decision.calls.push_back(kill_call(framework_id_, task.value(), agent, kill_grace()));
  if (rules_.retries_kills) {  // the example sends each KILL once
    kills_.sent(task.value(), agent, now_);
  }
}

}  // namespace iof::framework
