// Whether two resources are of one kind decides what merges and what is subtracted. The fast
// comparison must answer exactly what comparing the kind bytes answers, for every shape.
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "detail.hpp"

namespace {

namespace detail = iof::wire::text::detail;
using mesos::v1::Resource;
using mesos::v1::Value;

// Resources drawn from a small space, so that many pairs are of one kind, with every field the
// kind bytes hold set now and then, and explicit defaults ("*" set, not absent) among them.
Resource random_resource(std::mt19937& random) {
  const auto pick = [&random](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(random);
  };
  const auto chance = [&](int percent) { return pick(100) < percent; };
  Resource resource;
  if (!chance(3)) {
    resource.set_name(
        std::vector<std::string>{"cpus", "mem", "ports"}[static_cast<std::size_t>(pick(3))]);
  }
  if (!chance(3)) {
    resource.set_type(chance(70) ? Value::SCALAR : Value::RANGES);
  }
  resource.mutable_scalar()->set_value(pick(4));
  if (chance(30)) {
    auto* range = resource.mutable_ranges()->add_range();
    range->set_begin(static_cast<std::uint64_t>(pick(5)));
    range->set_end(10);
  }
  if (chance(50)) {
    resource.set_role(chance(50) ? "*" : "web");
  }
  if (chance(30)) {
    resource.mutable_allocation_info()->set_role(chance(50) ? "*" : "web");
  }
  for (int i = chance(70) ? 0 : 1 + pick(2); i > 0; --i) {
    auto* reservation = resource.add_reservations();
    if (!chance(10)) {
      reservation->set_type(chance(50) ? Resource::ReservationInfo::STATIC
                                       : Resource::ReservationInfo::DYNAMIC);
    }
    if (!chance(10)) {
      reservation->set_role(chance(50) ? "web" : "ops");
    }
    if (chance(5)) {
      reservation->set_principal("alice");
    }
    if (chance(5)) {
      reservation->mutable_labels()->add_labels()->set_key("k");
    }
  }
  if (chance(5)) {
    resource.mutable_disk()->mutable_persistence()->set_id(chance(50) ? "a" : "b");
  }
  if (chance(5)) {
    resource.mutable_disk()->mutable_volume()->set_container_path("/v");
  }
  if (chance(5)) {
    resource.mutable_reservation()->set_role("web");
  }
  if (chance(5)) {
    resource.mutable_revocable();
  }
  if (chance(5)) {
    resource.mutable_shared();
  }
  if (chance(5)) {
    resource.mutable_provider_id()->set_value("p");
  }
  if (chance(3)) {
    resource.mutable_unknown_fields()->AddVarint(99, 1);
  }
  return resource;
}

}  // namespace

TEST_CASE("same_kind answers what comparing the kind bytes answers, for random resources") {
  std::mt19937 random(11);
  std::vector<Resource> pool;
  for (int i = 0; i < 400; ++i) {
    pool.push_back(random_resource(random));
  }
  std::size_t same = 0;
  std::size_t compared = 0;
  for (const bool ignore_allocation : {true, false}) {
    for (std::size_t i = 0; i < pool.size(); ++i) {
      for (std::size_t j = 0; j < pool.size(); ++j) {
        const Resource& a = pool[i];
        const Resource& b = pool[j];
        const bool expected =
            detail::kind(a, ignore_allocation) == detail::kind(b, ignore_allocation);
        if (detail::same_kind(a, b, ignore_allocation) != expected) {
          FAIL_CHECK("same_kind differs from the kind bytes for\n  "
                     << a.ShortDebugString() << "\n  " << b.ShortDebugString()
                     << "\nignoring the allocation: " << ignore_allocation);
        }
        same += expected && i != j ? 1 : 0;
        ++compared;
      }
    }
  }
  // Distinct resources of one kind are common enough that neither answer is right by accident.
  CHECK(same > compared / 100);
  CHECK(same < compared / 2);
}
