// The crash_loop fault: tasks that start on crash-looping agents exit with status 1 seconds
// later; the framework's launch rate while every launch crashes is measured, and bounded when
// asked (--crash_loop_max_launches).
#include <chrono>

#include <doctest/doctest.h>

#include "iof/simulation/scenario.hpp"

namespace iof::simulation {
namespace {

std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

Scenario crash_loops(std::uint64_t seed) {
  Scenario scenario;
  scenario.seed = seed;
  scenario.hours = 2;
  scenario.faults = {Fault::crash_loop, Fault::maintenance};
  scenario.faults_per_hour = 6;
  return scenario;
}

}  // namespace

TEST_CASE("simulation: crash loops crash tasks, and every other promise still holds") {
  const SeedResult result = simulate(crash_loops(2));
  CHECK(failure(result) == "none");
  CHECK(result.external_losses > 10);  // the crashes: TASK_FAILED, not the framework's doing
  CHECK(result.crash_loop_judged > std::chrono::minutes(1));
  CHECK(result.crash_loop_launches > 0);
  CHECK(result.crash_loop_max_launches_per_minute > 0);
}

TEST_CASE("simulation: the crash-loop launch bound can fail") {
  // One LAUNCH a minute is less than any framework that keeps N tasks needs, backoff or not.
  Scenario strict = crash_loops(2);
  strict.crash_loop_max_launches = 1;
  const SeedResult result = simulate(strict);
  CHECK(failure(result).find("more than --crash_loop_max_launches=1") != std::string::npos);
}

TEST_CASE("simulation: without crash_loop named, all faults replay as before") {
  // crash_loop stays out of all_faults(), so the CI seed sets keep their runs.
  for (const Fault fault : all_faults()) {
    CHECK(fault != Fault::crash_loop);
  }
  CHECK(fault_from_name("crash_loop") == Fault::crash_loop);
}

}  // namespace iof::simulation
