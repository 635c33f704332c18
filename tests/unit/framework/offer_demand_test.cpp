// When a frame calls for a REVIVE: the offer demand the facade compares before and after it.
#include <doctest/doctest.h>

#include "iof/framework/core/offer_pacer.hpp"
#include "iof/framework/core/task_book.hpp"

using iof::framework::OfferDemand;
using iof::framework::Sleeper;
using iof::framework::TaskBook;

namespace {

OfferDemand two_tasks() {
  return OfferDemand{};
}

Sleeper task(const std::string& id, std::int64_t window = 0) {
  Sleeper sleeper;
  sleeper.task_id.set_value(id);
  sleeper.unavailability_start = window;
  return sleeper;
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
    after.windows_learnt = 1;
    CHECK(after.grew_from(before));
    CHECK_FALSE(after.grew_from(after));
  }
  SUBCASE("a window whose move cannot start, where the policy counts its moves") {
    OfferDemand counted = two_tasks();
    counted.moves_counted = true;
    OfferDemand after = counted;
    after.windows_learnt = 1;
    CHECK_FALSE(after.grew_from(counted));  // the surge budget freeing up REVIVEs then
    after.startable_moves = 1;
    CHECK(after.grew_from(counted));
    OfferDemand moved = after;
    moved.windows_learnt = 2;
    CHECK(moved.grew_from(after));  // a move may start: an earlier deadline needs offers now
  }
}

TEST_CASE(
    "offer demand: the task book counts windows learnt, not ones launched into or cancelled") {
  TaskBook book;
  book.launch("a1", task("t1"));
  book.launch("a3", task("t3", 5'000));  // placed knowingly on an agent with a window
  CHECK(book.windows_learnt() == 0);
  CHECK(book.learn_window("a1", 5'000));
  CHECK(book.windows_learnt() == 1);
  CHECK_FALSE(book.learn_window("a1", 5'000));  // already known
  CHECK(book.windows_learnt() == 1);
  CHECK(book.learn_window("a1", 4'000));  // moved
  CHECK(book.windows_learnt() == 2);
  CHECK(book.learn_window("a1", 0));  // cancelled: nothing new to ask for
  CHECK(book.windows_learnt() == 2);
  CHECK_FALSE(book.learn_window("a9", 5'000));  // no task there
  CHECK(book.windows_learnt() == 2);
}
