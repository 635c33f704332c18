// The facade: the one place that fixes the order of steps within a frame. An event is dispatched
// to its owner, then what it made due runs, then the offers wanted are settled once (a REVIVE if
// the frame added a need, a SUPPRESS if nothing needs them); advance() runs each owner's timers in
// a fixed order and settles the same way. Nothing here reads a clock.
#include <algorithm>

#include "iof/framework/core/calls.hpp"
#include "iof/framework/core/kill_retrier.hpp"
#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;

SchedulerState::SchedulerState(Policy policy, std::uint32_t num_tasks, std::string role,
                               TaskSpec task, Recovery recovery, Evacuation evacuation)
    : policy_(policy),
      rules_(rules_of(policy)),
      num_tasks_(num_tasks),
      role_(std::move(role)),
      task_(std::move(task)),
      recovery_(recovery),
      reconciler_(recovery),
      kills_(recovery, kill_grace()),
      pacer_(rules_.paces_offers, recovery),
      crash_backoff_(recovery),
      evacuation_(evacuation),
      agent_book_(recovery, evacuation.spread_by),
      task_policy_(make_policy(policy, evacuation)),
      reading_{task_, role_, evacuation.spread_by, policy == Policy::seed} {}

std::optional<Time> SchedulerState::kill_grace() const {
  if (!task_.kill_grace_seconds) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Time>(std::chrono::duration<double>(*task_.kill_grace_seconds));
}

Time SchedulerState::lead_time() const {
  return task_policy_->learnt_lead_time().value_or(evacuation_.min_lead_time);
}

std::optional<Time> SchedulerState::ready_at(const Sleeper& task) const {
  if (!task.ready_since) {
    return std::nullopt;
  }
  return *task.ready_since + evacuation_.min_ready_time;
}

bool SchedulerState::ready_when_running() const {
  return evacuation_.min_ready_time == Time{0} && !task_.health_check;
}

bool SchedulerState::ready(const Sleeper& task) const {
  if (task.state != v1::TASK_RUNNING) {
    return false;
  }
  if (ready_when_running()) {
    return true;  // RUNNING is ready: also for tasks adopted or restored without an update
  }
  const auto at = ready_at(task);
  return at && now_ >= *at;
}

namespace {

// The first task of `ready_since` (RUNNING, ready since a time) still waiting out --min_ready_time
// at `now`: the tail from there on is not ready yet.
auto first_waiting(const std::set<std::pair<Time, std::string>>& ready_since, Time now,
                   Time min_ready_time) {
  return ready_since.lower_bound({now - min_ready_time + Time(1), std::string()});
}

}  // namespace

std::optional<Time> SchedulerState::next_ready_at() const {
  if (ready_when_running()) {
    return std::nullopt;
  }
  const auto& ready_since = tasks_.running_ready_since();
  const auto waiting = first_waiting(ready_since, now_, evacuation_.min_ready_time);
  if (waiting == ready_since.end()) {
    return std::nullopt;
  }
  return waiting->first + evacuation_.min_ready_time;  // the earliest of those waiting
}

std::size_t SchedulerState::ready_tasks() const {
  if (ready_when_running()) {
    return tasks_.in_state(v1::TASK_RUNNING);  // counted by the task book, not walked
  }
  // Ready since a time, less those still waiting out --min_ready_time (the few recent ones).
  const auto& ready_since = tasks_.running_ready_since();
  const auto waiting = std::distance(first_waiting(ready_since, now_, evacuation_.min_ready_time),
                                     ready_since.end());
  return ready_since.size() - static_cast<std::size_t>(waiting);
}

std::size_t SchedulerState::running_tasks() const {
  return tasks_.in_state(v1::TASK_RUNNING);
}

Call SchedulerState::call(Call::Type type) const {
  return make_call(framework_id_, type);
}

Decision SchedulerState::handle(const Event& event) {
  if (event.type() == Event::OFFERS) {
    std::vector<OfferSummary> offers;
    offers.reserve(static_cast<std::size_t>(event.offers().offers_size()));
    for (const auto& offer : event.offers().offers()) {
      offers.push_back(reading_.summarize(offer));
    }
    return handle_offers(offers);
  }
  const OfferDemand before = offer_demand();
  return end_frame(before, dispatch(event));
}

Decision SchedulerState::handle_offers(const std::vector<OfferSummary>& offers) {
  // Offers well after our SUPPRESS (not ones already on their way when it was sent): the master
  // never applied it (the call was lost, or refused). settle_offers() says it again.
  const bool offered_while_suppressed = pacer_.offers_arrived(now_);
  const OfferDemand before = offer_demand();
  Decision decision = this->offers(offers);
  if (offered_while_suppressed) {
    decision.log.push_back("Offers arrived although offers were suppressed");
  }
  return end_frame(before, std::move(decision));
}

