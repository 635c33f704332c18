// The evacuate policy and readiness: a replacement retires the old task only once it is ready
// (RUNNING, healthy if it has a health check, and so for --min_ready_time), the lead time learns
// launch->ready, and a replacement still not ready at the old task's deadline does not keep the
// old task on an agent about to go down.
#include <set>

#include "durations.hpp"
#include "evacuate_policy.hpp"

namespace iof::framework {

using evacuate::secs_text;

void EvacuatePolicy::became_ready(PolicyHost& host, const std::string& agent, Decision& decision) {
  if (const Time launched_at = host.task_book().take_launched_at(agent); launched_at.count() > 0) {
    lead_.launched(host.now() - launched_at);
    host.changed();  // the samples are saved state
  }
  if (!host.task_book().sleepers().at(agent).replaces.empty()) {
    replacement_running(host, agent, decision);
  } else {
    retire_replaced(host, decision);  // a refill is ready: a deferred retirement may fit now
  }
}

void EvacuatePolicy::note_ready_launches(PolicyHost& host) {
  const auto measure = [&](const std::string& agent) {
    // Ready by the clock (--min_ready_time passed) rather than by an update.
    lead_.launched(host.now() - host.task_book().take_launched_at(agent));
    host.changed();
  };
  if (!host.ready_when_running()) {
    // This runs at every event: only the tasks ready since long enough are looked at, oldest
    // first, each measured once (measuring takes it off the index).
    const auto& by_ready = host.task_book().running_unmeasured_by_ready();
    while (!by_ready.empty() &&
           host.ready(host.task_book().sleepers().at(by_ready.begin()->second))) {
      measure(std::string(by_ready.begin()->second));
    }
    return;
  }
  // Copied: measuring a launch takes it off the index.
  const std::set<std::string> unmeasured = host.task_book().running_unmeasured();
  for (const auto& agent : unmeasured) {
    if (host.ready(host.task_book().sleepers().at(agent))) {
      measure(agent);
    }
  }
}

void EvacuatePolicy::retire_unready_at_deadline(PolicyHost& host, Decision& decision) {
  std::vector<std::string> late;
  for (const auto& agent : host.task_book().replacing()) {
    const Sleeper& task = host.task_book().sleepers().at(agent);
    if (task.state != v1::TASK_RUNNING || host.ready(task)) {
      continue;
    }
    const auto old = host.task_book().sleepers().find(task.replaces.value());
    if (old != host.task_book().sleepers().end() && old->second.unavailability_start > 0 &&
        host.now() >= deadline_of(old->second.unavailability_start)) {
      late.push_back(agent);
    }
  }
  for (const auto& agent : late) {
    const Sleeper& replacement = host.task_book().sleepers().at(agent);
    const std::string old = replacement.replaces.value();
    const Sleeper& leaving = host.task_book().sleepers().at(old);
    // The window takes the old task anyway: stopping it now, within its grace period, beats
    // losing it to the machine going down.
    // About the old task: that is the one this line decides to stop.
    decision.log.push_back({"Replacement task " + replacement.task_id.value() + " on " + agent +
                                " is not ready (" +
                                (replacement.healthy == false ? "unhealthy" : "not yet healthy") +
                                ") by the deadline of task " + leaving.task_id.value() + " on " +
                                old + ", whose window starts in " +
                                secs_text(Time(leaving.unavailability_start) - host.now()) +
                                ": killing the old task anyway",
                            {leaving.task_id.value(), old}});
    ++host.mutable_counters().unready_at_deadline;
    deferred_.erase(old);
    host.task_book().replacement_done(agent);
    host.changed();
    retire(host, old, "its window comes before its replacement is ready", decision, AgentId(agent));
  }
}

void EvacuatePolicy::readiness_due(const PolicyHost& host, std::optional<Time>& next) const {
  if (host.ready_when_running()) {
    return;  // no task is ever RUNNING and not ready
  }
  const auto consider = [&](Time at) {
    if (at > host.now() && (!next || at < *next)) {  // see next_due()
      next = at;
    }
  };
  // This runs at every event: it asks the task book's indexes, not every task. The first task
  // to become ready, of those healthy and waiting out --min_ready_time:
  if (const auto at = host.next_ready_at()) {
    consider(*at);
  }
  // A replacement not ready yet is given up on at its old task's deadline.
  const auto& sleepers = host.task_book().sleepers();
  for (const auto& agent : host.task_book().replacing()) {
    const Sleeper& task = sleepers.at(agent);
    if (task.state != v1::TASK_RUNNING || host.ready(task)) {
      continue;
    }
    if (const auto old = sleepers.find(task.replaces.value());
        old != sleepers.end() && old->second.unavailability_start > 0) {
      consider(deadline_of(old->second.unavailability_start));
    }
  }
}

}  // namespace iof::framework
