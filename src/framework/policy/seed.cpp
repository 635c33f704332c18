// The seed policy: Mesos's example (src/examples/inverse_offer_framework.cpp) as published, the
// baseline every benchmark compares against. Its defects live here and nowhere else: it compares
// role-allocated task resources with offers that carry no allocation (so it never launches on a
// real master), treats an agent with no known window as the riskiest, declines each offer on its
// own for 600 s and never revives them, and counts an agent whose sleeper is being killed as free.
// Its inverse-offer answer and its migration are kept by the intent policy (intent.cpp).
#include "iof/framework/core/calls.hpp"

#include "seed_policy.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;

Decision SeedPolicy::offers(PolicyHost& host, const std::vector<OfferSummary>& offers) {
  Decision decision;
  const auto& sleepers = host.task_book().sleepers();

  // The sleeper on the agent whose maintenance comes first: the one to move. As published, once
  // a candidate exists any smaller start wins, 0 (no window) too.
  std::optional<std::string> riskiest;
  for (const auto& [agent, sleeper] : sleepers) {
    if (riskiest) {
      if (sleeper.unavailability_start < sleepers.at(*riskiest).unavailability_start) {
        riskiest = agent;
      }
    } else if (sleeper.unavailability_start > 0) {
      riskiest = agent;
    }
  }

  for (const auto& offer : offers) {
    const std::string& agent = offer.agent_id;
    bool need_more = sleepers.size() < host.num_tasks();
    const bool less_risky =
        riskiest &&
        (!offer.has_window || offer.window_start_ns > sleepers.at(*riskiest).unavailability_start);
    const bool need_launch = !sleepers.contains(agent) && (need_more || less_risky);
    // Role-allocated task resources against unallocated offers (OfferReading::literal_fit):
    // never a fit on a real master.
    if (!offer.holds_task || !need_launch) {
      Call decline = host.call(Call::DECLINE);
      decline.mutable_decline()->add_offer_ids()->set_value(offer.id);
      decline.mutable_decline()->mutable_filters()->set_refuse_seconds(decline_seconds);
      decision.calls.push_back(std::move(decline));
      continue;
    }
    if (!need_more && less_risky) {
      migrate(host, *riskiest, decision);
      riskiest.reset();  // one migration per OFFERS event
      need_more = true;
    }
    if (need_more) {
      decision.calls.push_back(host.launch(offer, AgentId(), decision));
    }
  }
  return decision;
}

// Kill first, then launch on the offer at hand: the example's only way to move a task.
void SeedPolicy::migrate(PolicyHost& host, const std::string& from, Decision& decision) {
  const v1::TaskID moving = host.task_book().sleepers().at(from).task_id;
  decision.log.push_back(
      {"Migrating task " + moving.value() + " from " + from, {moving.value(), from}});
  host.kill(moving, from, decision);
  host.task_book().start_moving(from, host.now());
  ++host.mutable_counters().migrations;
}

Decision SeedPolicy::inverse_offers(PolicyHost& host, const Event::InverseOffers& event) {
  Decision decision;
  host.mutable_counters().inverse_offers_received +=
      static_cast<std::uint64_t>(event.inverse_offers_size());
  for (const auto& offer : event.inverse_offers()) {
    const std::string& agent = offer.agent_id().value();
    if (!host.task_book().sleepers().contains(agent)) {
      decision.log.push_back(
          {"Inverse offer received for " + agent + " which does not hold an active sleep task.",
           {std::nullopt, agent}});
      continue;
    }
    host.learn_window(agent, offer.unavailability().start().nanoseconds(), decision);
    if (!host.framework_id()) {
      continue;
    }
    Call accept = host.call(Call::ACCEPT_INVERSE_OFFERS);
    *accept.mutable_accept_inverse_offers()->add_inverse_offer_ids() = offer.id();
    decision.calls.push_back(std::move(accept));
  }
  return decision;
}

}  // namespace iof::framework
