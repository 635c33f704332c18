// Slots and their crash-loop backoff: which slot a launch fills, which slots may launch now, a
// task that failed by itself holding its slot back, and a task that served long enough clearing
// its slot's count.
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/duration.hpp"

namespace iof::framework {

namespace {

// Whether a task ended by itself, as a service in a crash loop does: it exited (FINISHED, FAILED),
// could not start (ERROR), or its executor killed it (a failing health check). Not a task taken
// with its agent (LOST, GONE, UNREACHABLE, DROPPED), nor one drained or killed by an operator.
bool ended_by_itself(const v1::TaskStatus& status) {
  if (status.reason() == v1::TaskStatus::REASON_AGENT_DRAINING ||
      status.reason() == v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR) {
    return false;
  }
  switch (status.state()) {
    case v1::TASK_FINISHED:
    case v1::TASK_FAILED:
    case v1::TASK_ERROR:
    case v1::TASK_KILLED:  // a sleeper: our own KILLs are of tasks being moved
      return true;
    default:
      return false;
  }
}

std::string ordinal(std::uint32_t n) {
  const std::uint32_t tens = n % 100;
  const std::uint32_t ones = n % 10;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th"
                       : ones == 1                ? "st"
                       : ones == 2                ? "nd"
                       : ones == 3                ? "rd"
                                                  : "th";
  return std::to_string(n) + suffix;
}

}  // namespace

SchedulerState::OpenSlots SchedulerState::open_slots() const {
  OpenSlots open;
  const std::size_t filled = tasks_.sleepers().size() - tasks_.replacements_in_flight();
  if (filled >= num_tasks_) {
    return open;
  }
  const std::vector<bool> slot_filled = tasks_.filled_slots(num_tasks_);
  for (std::uint32_t slot = 0; slot < num_tasks_; ++slot) {
    if (slot_filled[slot]) {
      continue;
    }
    if (rules_.backs_off_crashes && crash_backoff_.waiting(slot, now_)) {
      ++open.waiting;
    } else {
      open.lowest_ready = open.lowest_ready.value_or(slot);
      ++open.ready;
    }
  }
  // Slots numbered past N (a restart with a smaller N) fill some of N's places.
  const std::size_t places = num_tasks_ - filled;
  open.ready = std::min(open.ready, places);
  if (open.ready == 0) {
    open.lowest_ready.reset();
  }
  return open;
}

std::optional<std::uint32_t> SchedulerState::slot_to_fill() const {
  return open_slots().lowest_ready;
}

bool SchedulerState::backing_off(const Sleeper& task) const {
  return rules_.backs_off_crashes && crash_backoff_.waiting(task.slot, now_);
}

std::uint32_t SchedulerState::slot_for_launch(const AgentId& replaces) const {
  if (!replaces.empty()) {
    if (const auto old = tasks_.sleepers().find(replaces.value()); old != tasks_.sleepers().end()) {
      return old->second.slot;
    }
  }
  return slot_to_fill().value_or(tasks_.lowest_free_slot());
}

void SchedulerState::note_crash(const Sleeper& task, const v1::TaskStatus& status,
                                Decision& decision) {
  if (!rules_.backs_off_crashes || !ended_by_itself(status)) {
    return;
  }
  ++counters_.task_crashes;
  const Time wait = crash_backoff_.failed(task.slot, task.ready_since, now_);
  const std::uint32_t failures = crash_backoff_.slots().at(task.slot).failures;
  decision.log.push_back({"Task " + task.task_id.value() + " in slot " + std::to_string(task.slot) +
                              " ended by itself (" + v1::TaskState_Name(status.state()) + ", the " +
                              ordinal(failures) + " failure in a row); slot " +
                              std::to_string(task.slot) + " waits " +
                              wire::text::format_duration(wait) + " before its next launch",
                          subject_of(status)});
  changed();
}

void SchedulerState::forget_served_crashes() {
  if (crash_backoff_.slots().empty()) {
    return;
  }
  for (const auto& [agent, task] : tasks_.sleepers()) {
    if (task.ready_since && crash_backoff_.stayed_ready(task.slot, *task.ready_since, now_)) {
      changed();
    }
  }
}

std::optional<Time> SchedulerState::next_crash_wakeup() const {
  if (!rules_.backs_off_crashes || crash_backoff_.slots().empty()) {
    return std::nullopt;
  }
  std::optional<Time> next = crash_backoff_.next_launch_allowed(now_);
  for (const auto& [agent, task] : tasks_.sleepers()) {
    if (!task.ready_since) {
      continue;
    }
    if (const auto at = crash_backoff_.reset_at(task.slot, *task.ready_since);
        at && *at > now_ && (!next || *at < *next)) {
      next = at;
    }
  }
  return next;
}

}  // namespace iof::framework
