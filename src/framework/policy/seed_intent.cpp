// The seed's decisions (Mesos's src/examples/inverse_offer_framework.cpp) and their fixed form,
// the intent policy: which offers to take, which task to migrate, how inverse offers are answered.
#include <set>

#include "iof/framework/core/calls.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/resources.hpp"

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

Decision SchedulerState::offers(const Event::Offers& event) {
  Decision decision;
  counters_.offers_received += static_cast<std::uint64_t>(event.offers_size());
  if (!framework_id_) {
    decision.log.push_back("Ignoring offers received before SUBSCRIBED");
    return decision;
  }
  const bool seed = policy_ == Policy::seed;

  // The sleeper on the agent whose maintenance comes first: the one to move.
  const auto& sleepers = tasks_.sleepers();
  std::optional<std::string> riskiest;
  for (const auto& [agent, sleeper] : sleepers) {
    if (seed) {
      // Published logic: once a candidate exists any smaller start wins, 0 (no window) too.
      if (riskiest) {
        if (sleeper.unavailability_start < sleepers.at(*riskiest).unavailability_start) {
          riskiest = agent;
        }
      } else if (sleeper.unavailability_start > 0) {
        riskiest = agent;
      }
    } else if (sleeper.unavailability_start > 0 &&
               (!riskiest ||
                sleeper.unavailability_start < sleepers.at(*riskiest).unavailability_start)) {
      riskiest = agent;
    }
  }

  Call batched_decline = call(Call::DECLINE);
  batched_decline.mutable_decline()->mutable_filters()->set_refuse_seconds(decline_seconds);

  for (const auto& offer : event.offers()) {
    const std::string& agent = offer.agent_id().value();
    const std::int64_t offered_start =
        offer.has_unavailability() ? offer.unavailability().start().nanoseconds() : 0;
    if (!seed && offer.has_unavailability() && sleepers.contains(agent)) {
      learn_window(agent, offered_start, decision);
    }

    bool need_more = sleepers.size() < num_tasks_;
    const bool less_risky =
        riskiest && (!offer.has_unavailability() ||
                     offered_start > sleepers.at(*riskiest).unavailability_start);
    // The intent policy also counts an agent whose sleeper is still being killed.
    const bool occupied = sleepers.contains(agent) || (!seed && tasks_.migrating().contains(agent));
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
      const v1::TaskID moving = sleepers.at(from).task_id;
      decision.log.push_back("Migrating task " + moving.value() + " from " + from);
      kill(moving, from, decision);
      tasks_.start_moving(from, now_);
      ++counters_.migrations;
      // One migration per OFFERS event.
      riskiest.reset();
      need_more = true;
    }

    if (need_more) {
      decision.calls.push_back(launch(offer, AgentId(), decision));
    }
  }
  if (batched_decline.decline().offer_ids_size() > 0) {
    decision.calls.push_back(std::move(batched_decline));
  }
  return decision;
}

Decision SchedulerState::inverse_offers(const Event::InverseOffers& event) {
  Decision decision;
  counters_.inverse_offers_received += static_cast<std::uint64_t>(event.inverse_offers_size());
  for (const auto& offer : event.inverse_offers()) {
    const std::string& agent = offer.agent_id().value();
    if (!tasks_.sleepers().contains(agent)) {
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

}  // namespace iof::framework
