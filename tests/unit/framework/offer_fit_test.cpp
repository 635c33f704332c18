// Whether an offer holds a task's scalars is answered in place for plain resources
// (wire::text::unreserved_contains_scalars) and by Mesos's full comparison otherwise. On random
// resource lists of every shape an offer can carry, the quick answer, whenever it gives one, must
// be the full comparison's, and plain offers must get one.
#include "iof/framework/core/offer_fit.hpp"

#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

namespace iof::framework {

namespace {

namespace v1 = mesos::v1;

class RandomResources {
 public:
  explicit RandomResources(std::uint64_t seed) : random_(seed) {}

  // An offer's resources: a few of each wanted name, some plain, some not, and other names.
  google::protobuf::RepeatedPtrField<v1::Resource> offer(bool plain_only) {
    google::protobuf::RepeatedPtrField<v1::Resource> out;
    for (const char* name : {"cpus", "mem", "disk"}) {
      if (!one_in(8)) {
        *out.Add() = resource(plain_only, name);
      }
    }
    static const char* names[] = {"cpus", "mem", "disk", "gpus", "ports"};
    for (auto extra = random_() % 4; extra > 0; --extra) {
      *out.Add() = resource(plain_only, names[random_() % 5]);
    }
    // In any order: a name's entries are merged wherever they are.
    for (int i = out.size() - 1; i > 0; --i) {
      out.SwapElements(i, static_cast<int>(random_() % static_cast<std::uint64_t>(i + 1)));
    }
    return out;
  }

 private:
  bool one_in(std::uint64_t n) { return random_() % n == 0; }

  double amount() {
    switch (random_() % 14) {
      case 0:
        return 0;
      case 1:
        return -1;
      case 2:
        return 0.0004;  // zero in Mesos's fixed point
      case 3:
        return 0.0006;  // rounds up to 0.001
      case 4:
        return std::numeric_limits<double>::quiet_NaN();
      case 5:
        return 1e300;
      default:
        return static_cast<double>(random_() % 8000) / 4;
    }
  }

  v1::Resource resource(bool plain_only, const char* name) {
    v1::Resource resource;
    resource.set_name(name);
    resource.set_type(resource.name() == "ports" ? v1::Value::RANGES : v1::Value::SCALAR);
    if (resource.type() == v1::Value::SCALAR) {
      resource.mutable_scalar()->set_value(amount());
    } else {
      auto* range = resource.mutable_ranges()->add_range();
      range->set_begin(31000);
      range->set_end(31000 + random_() % 10);
    }
    // Reservations and allocations, which the comparison drops or ignores.
    if (one_in(3)) {
      resource.set_role(one_in(2) ? "*" : "web");
    }
    if (one_in(4)) {
      auto* reservation = resource.add_reservations();
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
      reservation->set_role("ops");
    }
    if (one_in(5)) {
      resource.mutable_reservation()->set_principal("p");
    }
    if (one_in(3)) {
      resource.mutable_allocation_info()->set_role("*");
    }
    if (plain_only) {
      return resource;
    }
    // What makes a resource a kind of its own, or malformed.
    switch (random_() % 12) {
      case 0:
        resource.mutable_revocable();
        break;
      case 1:
        resource.mutable_disk()->mutable_persistence()->set_id("v");
        break;
      case 2:
        resource.mutable_shared();
        break;
      case 3:
        resource.mutable_provider_id()->set_value("p");
        break;
      case 4:
        resource.set_type(v1::Value::RANGES);  // a scalar value under another type
        break;
      case 5:
        resource.clear_scalar();
        break;
      default:
        break;
    }
    return resource;
  }

  std::mt19937_64 random_;
};

// What every policy asked before: Mesos's contains() on the unreserved resources.
bool full_comparison(const v1::Offer& offer, const TaskSpec& spec) {
  return wire::text::contains(unreserved(offer.resources()), scalar_resources(spec, std::nullopt));
}

}  // namespace

TEST_CASE("an offer's scalars are judged in place exactly as Mesos's comparison judges them") {
  std::mt19937_64 random(41);
  int quick = 0;
  int holds = 0;
  for (int round = 0; round < 20000; ++round) {
    RandomResources resources(static_cast<std::uint64_t>(round));
    const bool plain_only = round % 2 == 0;
    v1::Offer offer;
    *offer.mutable_resources() = resources.offer(plain_only);
    TaskSpec spec;
    spec.cpus = static_cast<double>(random() % 8) / 4;
    spec.mem = static_cast<double>(random() % 2000);
    spec.disk = random() % 3 == 0 ? 0.0004 : static_cast<double>(random() % 100);
    const wire::text::ScalarWant want[] = {
        {"cpus", spec.cpus}, {"mem", spec.mem}, {"disk", spec.disk}};
    const auto answer = wire::text::unreserved_contains_scalars(offer.resources(), want);
    CAPTURE(offer.DebugString());
    CAPTURE(spec.cpus);
    CAPTURE(spec.mem);
    CAPTURE(spec.disk);
    const bool expected = full_comparison(offer, spec);
    if (plain_only) {
      REQUIRE(answer.has_value());  // plain offers never pay for the full comparison
    }
    if (answer) {
      ++quick;
      CHECK(*answer == expected);
    }
    CHECK(offer_holds_scalars(offer, spec) == expected);
    holds += expected ? 1 : 0;
  }
  CHECK(quick > 12000);
  CHECK(holds > 1000);  // both answers are common
  CHECK(holds < 18000);
}

}  // namespace iof::framework
