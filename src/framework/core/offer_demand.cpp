// What the books need offers for: whether any are wanted at all (else SUPPRESS), and the summary
// the facade compares before and after each frame to decide on a REVIVE.
#include <algorithm>

#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

bool SchedulerState::wants_offers() const {
  if (sleepers_.size() < num_tasks_ || !migrating_.empty()) {
    return true;
  }
  return std::any_of(sleepers_.begin(), sleepers_.end(), [](const auto& entry) {
    return entry.second.unavailability_start > 0;  // a task may still have to move
  });
}

OfferDemand SchedulerState::offer_demand() const {
  OfferDemand demand;
  if (!rules_.paces_offers) {
    return demand;  // the seed never revives
  }
  const std::size_t filled = sleepers_.size() - replacements_in_flight();
  demand.open_slots = num_tasks_ > filled ? num_tasks_ - filled : 0;
  for (const auto& [agent, sleeper] : sleepers_) {
    demand.windows.emplace(agent, sleeper.unavailability_start);
  }
  if (rules_.evacuates) {
    const std::size_t budget = num_tasks_ + evacuation_.max_surge;
    const std::size_t room = budget > sleepers_.size() ? budget - sleepers_.size() : 0;
    demand.startable_moves = std::min(moves_by_deadline().size(), room);
    demand.past_deadline = past_deadline_;
  }
  return demand;
}

void SchedulerState::settle_offers(const OfferDemand& before, Decision& decision) {
  if (!subscribed_) {
    return;  // no call leaves unsubscribed; what is learnt after SUBSCRIBED settles then
  }
  pacer_.settle(before, offer_demand(), now_, framework_id_, decision, counters_);
  pacer_.suppress_unless_wanted(wants_offers(), subscribed_, num_tasks_, now_, framework_id_,
                                decision, counters_);
}

}  // namespace iof::framework
