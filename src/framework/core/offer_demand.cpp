// What the books need offers for: whether any are wanted at all (else SUPPRESS), and the summary
// the facade compares before and after each frame to decide on a REVIVE.
#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

bool SchedulerState::wants_offers() const {
  // A slot in crash-loop backoff wants none until it may launch: next_wakeup() comes back then,
  // and the demand grown then REVIVEs.
  if (open_slots().ready > 0 || !tasks_.migrating().empty()) {
    return true;
  }
  return !tasks_.windowed().empty();  // a task may still have to move
}

OfferDemand SchedulerState::offer_demand() const {
  OfferDemand demand;
  if (!rules_.paces_offers) {
    return demand;  // the seed never revives
  }
  demand.open_slots = open_slots().ready;
  demand.windows_learnt = tasks_.windows_learnt();
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
