// SUPPRESS and REVIVE, rate-limited and said again when the master shows it never applied them.
#include "iof/framework/core/offer_pacer.hpp"

#include <algorithm>

#include "iof/framework/core/calls.hpp"

namespace iof::framework {

using v1::scheduler::Call;

bool OfferPacer::offers_arrived(Time now) {
  const bool stray = active_ && suppressed_ && now >= suppressed_at_ + call_settle;
  if (stray) {
    suppressed_ = false;
  }
  last_offers_at_ = now;
  return stray;
}

bool OfferDemand::grew_from(const OfferDemand& before) const {
  if (open_slots > before.open_slots || startable_moves > before.startable_moves) {
    return true;
  }
  if (std::any_of(past_deadline.begin(), past_deadline.end(), [&](const std::string& agent) {
        return !before.past_deadline.contains(agent);
      })) {
    return true;
  }
  // A window's move that cannot start (the surge budget is full) needs no offers yet: the
  // offers REVIVEd now would only be declined again, and the budget freeing up REVIVEs then.
  if (moves_counted && startable_moves == 0) {
    return false;
  }
  return windows_learnt > before.windows_learnt;
}

void OfferPacer::settle(const OfferDemand& before, const OfferDemand& after, Time now,
                        const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
                        Counters& counters) {
  if (after.grew_from(before)) {
    revive(now, framework_id, decision, counters);
  }
}

void OfferPacer::revive(Time now, const std::optional<v1::FrameworkID>& framework_id,
                        Decision& decision, Counters& counters) {
  if (!active_) {
    return;
  }
  if (last_revive_ && now < *last_revive_ + revive_interval_) {
    revive_wanted_ = true;  // revive_due() sends it when the interval has passed
    return;
  }
  revive_wanted_ = false;
  last_revive_ = now;
  suppressed_ = false;
  ++counters.revives;
  decision.calls.push_back(make_call(framework_id, Call::REVIVE));
}

void OfferPacer::suppress_unless_wanted(bool wants_offers, bool subscribed, std::uint32_t num_tasks,
                                        Time now,
                                        const std::optional<v1::FrameworkID>& framework_id,
                                        Decision& decision, Counters& counters) {
  if (!active_ || suppressed_ || !subscribed || revive_wanted_ || wants_offers) {
    return;
  }
  suppressed_ = true;
  suppressed_at_ = now;
  ++counters.suppresses;
  decision.calls.push_back(make_call(framework_id, Call::SUPPRESS));
  decision.log.push_back("All " + std::to_string(num_tasks) +
                         " tasks run and none has to move: suppressing offers");
}

void OfferPacer::revive_due(Time now, bool wants_offers,
                            const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
                            Counters& counters) {
  if (revive_wanted_ && (!last_revive_ || now >= *last_revive_ + revive_interval_)) {
    revive(now, framework_id, decision, counters);
  }
  // No wakeup of its own: the master's heartbeats bring the core's clock often enough for a
  // 3-minute rule.
  if (active_ && !suppressed_ && !revive_wanted_ && last_revive_ &&
      now >= *last_revive_ + call_settle && last_offers_at_ < *last_revive_ && wants_offers) {
    decision.log.push_back("No offers since the REVIVE 3 minutes ago; reviving again");
    revive(now, framework_id, decision, counters);
  }
}

std::optional<Time> OfferPacer::next_due() const {
  if (revive_wanted_ && last_revive_) {
    return *last_revive_ + revive_interval_;
  }
  return std::nullopt;
}

void OfferPacer::revive_failed() {
  if (!suppressed_) {
    revive_wanted_ = true;  // revive_due() sends it once the rate limit allows
  }
}

}  // namespace iof::framework
