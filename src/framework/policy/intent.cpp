// The intent policy: what the seed (seed.cpp) meant, its defects fixed. Offers are compared with
// the task's resources like with like, an agent with no known window is the safest, an offer's
// window is learnt, an agent whose sleeper is being killed is still occupied, and all declines of
// one OFFERS event go as one DECLINE call (REVIVE brings them back; see the offer pacer).
// Migration and the inverse-offer answer are the seed's.
#include "iof/framework/core/calls.hpp"

#include "seed_policy.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;

Decision IntentPolicy::offers(PolicyHost& host, const std::vector<OfferSummary>& offers) {
  Decision decision;
  const auto& sleepers = host.task_book().sleepers();

  // The sleeper on the agent whose maintenance comes first: the one to move.
  std::optional<std::string> riskiest;
  for (const auto& [agent, sleeper] : sleepers) {
    if (sleeper.unavailability_start > 0 &&
        (!riskiest || sleeper.unavailability_start < sleepers.at(*riskiest).unavailability_start)) {
      riskiest = agent;
    }
  }

  Call declines = host.call(Call::DECLINE);
  declines.mutable_decline()->mutable_filters()->set_refuse_seconds(decline_seconds);
  for (const auto& offer : offers) {
    const std::string& agent = offer.agent_id;
    const std::int64_t offered_start = offer.window_start();
    if (offer.has_window && sleepers.contains(agent)) {
      host.learn_window(agent, offered_start, decision);
    }
    // An empty slot in crash-loop backoff is not filled until it may launch.
    bool need_more = host.slot_to_fill().has_value();
    const bool less_risky =
        riskiest &&
        (!offer.has_window || offered_start > sleepers.at(*riskiest).unavailability_start);
    const bool occupied = sleepers.contains(agent) || host.task_book().migrating().contains(agent);
    const bool need_launch = !occupied && (need_more || less_risky);
    if (!offer.holds_task || !need_launch) {
      declines.mutable_decline()->add_offer_ids()->set_value(offer.id);
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
  if (declines.decline().offer_ids_size() > 0) {
    decision.calls.push_back(std::move(declines));
  }
  return decision;
}

}  // namespace iof::framework
