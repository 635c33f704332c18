// --policy's names.
#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

std::optional<Policy> policy_from_name(std::string_view name) {
  if (name == "seed") {
    return Policy::seed;
  }
  if (name == "intent") {
    return Policy::intent;
  }
  if (name == "evacuate") {
    return Policy::evacuate;
  }
  return std::nullopt;
}

std::string_view policy_name(Policy policy) {
  switch (policy) {
    case Policy::seed:
      return "seed";
    case Policy::intent:
      return "intent";
    case Policy::evacuate:
      break;
  }
  return "evacuate";
}

}  // namespace iof::framework
