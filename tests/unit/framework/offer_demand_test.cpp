// When a frame calls for a REVIVE: the offer demand the facade compares before and after it.
#include <doctest/doctest.h>

#include "iof/framework/core/offer_pacer.hpp"

using iof::framework::OfferDemand;

namespace {

OfferDemand two_tasks() {
  OfferDemand demand;
  demand.windows = {{"a1", 0}, {"a2", 0}};
  return demand;
}

}  // namespace

TEST_CASE("offer demand: a REVIVE only for a need the frame added") {
  const OfferDemand before = two_tasks();
  SUBCASE("nothing changed") {
    CHECK_FALSE(two_tasks().grew_from(before));
  }
  SUBCASE("a slot opened") {
    OfferDemand after = two_tasks();
    after.open_slots = 1;
    CHECK(after.grew_from(before));
    CHECK_FALSE(before.grew_from(after));  // a slot filled: nothing new to ask for
  }
  SUBCASE("the surge budget lets another move start") {
    OfferDemand after = two_tasks();
    after.startable_moves = 1;
    CHECK(after.grew_from(before));
  }
  SUBCASE("a deadline passed unmoved") {
    OfferDemand after = two_tasks();
    after.past_deadline = {"a1"};
    CHECK(after.grew_from(before));
    CHECK_FALSE(after.grew_from(after));  // once per deadline
  }
  SUBCASE("an agent holding a task got a window, or its window moved") {
    OfferDemand after = two_tasks();
    after.windows["a1"] = 5'000;
    CHECK(after.grew_from(before));
    OfferDemand moved = after;
    moved.windows["a1"] = 4'000;
    CHECK(moved.grew_from(after));
  }
  SUBCASE("a window cancelled, or a task placed knowingly on a windowed agent") {
    OfferDemand with_window = two_tasks();
    with_window.windows["a1"] = 5'000;
    CHECK_FALSE(two_tasks().grew_from(with_window));
    OfferDemand launched = two_tasks();
    launched.windows["a3"] = 5'000;
    CHECK_FALSE(launched.grew_from(before));
  }
}
