// What the books need offers for: whether any are wanted at all (else SUPPRESS), and the summary
// the facade compares before and after each frame to decide on a REVIVE.
#include <algorithm>

#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

bool SchedulerState::wants_offers() const {
  const auto& sleepers = tasks_.sleepers();
  // A slot in crash-loop backoff wants none until it may launch: next_wakeup() comes back then,
  // and the demand grown then REVIVEs.
  if (open_slots().ready > 0 || !tasks_.migrating().empty()) {
    return true;
  }
  return std::any_of(sleepers.begin(), sleepers.end(), [](const auto& entry) {
    return entry.second.unavailability_start > 0;  // a task may still have to move
  });
}

OfferDemand SchedulerState::offer_demand() const {
  OfferDemand demand;
  if (!rules_.paces_offers) {
    return demand;  // the seed never revives
  }
  const auto& sleepers = tasks_.sleepers();
  demand.open_slots = open_slots().ready;
  for (const auto& [agent, sleeper] : sleepers) {
    demand.windows.emplace(agent, sleeper.unavailability_start);
  }
  task_policy_->add_demand(*this, demand);
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
