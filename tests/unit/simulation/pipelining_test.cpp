// The calls connection under pipelining: several calls in flight at once, answered in order, and
// a lost message failing every call behind it, without breaking any invariant.
#include <doctest/doctest.h>

#include "iof/simulation/scenario.hpp"

namespace iof::simulation {
namespace {

std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

}  // namespace

TEST_CASE("simulation: lost calls with a window in flight fail together and are recovered") {
  Scenario scenario;
  scenario.seed = 92;
  scenario.faults = {Fault::lost_calls, Fault::task_failure, Fault::maintenance};
  const auto result = simulate(scenario);
  CHECK(failure(result) == "none");
  // Several calls were out at once, and broken connections failed several at once.
  CHECK(result.most_calls_in_flight > 1);
  CHECK(result.calls_failed_together > 1);
}

TEST_CASE("simulation: every fault with a window in flight keeps every invariant") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Scenario scenario;
    scenario.seed = seed;
    const auto result = simulate(scenario);
    CAPTURE(seed);
    CHECK(failure(result) == "none");
    CHECK(result.most_calls_in_flight > 1);
  }
}

TEST_CASE("simulation: a small window fills, and the calls behind it wait their turn") {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Scenario scenario;
    scenario.seed = seed;
    scenario.call_window = 4;
    const auto result = simulate(scenario);
    CAPTURE(seed);
    CHECK(failure(result) == "none");
    CHECK(result.most_calls_in_flight == 4);
  }
}

}  // namespace iof::simulation
