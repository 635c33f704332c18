// The seed's decisions (Mesos's src/examples/inverse_offer_framework.cpp) and their fixed form.
#include "iof/framework/scheduler_state.hpp"

#include <set>

#include "iof/framework/core/calls.hpp"
#include "iof/wire/mesos_text.hpp"
#include "iof/wire/task_state.hpp"

#include "offer_resources.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;
namespace text = wire::text;

namespace {

std::vector<v1::Resource> allocated_to(const std::vector<v1::Resource>& resources,
                                       const std::optional<std::string>& role) {
  std::vector<v1::Resource> out;
  for (const auto& resource : resources) {
    const bool has = resource.has_allocation_info() && resource.allocation_info().has_role();
    if (has == role.has_value() && (!has || resource.allocation_info().role() == *role)) {
      out.push_back(resource);
    }
  }
  return out;
}

// Mesos's Resources::contains, where an allocation is part of what a resource is: resources
// allocated to a role are only held by resources allocated to that same role.
bool contains_with_allocation(const std::vector<v1::Resource>& have,
                              const std::vector<v1::Resource>& want) {
  std::set<std::optional<std::string>> roles;
  for (const auto& resource : want) {
    roles.insert(resource.has_allocation_info() && resource.allocation_info().has_role()
                     ? std::optional<std::string>(resource.allocation_info().role())
                     : std::nullopt);
  }
  for (const auto& role : roles) {
    if (!text::contains(allocated_to(have, role), allocated_to(want, role))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Policy> policy_from_name(std::string_view name) {
  if (name == "seed") {
    return Policy::seed;
  }
  if (name == "intent") {
    return Policy::intent;
  }
  if (name == "evacuate") {
    return Policy::evacuate;
  }
  return std::nullopt;
}

std::string_view policy_name(Policy policy) {
  switch (policy) {
    case Policy::seed:
      return "seed";
    case Policy::intent:
      return "intent";
    case Policy::evacuate:
      break;
  }
  return "evacuate";
}

SchedulerState::SchedulerState(Policy policy, std::uint32_t num_tasks, std::string role,
                               TaskTemplate task, Recovery recovery, Evacuation evacuation)
    : policy_(policy),
      num_tasks_(num_tasks),
      role_(std::move(role)),
      task_(std::move(task)),
      recovery_(recovery),
      reconciler_(recovery),
      kills_(recovery),
      pacer_(policy != Policy::seed, recovery),
      evacuation_(evacuation),
      agent_book_(recovery),
      lead_(evacuation) {}

Call SchedulerState::call(Call::Type type) const {
  return make_call(framework_id_, type);
}

std::vector<v1::Resource> SchedulerState::task_resources(bool allocated) const {
  std::vector<v1::Resource> out;
  for (const auto& [name, amount] : {std::pair{"cpus", task_.cpus}, std::pair{"mem", task_.mem}}) {
    v1::Resource resource;
    resource.set_name(name);
    resource.set_type(v1::Value::SCALAR);
    resource.mutable_scalar()->set_value(amount);
    if (allocated) {
      resource.mutable_allocation_info()->set_role(role_);
    }
    out.push_back(std::move(resource));
  }
  return out;
}

Decision SchedulerState::handle(const Event& event) {
  // Offers well after our SUPPRESS (not ones already on their way when it was sent): the master
  // never applied it (the call was lost, or refused). maybe_suppress() says it again.
  const bool offered_while_suppressed =
      event.type() == Event::OFFERS && pacer_.offers_arrived(now_);
  Decision decision = dispatch(event);
  if (offered_while_suppressed) {
    decision.log.push_back("Offers arrived although offers were suppressed");
  }
  if (!decision.exit) {
    if (policy_ == Policy::evacuate && subscribed_) {
      evacuate_due(decision);  // what the event made due: a kill-first move with no surge
    }
    maybe_suppress(decision);
  }
  observe_capacity();
  return decision;
}

Decision SchedulerState::dispatch(const Event& event) {
  switch (event.type()) {
    case Event::SUBSCRIBED:
      return subscribed(event.subscribed());
    case Event::OFFERS:
      return policy_ == Policy::evacuate ? evacuate_offers(event.offers()) : offers(event.offers());
    case Event::INVERSE_OFFERS:
      return policy_ == Policy::evacuate ? evacuate_inverse_offers(event.inverse_offers())
                                         : inverse_offers(event.inverse_offers());
    case Event::UPDATE:
      return update(event.update().status());
    case Event::FAILURE: {
      Decision decision;
      const auto& failure = event.failure();
      if (failure.has_executor_id()) {
        decision.log.push_back("Executor '" + failure.executor_id().value() + "' lost on agent '" +
                               failure.agent_id().value() + "'" +
                               (failure.has_status()
                                    ? " with status: " + std::to_string(failure.status())
                                    : std::string()));
      } else {
        decision.log.push_back("Agent lost: " + failure.agent_id().value());
        if (policy_ == Policy::evacuate) {
          agent_failed(failure.agent_id().value(), decision);
        }
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

Decision SchedulerState::offers(const Event::Offers& event) {
  Decision decision;
  counters_.offers_received += static_cast<std::uint64_t>(event.offers_size());
  if (!framework_id_) {
    decision.log.push_back("Ignoring offers received before SUBSCRIBED");
    return decision;
  }
  const bool seed = policy_ == Policy::seed;

  // The sleeper on the agent whose maintenance comes first: the one to move.
  std::optional<std::string> riskiest;
  for (const auto& [agent, sleeper] : sleepers_) {
    if (seed) {
      // Published logic: once a candidate exists any smaller start wins, 0 (no window) too.
      if (riskiest) {
        if (sleeper.unavailability_start < sleepers_.at(*riskiest).unavailability_start) {
          riskiest = agent;
        }
      } else if (sleeper.unavailability_start > 0) {
        riskiest = agent;
      }
    } else if (sleeper.unavailability_start > 0 &&
               (!riskiest ||
                sleeper.unavailability_start < sleepers_.at(*riskiest).unavailability_start)) {
      riskiest = agent;
    }
  }

  Call batched_decline = call(Call::DECLINE);
  batched_decline.mutable_decline()->mutable_filters()->set_refuse_seconds(decline_seconds);

  for (const auto& offer : event.offers()) {
    const std::string& agent = offer.agent_id().value();
    const std::int64_t offered_start =
        offer.has_unavailability() ? offer.unavailability().start().nanoseconds() : 0;
    if (!seed && offer.has_unavailability() && sleepers_.contains(agent)) {
      learn_window(agent, offered_start, decision);
    }

    bool need_more = sleepers_.size() < num_tasks_;
    const bool less_risky =
        riskiest && (!offer.has_unavailability() ||
                     offered_start > sleepers_.at(*riskiest).unavailability_start);
    // The intent policy also counts an agent whose sleeper is still being killed.
    const bool occupied = sleepers_.contains(agent) || (!seed && migrating_.contains(agent));
    const bool need_launch = !occupied && (need_more || less_risky);
    // The seed compares its role-allocated task resources with unallocated offers, which never
    // fit on a real master; the intent policy compares like with like.
    const bool fits =
        seed ? contains_with_allocation(unreserved(offer.resources()), task_resources(true))
             : text::contains(unreserved(offer.resources()), task_resources(false));
    if (!fits || !need_launch) {
      if (seed) {
        Call decline = call(Call::DECLINE);
        *decline.mutable_decline()->add_offer_ids() = offer.id();
        decline.mutable_decline()->mutable_filters()->set_refuse_seconds(decline_seconds);
        decision.calls.push_back(std::move(decline));
      } else {
        *batched_decline.mutable_decline()->add_offer_ids() = offer.id();
      }
      continue;
    }

    if (!need_more && less_risky) {
      const std::string from = *riskiest;
      const Sleeper moving = sleepers_.at(from);
      decision.log.push_back("Migrating task " + moving.task_id.value() + " from " + from);
      kill(moving.task_id, from, decision);
      migrating_[from] = moving;
      sleepers_.erase(from);
      ++counters_.migrations;
      // One migration per OFFERS event.
      riskiest.reset();
      need_more = true;
    }

    if (need_more) {
      decision.calls.push_back(launch(offer, "", decision));
    }
  }
  if (batched_decline.decline().offer_ids_size() > 0) {
    decision.calls.push_back(std::move(batched_decline));
  }
  return decision;
}

Call SchedulerState::launch(const v1::Offer& offer, const std::string& replaces,
                            Decision& decision) {
  const std::string& agent = offer.agent_id().value();
  const std::string id = std::to_string(next_task_id_++);
  decision.log.push_back("Starting task " + id + " on " + agent + " (" + offer.hostname() + ")" +
                         (replaces.empty() ? "" : " to replace the task on " + replaces));
  v1::TaskInfo task;
  task.set_name("Sleeper Agent " + id);
  task.mutable_task_id()->set_value(id);
  *task.mutable_agent_id() = offer.agent_id();
  for (auto& resource : task_resources(true)) {
    *task.add_resources() = std::move(resource);
  }
  task.mutable_command()->set_value(task_.command);

  Sleeper sleeper;
  sleeper.task_id = task.task_id();
  sleeper.unavailability_start =
      offer.has_unavailability() ? offer.unavailability().start().nanoseconds() : 0;
  sleeper.replaces = replaces;
  sleeper.launched_at = now_;
  sleeper.launched_with = offer.id();
  if (sleeper.unavailability_start > 0) {
    evacuation_started_.try_emplace(agent, now_);
  }
  sleepers_[agent] = std::move(sleeper);
  Call accept = call(Call::ACCEPT);
  *accept.mutable_accept()->add_offer_ids() = offer.id();
  auto* operation = accept.mutable_accept()->add_operations();
  operation->set_type(v1::Offer::Operation::LAUNCH);
  *operation->mutable_launch()->add_task_infos() = std::move(task);
  ++counters_.tasks_launched;
  changed();
  return accept;
}

void SchedulerState::learn_window(const std::string& agent_id, std::int64_t start,
                                  Decision& decision) {
  Sleeper& sleeper = sleepers_.at(agent_id);
  if (sleeper.unavailability_start == start) {
    return;
  }
  sleeper.unavailability_start = start;
  changed();
  // A new window is a new deadline: what was said about the old one no longer holds.
  past_deadline_.erase(agent_id);
  move_waits_.erase(agent_id);
  if (start > 0) {
    evacuation_started_.try_emplace(agent_id, now_);
  } else {
    evacuation_started_.erase(agent_id);
    return;  // maintenance cancelled: nothing has to move
  }
  if (policy_ != Policy::seed) {
    // Offers of other agents were declined for 600 s; without them nothing can move.
    request_revive(decision);
    decision.log.push_back("Agent " + agent_id + " holding task " + sleeper.task_id.value() +
                           " goes into maintenance; reviving offers");
  }
}

Decision SchedulerState::inverse_offers(const Event::InverseOffers& event) {
  Decision decision;
  counters_.inverse_offers_received += static_cast<std::uint64_t>(event.inverse_offers_size());
  for (const auto& offer : event.inverse_offers()) {
    const std::string& agent = offer.agent_id().value();
    if (!sleepers_.contains(agent)) {
      decision.log.push_back("Inverse offer received for " + agent +
                             " which does not hold an active sleep task.");
      continue;
    }
    learn_window(agent, offer.unavailability().start().nanoseconds(), decision);
    if (!framework_id_) {
      continue;
    }
    Call accept = call(Call::ACCEPT_INVERSE_OFFERS);
    *accept.mutable_accept_inverse_offers()->add_inverse_offer_ids() = offer.id();
    decision.calls.push_back(std::move(accept));
  }
  return decision;
}

Decision SchedulerState::update(const v1::TaskStatus& status) {
  Decision decision;
  decision.log.push_back("Task " + status.task_id().value() + " is in state " +
                         v1::TaskState_Name(status.state()) +
                         (status.has_message() ? " with message: " + status.message() : ""));
  if (status.has_uuid() && framework_id_) {
    Call ack = call(Call::ACKNOWLEDGE);
    *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
    ack.mutable_acknowledge()->set_uuid(status.uuid());
    decision.calls.push_back(std::move(ack));
  }
  if (status.reason() == v1::TaskStatus::REASON_RECONCILIATION ||
      reconciler_.asking(status.task_id().value())) {
    reconciled(status, decision);
  }
  if (wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN) {
    kills_.done(status.task_id().value());
  }
  if (adopt_or_kill(status, decision)) {
    return decision;
  }
  std::string agent = status.agent_id().value();
  bool known = false;
  if (policy_ != Policy::seed) {
    // Master-generated updates may lack the agent; the task id says where the sleeper was.
    for (const auto* map : {&sleepers_, &migrating_}) {
      for (const auto& [id, sleeper] : *map) {
        if (sleeper.task_id.value() == status.task_id().value()) {
          agent = id;
          known = true;
        }
      }
    }
  } else {
    known = sleepers_.contains(agent) || migrating_.contains(agent);
  }
  if (known) {
    for (auto* map : {&sleepers_, &migrating_}) {
      if (auto found = map->find(agent);
          found != map->end() && found->second.task_id.value() == status.task_id().value()) {
        forget_unseen_launch(found->second, status, decision);
        found->second.state = status.state();
      }
    }
  }
  if (known && policy_ == Policy::evacuate) {
    evacuate_update(status, agent, decision);
    return decision;
  }
  if (known && migrating_.contains(agent) && status.state() == v1::TASK_KILLED) {
    ++counters_.sleepers_killed;
    migrating_.erase(agent);
    changed();
    return decision;
  }
  // TASK_UNKNOWN only ever answers reconciliation: the master has no such task any more.
  const bool lost = policy_ == Policy::seed
                        ? (status.state() == v1::TASK_FINISHED || status.state() == v1::TASK_LOST ||
                           status.state() == v1::TASK_FAILED || status.state() == v1::TASK_ERROR ||
                           status.state() == v1::TASK_KILLED)
                        : wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN;
  // The seed counts every such update, of tasks it no longer knows too.
  if (lost && (known || policy_ == Policy::seed)) {
    ++counters_.sleepers_lost_abnormally;
  }
  if (lost && known) {
    sleepers_.erase(agent);
    migrating_.erase(agent);
    changed();
    if (policy_ != Policy::seed) {
      // A slot opened: offers may be suppressed or filtered for minutes.
      request_revive(decision);
    }
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

bool SchedulerState::knows_task(const std::string& task_id) const {
  for (const auto* map : {&sleepers_, &migrating_}) {
    for (const auto& [agent, sleeper] : *map) {
      if (sleeper.task_id.value() == task_id) {
        return true;
      }
    }
  }
  return false;
}

// A LAUNCH the master never saw (reconciliation says the task is unknown or lost before anything
// was heard of it) leaves its offer outstanding at the master: decline it, or its resources are
// held until the offer times out, which by default is never.
void SchedulerState::forget_unseen_launch(const Sleeper& sleeper, const v1::TaskStatus& status,
                                          Decision& decision) const {
  const bool never_heard = sleeper.state == v1::TASK_STAGING && sleeper.launched_at.count() > 0;
  const bool unknown = status.reason() == v1::TaskStatus::REASON_RECONCILIATION &&
                       (wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN);
  if (!never_heard || !unknown || sleeper.launched_with.value().empty()) {
    return;
  }
  decision.log.push_back("The master never saw the LAUNCH of task " + sleeper.task_id.value() +
                         "; declining its offer " + sleeper.launched_with.value());
  Call decline = call(Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = sleeper.launched_with;
  decision.calls.push_back(std::move(decline));
}

}  // namespace iof::framework