Decision SchedulerState::end_frame(const OfferDemand& before, Decision decision) {
  if (!decision.exit) {
    forget_served_crashes();
    if (subscribed_) {
      task_policy_->act_due(*this, decision);  // e.g. a kill-first move with no surge
      task_policy_->note_outlook(*this, decision);
    }
    settle_offers(before, decision);
  }
  observe_capacity();
  return decision;
}

Decision SchedulerState::dispatch(const Event& event) {
  switch (event.type()) {
    case Event::SUBSCRIBED:
      return subscribed(event.subscribed());
    case Event::INVERSE_OFFERS:
      return task_policy_->inverse_offers(*this, event.inverse_offers());
    case Event::UPDATE:
      return update(event.update().status());
    case Event::FAILURE: {
      Decision decision;
      const auto& failure = event.failure();
      if (failure.has_executor_id()) {
        decision.log.push_back(
            {"Executor '" + failure.executor_id().value() + "' lost on agent '" +
                 failure.agent_id().value() + "'" +
                 (failure.has_status() ? " with status: " + std::to_string(failure.status())
                                       : std::string()),
             {std::nullopt, failure.agent_id().value()}});
      } else {
        decision.log.push_back({"Agent lost: " + failure.agent_id().value(),
                                {std::nullopt, failure.agent_id().value()}});
        task_policy_->agent_failed(*this, failure.agent_id().value(), decision);
      }
      return decision;
    }
    case Event::ERROR: {
      if (event.error().message() == "Framework has been removed" && framework_id_) {
        return removed(event.error().message());
      }
      Decision decision;
      decision.exit = Decision::Exit{1, "Error: " + event.error().message()};
      return decision;
    }
    case Event::UNKNOWN: {
      Decision decision;
      decision.log.push_back("Received an UNKNOWN event and ignored");
      return decision;
    }
    default:
      return {};  // HEARTBEAT, RESCIND, RESCIND_INVERSE_OFFER, MESSAGE, operation updates
  }
}

Decision SchedulerState::offers(const std::vector<OfferSummary>& offers) {
  counters_.offers_received += offers.size();
  if (!framework_id_) {
    Decision decision;
    decision.log.push_back("Ignoring offers received before SUBSCRIBED");
    return decision;
  }
  return task_policy_->offers(*this, offers);
}

Decision SchedulerState::advance(Time now) {
  Decision decision;
  if (!subscribed_) {
    now_ = std::max(now_, now);
    return decision;
  }
  // Taken at the old time: a need that the clock alone brings (a slot's crash-loop backoff
  // ending) is a need this frame added.
  const OfferDemand before = offer_demand();
  now_ = std::max(now_, now);
  reconciler_.ask_due(now_, framework_id_, decision, counters_);
  kills_.resend_due(now_, framework_id_, decision, counters_);
  if (rules_.reconciles) {
    question_silent_launches(decision);
  }
  forget_served_crashes();
  task_policy_->act_due(*this, decision);
  task_policy_->forget_idle_agents(*this);
  task_policy_->note_outlook(*this, decision);
  settle_offers(before, decision);
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
  if (rules_.reconciles) {
    // The oldest launch not asked about yet is the next to fall silent.
    for (const auto& [launched_at, agent] : tasks_.staging_launches()) {
      if (!reconciler_.asking(tasks_.sleepers().at(agent).task_id.value())) {
        consider(launched_at + recovery_.silent_launch);
        break;
      }
    }
  }
  consider(kills_.next_due());
  consider(pacer_.next_due());
  consider(next_crash_wakeup());
  consider(task_policy_->next_due(*this));
  return next;
}

Decision SchedulerState::call_failed(const Call& failed) {
  Decision decision;
  if (!subscribed_ || !rules_.reconciles) {
    return decision;
  }
  switch (failed.type()) {
    case Call::ACCEPT: {
      bool asked = false;
      for (const auto& operation : failed.accept().operations()) {
        for (const auto& task : operation.launch().task_infos()) {
          const auto found = tasks_.sleepers().find(task.agent_id().value());
          if (found != tasks_.sleepers().end() &&
              found->second.task_id.value() == task.task_id().value() &&
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
      settle_offers(offer_demand(), decision);  // SUPPRESS again if nothing wants offers
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

Decision SchedulerState::teardown() const {
  Decision decision;
  if (subscribed_ && framework_id_) {
    decision.calls.push_back(call(Call::TEARDOWN));
  }
  return decision;
}

bool SchedulerState::kill_still_wanted(const std::string& task_id) {
  if (rules_.retries_kills && !kills_.contains(task_id)) {
    return false;  // a queued copy for a task that ended, or was kept after all
  }
  return task_policy_->kill_still_wanted(*this, task_id);
}

void SchedulerState::observe_capacity() {
  const std::size_t running = running_tasks();
  if (min_running_seen_) {
    min_running_seen_ = std::min(*min_running_seen_, running);
  } else if (running >= num_tasks_) {
    min_running_seen_ = running;
  }
}

}  // namespace iof::framework
