// The resilience layer of the core: subscription and removal, reconciliation, KILL retries and
// offer suppression. Time comes from advance(); nothing here reads a clock.
#include <algorithm>
#include <charconv>

#include "iof/framework/core/kill_retrier.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/task_state.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;

namespace {

// Whether a task of this framework is alive as far as the master knows.
bool alive(v1::TaskState state) {
  return !wire::is_terminal(state) && state != v1::TASK_UNKNOWN && state != v1::TASK_UNREACHABLE;
}

}  // namespace

void SchedulerState::restore(const Snapshot& snapshot) {
  if (snapshot.framework_id) {
    framework_id_ = v1::FrameworkID();
    framework_id_->set_value(*snapshot.framework_id);
  }
  next_task_id_ = snapshot.next_task_id;
  sleepers_ = snapshot.sleepers;
  migrating_ = snapshot.migrating;
  // Whether their KILL ever left is unknown: send it again once subscribed.
  for (const auto& [agent, sleeper] : migrating_) {
    if (policy_ != Policy::seed) {
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
  out.sleepers = sleepers_;
  out.migrating = migrating_;
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
  if (policy_ == Policy::seed) {
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
  sleepers_.clear();
  migrating_.clear();
  kills_.clear();
  reconciler_.clear();
  evacuation_started_.clear();
  move_waits_.clear();
  past_deadline_.clear();
  vacated_.clear();
  deferred_.clear();
  changed();
  return decision;
}

void SchedulerState::explicit_reconcile(Decision& decision) {
  for (const auto* map : {&sleepers_, &migrating_}) {
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
  for (const auto& [agent, sleeper] : sleepers_) {
    const std::string& id = sleeper.task_id.value();
    if (sleeper.state != v1::TASK_STAGING || sleeper.launched_at.count() == 0 ||
        now_ < sleeper.launched_at + recovery_.silent_launch || reconciler_.asking(id)) {
      continue;
    }
    decision.log.push_back("Task " + id + " on " + agent +
                           " has had no update since its LAUNCH; asking the master");
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
  for (const auto* map : {&sleepers_, &migrating_}) {
    for (const auto& [agent, sleeper] : *map) {
      if (sleeper.task_id.value() == task_id) {
        return false;
      }
    }
  }
  if (policy_ == Policy::seed || !alive(status.state()) || !status.has_agent_id() ||
      !framework_id_) {
    return false;
  }
  if (kills_.contains(task_id)) {
    return true;  // already on its way out
  }
  const std::string& agent = status.agent_id().value();
  if (sleepers_.size() < num_tasks_ && !sleepers_.contains(agent) && !migrating_.contains(agent)) {
    Sleeper adopted;
    adopted.task_id = status.task_id();
    adopted.state = status.state();
    adopted.unavailability_start = agent_book_.window_start(agent);
    sleepers_[agent] = std::move(adopted);
    std::uint64_t numeric = 0;
    auto [rest, error] = std::from_chars(task_id.data(), task_id.data() + task_id.size(), numeric);
    if (error == std::errc() && rest == task_id.data() + task_id.size()) {
      next_task_id_ = std::max(next_task_id_, numeric + 1);
    }
    ++counters_.tasks_adopted;
    changed();
    decision.log.push_back("Adopting task " + task_id + " on " + agent);
    return true;
  }
  decision.log.push_back("Killing task " + task_id + " on " + agent + ": " +
                         std::to_string(num_tasks_) + " tasks run without it");
  ++counters_.unknown_tasks_killed;
  kill(status.task_id(), agent, decision);
  return true;
}

void SchedulerState::kill(const v1::TaskID& task, const std::string& agent, Decision& decision) {
  decision.calls.push_back(kill_call(framework_id_, task.value(), agent));
  if (policy_ != Policy::seed) {  // the example sends each KILL once
    kills_.sent(task.value(), agent, now_);
  }
}

void SchedulerState::request_revive(Decision& decision) {
  pacer_.revive(now_, framework_id_, decision, counters_);
}

bool SchedulerState::wants_offers() const {
  if (sleepers_.size() < num_tasks_ || !migrating_.empty()) {
    return true;
  }
  return std::any_of(sleepers_.begin(), sleepers_.end(), [](const auto& entry) {
    return entry.second.unavailability_start > 0;  // a task may still have to move
  });
}

void SchedulerState::maybe_suppress(Decision& decision) {
  pacer_.suppress_unless_wanted(wants_offers(), subscribed_, num_tasks_, now_, framework_id_,
                                decision, counters_);
}

Decision SchedulerState::advance(Time now) {
  now_ = std::max(now_, now);
  Decision decision;
  if (!subscribed_) {
    return decision;
  }
  reconciler_.ask_due(now_, framework_id_, decision, counters_);
  kills_.resend_due(now_, framework_id_, decision, counters_);
  if (policy_ != Policy::seed) {
    question_silent_launches(decision);
  }
  if (policy_ == Policy::evacuate) {
    evacuate_due(decision);
    forget_idle_agents();
  }
  pacer_.revive_due(now_, wants_offers(), framework_id_, decision, counters_);
  observe_capacity();
  return decision;
}

std::optional<Time> SchedulerState::next_wakeup() const {
  if (!subscribed_) {
    return std::nullopt;
  }
  std::optional<Time> next;
  const auto consider = [&](std::optional<Time> at) {
    if (at && (!next || *at < *next)) {
      next = at;
    }
  };
  consider(reconciler_.next_due());
  if (policy_ != Policy::seed) {
    for (const auto& [agent, sleeper] : sleepers_) {
      if (sleeper.state == v1::TASK_STAGING && sleeper.launched_at.count() > 0 &&
          !reconciler_.asking(sleeper.task_id.value())) {
        consider(sleeper.launched_at + recovery_.silent_launch);
      }
    }
  }
  consider(kills_.next_due());
  consider(pacer_.next_due());
  if (policy_ == Policy::evacuate) {
    for (const auto& agent : moves_by_deadline()) {
      if (!past_deadline_.contains(agent)) {
        consider(deadline_of(sleepers_.at(agent).unavailability_start));
      }
    }
    for (const auto& agent : deferred_) {  // a retirement waiting for capacity or its deadline
      if (const auto found = sleepers_.find(agent);
          found != sleepers_.end() && found->second.unavailability_start > 0) {
        consider(deadline_of(found->second.unavailability_start));
      }
    }
  }
  return next;
}

Decision SchedulerState::call_failed(const Call& failed) {
  Decision decision;
  if (!subscribed_ || policy_ == Policy::seed) {
    return decision;
  }
  switch (failed.type()) {
    case Call::ACCEPT: {
      bool asked = false;
      for (const auto& operation : failed.accept().operations()) {
        for (const auto& task : operation.launch().task_infos()) {
          const auto found = sleepers_.find(task.agent_id().value());
          if (found != sleepers_.end() && found->second.task_id.value() == task.task_id().value() &&
              found->second.state == v1::TASK_STAGING) {
            reconciler_.ask_about(task.task_id().value(), task.agent_id().value());
            asked = true;
          }
        }
      }
      if (asked) {
        decision.log.push_back("The LAUNCH may not have reached the master; asking about it");
        reconciler_.restart_backoff();
        reconciler_.ask_unanswered(now_, framework_id_, decision, counters_);
      }
      break;
    }
    case Call::SUPPRESS:
      pacer_.suppress_failed();
      maybe_suppress(decision);
      break;
    case Call::REVIVE:
      pacer_.revive_failed();
      break;
    case Call::DECLINE:
      // An offer the master never heard declined stays outstanding, its resources offered to
      // nobody (offers do not time out by default). Declining twice is harmless.
      decision.log.push_back("The DECLINE of " + std::to_string(failed.decline().offer_ids_size()) +
                             " offers may not have reached the master; declining them again");
      decision.calls.push_back(failed);
      break;
    default:
      break;
  }
  return decision;
}

}  // namespace iof::framework
