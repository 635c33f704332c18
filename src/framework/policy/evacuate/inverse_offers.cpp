// The evacuate policy's answers to inverse offers: accepted when the task will be gone in time
// (moving, or killed first within the budget), declined when it cannot leave; each with a filter
// that brings the question back when the answer could change. The answers of one event go in as
// few calls as they can: one per verdict and filter, since a call carries one filter for all its
// ids. Agents of one maintenance group share their window, hence their filter.
#include <algorithm>

#include "iof/framework/core/calls.hpp"

#include "durations.hpp"
#include "evacuate_policy.hpp"

namespace iof::framework {

using evacuate::seconds;
using evacuate::secs_text;
using v1::scheduler::Call;
using v1::scheduler::Event;

namespace {

// The master's own cap on a filter.
constexpr double max_filter_seconds = 365.0 * 24 * 3600;

// Puts `id` in the answer of `type` with this filter, opening one if none has them yet.
// AcceptInverseOffers and DeclineInverseOffers have the same two fields; `body` names which.
template <typename Body>
void add_answer(std::vector<Call>& answers, const PolicyHost& host, Call::Type type,
                Body* (Call::*body)(), double filter_secs, const v1::OfferID& id) {
  for (auto& answer : answers) {
    if (answer.type() == type && ((answer.*body)())->filters().refuse_seconds() == filter_secs) {
      *((answer.*body)())->add_inverse_offer_ids() = id;
      return;
    }
  }
  Call answer = host.call(type);
  *((answer.*body)())->add_inverse_offer_ids() = id;
  ((answer.*body)())->mutable_filters()->set_refuse_seconds(filter_secs);
  answers.push_back(std::move(answer));
}

}  // namespace

Decision EvacuatePolicy::inverse_offers(PolicyHost& host, const Event::InverseOffers& event) {
  Decision decision;
  std::vector<Call> answers;
  host.mutable_counters().inverse_offers_received +=
      static_cast<std::uint64_t>(event.inverse_offers_size());
  // An agent holding nothing of ours is asked about only because it was offered to us: nothing
  // of ours can be caught there before its maintenance is over, so the question need not come
  // back until then. Each such agent of the event gets the longest of those filters, so that
  // all their answers go in one call (a later question costs more than a longer filter).
  const auto holds_nothing = [&](const std::string& agent) {
    return !host.task_book().sleepers().contains(agent) &&
           !host.task_book().migrating().contains(agent);
  };
  Time idle_recheck{0};
  for (const auto& offer : event.inverse_offers()) {
    if (holds_nothing(offer.agent_id().value())) {
      const auto& window = offer.unavailability();
      idle_recheck = std::max(
          idle_recheck, Time(window.start().nanoseconds()) - host.now() +
                            Time(window.has_duration() ? window.duration().nanoseconds() : 0));
    }
  }
  for (const auto& offer : event.inverse_offers()) {
    const std::string& agent = offer.agent_id().value();
    const std::int64_t start = offer.unavailability().start().nanoseconds();
    host.agent_book().announced(agent, offer.unavailability(), host.now());
    if (host.task_book().sleepers().contains(agent)) {
      host.learn_window(agent, start, decision);
    }
    if (!host.framework_id()) {
      continue;
    }
    const Time until_window = Time(start) - host.now();
    InverseOfferReply reply{agent, true, "", 0, host.now()};
    // The master asks again once the filter expires while we still hold the agent: ask it to
    // come back when the answer could change, not every 5 seconds.
    Time recheck = until_window;
    if (const auto moving = host.task_book().migrating().find(agent);
        !host.task_book().sleepers().contains(agent)) {
      if (moving != host.task_book().migrating().end()) {
        reply.reason = "task " + moving->second.task_id.value() + " is being killed";
      } else {
        reply.reason = "no task of this framework runs there";
        recheck = idle_recheck;
      }
    } else {
      const Sleeper& sleeper = host.task_book().sleepers().at(agent);
      const std::string& task = sleeper.task_id.value();
      const Time deadline = deadline_of(start);
      // The windows of this event's later inverse offers are not learnt yet; earliest deadline
      // first, a later deadline never puts an earlier move at risk, so this answer stands.
      const Forecast outlook = compute_forecast(host);
      const bool at_risk = outlook.at_risk_on(agent);
      if (host.task_book().being_replaced(agent)) {
        reply.reason = "task " + task + " leaves as soon as its replacement runs";
        recheck = std::min(lead_.current(), until_window);
      } else if (evacuation_.max_surge > 0 && host.now() < deadline && !at_risk) {
        reply.reason = "task " + task + " moves to a safe agent by its deadline in " +
                       secs_text(deadline - host.now());
        recheck = deadline - host.now();
      } else if (kill_first_allowed(host)) {
        reply.reason = "task " + task + " is killed first, as --max_unavailable=" +
                       std::to_string(evacuation_.max_unavailable) + " allows";
      } else if (at_risk && host.now() < deadline) {
        // Accepting would promise a move the budgets cannot fit before the window.
        reply.accepted = false;
        reply.reason = "task " + task + " cannot start its move by its deadline in " +
                       secs_text(deadline - host.now()) + ": " +
                       std::to_string(outlook.at_risk.size()) + " of " +
                       std::to_string(outlook.moves) + " moves are forecast not to, with " +
                       "--max_surge=" + std::to_string(evacuation_.max_surge) +
                       " and --max_unavailable=" + std::to_string(evacuation_.max_unavailable) +
                       " forbidding killing it first";
        recheck = std::min(lead_.current(), until_window);
      } else {
        reply.accepted = false;
        reply.reason = "task " + task +
                       " cannot leave before the window: no safe capacity, and "
                       "--max_unavailable=" +
                       std::to_string(evacuation_.max_unavailable) + " forbids killing it first";
        recheck = std::min(lead_.current(), until_window);
      }
    }
    reply.filter_secs = std::clamp(seconds(recheck), 1.0, max_filter_seconds);
    if (reply.accepted) {
      add_answer(answers, host, Call::ACCEPT_INVERSE_OFFERS, &Call::mutable_accept_inverse_offers,
                 reply.filter_secs, offer.id());
    } else {
      add_answer(answers, host, Call::DECLINE_INVERSE_OFFERS, &Call::mutable_decline_inverse_offers,
                 reply.filter_secs, offer.id());
    }
    ++(reply.accepted ? host.mutable_counters().inverse_offers_accepted
                      : host.mutable_counters().inverse_offers_declined);
    decision.log.push_back({std::string(reply.accepted ? "Accepting" : "Declining") +
                                " inverse offer for " + agent + ": " + reply.reason + "; filter " +
                                secs_text(std::chrono::duration_cast<Time>(
                                    std::chrono::duration<double>(reply.filter_secs))),
                            {std::nullopt, agent}});
    inverse_offer_replies_[agent] = std::move(reply);
  }
  for (auto& answer : answers) {
    decision.calls.push_back(std::move(answer));
  }
  return decision;
}

}  // namespace iof::framework
