// Which TaskPolicy --policy names, and what a policy that plans no moves shows.
#include "evacuate/evacuate_policy.hpp"
#include "seed_policy.hpp"

namespace iof::framework {

std::unique_ptr<TaskPolicy> make_policy(Policy policy, const Evacuation& evacuation) {
  switch (policy) {
    case Policy::seed:
      return std::make_unique<SeedPolicy>();
    case Policy::intent:
      return std::make_unique<IntentPolicy>();
    case Policy::evacuate:
      break;
  }
  return std::make_unique<EvacuatePolicy>(evacuation);
}

const Forecast& TaskPolicy::forecast() const {
  static const Forecast none;
  return none;
}

const std::map<std::string, InverseOfferReply>& TaskPolicy::inverse_offer_replies() const {
  static const std::map<std::string, InverseOfferReply> none;
  return none;
}

}  // namespace iof::framework
