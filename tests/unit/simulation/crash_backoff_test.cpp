// The simulation with crash-loop backoff: the seeds it found stay fixed.
#include <chrono>

#include <doctest/doctest.h>

#include "iof/simulation/scenario.hpp"

namespace iof::simulation {
namespace {

std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

}  // namespace

TEST_CASE("simulation: seed 5029, a deferred retirement whose replacement died is no livelock") {
  // A retirement deferred for capacity kept its past deadline after its replacement failed; with
  // the slot held back by its backoff no new replacement re-linked it, and the evacuate policy's
  // next_due() returned that deadline for ever. Before the fix: "livelock: 100001 steps without
  // virtual time passing" at +01:55:33.813.
  Scenario scenario;
  scenario.seed = 5029;
  scenario.faults = {Fault::crash, Fault::agent_death, Fault::task_failure, Fault::maintenance};
  scenario.faults_per_hour = 30;
  CHECK(failure(simulate(scenario)) == "none");
}

TEST_CASE("simulation: seed 7008, a move's replacement crash-looped past its deadline") {
  // Crash loops and health checks: the replacements of task 15 landed on a crash-looping agent,
  // the slot's backoff reached 5 minutes, and the move waited past its deadline for DOWN to take
  // the task although safe agents were free. A move now waits out its backoff only until its
  // deadline. Before the fix: "1 task(s) caught by DOWN although for the last 247 s ...".
  Scenario scenario;
  scenario.seed = 7008;
  scenario.faults.insert(Fault::crash_loop);
  scenario.faults.insert(Fault::health_flap);
  scenario.health_check = true;
  scenario.ready_delay = std::chrono::seconds(8);
  scenario.racks = 3;
  CHECK(failure(simulate(scenario)) == "none");
}

}  // namespace iof::simulation
