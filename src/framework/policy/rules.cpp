// Which of the core's shared rules each policy follows.
#include "iof/framework/core/policy_rules.hpp"

namespace iof::framework {

PolicyRules rules_of(Policy policy) {
  PolicyRules rules;
  switch (policy) {
    case Policy::seed:
      rules.reconciles = false;
      rules.retries_kills = false;
      rules.paces_offers = false;
      rules.matches_updates_by_task = false;
      rules.seed_loss_rule = true;
      rules.wants_killing_state = false;
      rules.backs_off_crashes = false;
      break;
    case Policy::intent:
    case Policy::evacuate:
      break;
  }
  return rules;
}

}  // namespace iof::framework
