// contains(toUnreserved(offered), plain scalars) answered in place: the question every offer of a
// large cluster asks, without the copies, upgrades and merges a Mesos Resources object costs.
#include <optional>
#include <span>

#include "iof/wire/resources.hpp"

#include "detail.hpp"

namespace iof::wire::text {

using namespace detail;

namespace {

// A resource that, once its reservations are dropped and its allocation ignored, is of the same
// kind as a plain scalar of its name: nothing else in it would enter Mesos's comparison.
bool plain_scalar(const Resource& resource) {
  return resource.type() == Value::SCALAR && resource.has_scalar() && !resource.has_ranges() &&
         !resource.has_set() && !resource.has_disk() && !resource.has_revocable() &&
         !resource.has_shared() && !resource.has_provider_id() && resource.unknown_fields().empty();
}

}  // namespace

std::optional<bool> unreserved_contains_scalars(
    const google::protobuf::RepeatedPtrField<Resource>& offered, std::span<const ScalarWant> want) {
  for (const ScalarWant& wanted : want) {
    const long long wanted_fixed = to_fixed(wanted.amount);
    if (wanted_fixed <= 0) {
      continue;  // contains() drops it from the wanted side: empty, or invalid
    }
    // The wanted name's plain scalars merge into one entry, added as add() adds them: the first
    // one's value as it came, each further one in fixed point. Those at or below zero in fixed
    // point are dropped on the way in (empty, or invalid).
    std::optional<double> merged;
    for (const Resource& resource : offered) {
      if (resource.name() != wanted.name) {
        continue;
      }
      if (!plain_scalar(resource)) {
        return std::nullopt;  // a kind of its own, or malformed: contains() judges
      }
      const long long fixed = to_fixed(resource.scalar().value());
      if (fixed <= 0) {
        continue;
      }
      merged =
          merged ? to_floating(fixed_add(to_fixed(*merged), fixed)) : resource.scalar().value();
    }
    if (!merged || wanted_fixed > to_fixed(*merged)) {
      return false;
    }
  }
  return true;
}

}  // namespace iof::wire::text
