// The subscription's life: what a restart restores and a snapshot saves, SUBSCRIBED, a dropped
// connection, and the master removing the framework.
#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

using v1::scheduler::Event;

void SchedulerState::restore(const Snapshot& snapshot) {
  if (snapshot.framework_id) {
    framework_id_ = v1::FrameworkID();
    framework_id_->set_value(*snapshot.framework_id);
  }
  next_task_id_ = snapshot.next_task_id;
  tasks_.restore(snapshot.sleepers, snapshot.migrating);
  crash_backoff_.restore(snapshot.backoffs);
  task_policy_->restore_lead_time(snapshot.lead_time);
  // Whether their KILL ever left is unknown: send it again once subscribed.
  for (const auto& [agent, sleeper] : tasks_.migrating()) {
    if (rules_.retries_kills) {
      kills_.unsure(sleeper.task_id.value(), agent);
    }
  }
  changed();
}

Snapshot SchedulerState::snapshot() const {
  Snapshot out;
  if (framework_id_) {
    out.framework_id = framework_id_->value();
  }
  out.next_task_id = next_task_id_;
  out.sleepers = tasks_.sleepers();
  out.migrating = tasks_.migrating();
  out.backoffs = crash_backoff_.slots();
  out.lead_time = task_policy_->lead_time_samples();
  return out;
}

void SchedulerState::disconnected() {
  subscribed_ = false;
  // The next SUBSCRIBED starts reconciliation over; suppression does not survive a
  // re-subscription that does not name suppressed roles.
  reconciler_.forget();
  pacer_.forget_suppression();
}

Decision SchedulerState::subscribed(const Event::Subscribed& subscribed) {
  Decision decision;
  const bool same = framework_id_ && framework_id_->value() == subscribed.framework_id().value();
  if (!same) {
    changed();
  }
  framework_id_ = subscribed.framework_id();
  subscribed_ = true;
  pacer_.forget_suppression();
  ++counters_.subscriptions;
  decision.log.push_back("Subscribed with ID '" + framework_id_->value() + "'");
  if (!rules_.reconciles) {
    return decision;  // the example as published: no reconciliation
  }
  // Whatever happened while disconnected (tasks lost, kills done) is only learnt by asking.
  if (current_sleepers() > 0 || !kills_.empty()) {
    explicit_reconcile(decision);
  } else {
    reconciler_.ask_everything(now_, framework_id_, decision, counters_);
  }
  // KILLs sent on the old connection may never have arrived.
  kills_.all_due(now_);
  return decision;
}

Decision SchedulerState::removed(const std::string& message) {
  Decision decision;
  const std::string id = framework_id_->value();
  if (!recovery_.allow_new_framework) {
    decision.exit = Decision::Exit{
        1, "The master removed framework " + id + " (" + message +
               ": its failover timeout passed or it was torn down). Not starting a second copy "
               "of the tasks; pass --allow_new_framework to subscribe as a new framework"};
    return decision;
  }
  decision.log.push_back("The master removed framework " + id + " (" + message +
                         "); subscribing as a new framework, as --allow_new_framework asks");
  framework_id_.reset();
  tasks_.clear();
  crash_backoff_.clear();
  kills_.clear();
  reconciler_.clear();
  task_policy_->forget_all();
  changed();
  return decision;
}

}  // namespace iof::framework
