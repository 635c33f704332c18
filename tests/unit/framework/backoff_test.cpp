#include "iof/framework/backoff.hpp"

#include <doctest/doctest.h>

using iof::framework::Backoff;
using namespace std::chrono_literals;

TEST_CASE("the subscribe backoff: 1 s first, then doubling with jitter up to the cap") {
  Backoff backoff(1000ms, 15000ms, 42);
  CHECK(backoff.next() == 1000ms);
  const std::pair<long, long> bounds[] = {{1600, 2400},   {3200, 4800},   {6400, 9600},
                                          {12000, 15000}, {12000, 15000}, {12000, 15000}};
  for (const auto& [low, high] : bounds) {
    const auto wait = backoff.next().count();
    CHECK(wait >= low);
    CHECK(wait <= high);
  }
  // Many failures later it still never passes the cap.
  for (int i = 0; i < 100; ++i) {
    CHECK(backoff.next() <= 15000ms);
  }
  backoff.reset();
  CHECK(backoff.next() == 1000ms);
}

TEST_CASE("two frameworks with different seeds do not retry in step") {
  Backoff a(1000ms, 15000ms, 1);
  Backoff b(1000ms, 15000ms, 2);
  a.next();
  b.next();
  int same = 0;
  for (int i = 0; i < 10; ++i) {
    same += a.next() == b.next() ? 1 : 0;
  }
  CHECK(same < 3);
}

TEST_CASE("a cap below the base is the base") {
  Backoff backoff(1000ms, 10ms, 3);
  CHECK(backoff.next() == 1000ms);
  CHECK(backoff.next() == 1000ms);
}
