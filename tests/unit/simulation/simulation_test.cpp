// The deterministic simulation itself: a seed replays byte for byte, the checker catches broken
// frameworks, and every seed that once found a bug stays fixed.
#include <chrono>

#include <doctest/doctest.h>

#include "iof/simulation/scenario.hpp"

namespace iof::simulation {
namespace {

Scenario scenario(std::uint64_t seed) {
  Scenario out;
  out.seed = seed;
  return out;
}

std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

}  // namespace

TEST_CASE("simulation: the same seed gives a byte-identical trace") {
  Scenario traced = scenario(42);
  traced.hours = 2;
  traced.trace = true;
  const auto first = simulate(traced);
  const auto second = simulate(traced);
  REQUIRE(first.trace.size() > 10'000);
  CHECK(first.trace == second.trace);
  CHECK(first.steps == second.steps);
  traced.seed = 43;
  CHECK(simulate(traced).trace != first.trace);
}

TEST_CASE("simulation: without faults, N tasks run and every promise holds") {
  Scenario calm = scenario(7);
  calm.faults.clear();
  calm.hours = 1;
  const auto result = simulate(calm);
  CHECK(failure(result) == "none");
  CHECK(result.min_running_after_n == calm.tasks);
  CHECK(result.external_losses == 0);
}

TEST_CASE("simulation: a framework that never acknowledges is caught on the first seeds") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Scenario broken = scenario(seed);
    broken.sabotage = Sabotage::never_acknowledge;
    const auto result = simulate(broken);
    REQUIRE(result.violation);
    CHECK(result.violation->what.find("not acknowledged") != std::string::npos);
  }
}

TEST_CASE("simulation: killing before the replacement runs is caught within a few seeds") {
  std::size_t caught = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Scenario broken = scenario(seed);
    broken.sabotage = Sabotage::kill_before_replacement_runs;
    const auto result = simulate(broken);
    if (result.violation &&
        result.violation->what.find("below N - max_unavailable") != std::string::npos) {
      ++caught;
    }
  }
  CHECK(caught >= 2);
}

TEST_CASE("simulation: retiring the old task when its replacement merely runs is caught") {
  // With slow readiness the replacement is RUNNING but not yet healthy: the running count keeps
  // N, only the ready budget sees the capacity lost.
  std::size_t caught = 0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Scenario broken = scenario(seed);
    broken.health_check = true;
    broken.ready_delay = std::chrono::seconds(8);
    broken.sabotage = Sabotage::retire_before_ready;
    const auto result = simulate(broken);
    if (result.violation &&
        result.violation->what.find("ready (RUNNING, healthy), below N - max_unavailable") !=
            std::string::npos) {
      ++caught;
    }
  }
  CHECK(caught >= 4);
}

TEST_CASE("simulation: a framework blind to maintenance is caught on the first seeds") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Scenario broken = scenario(seed);
    broken.faults = {Fault::maintenance};
    broken.sabotage = Sabotage::ignore_maintenance;
    const auto result = simulate(broken);
    REQUIRE(result.violation);
    CHECK(result.violation->what.find("caught by DOWN") != std::string::npos);
  }
}

TEST_CASE(
    "simulation: a framework that hoards agents it was offered is caught on the first seeds") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    Scenario broken = scenario(seed);
    broken.sabotage = Sabotage::hoard_agents;
    const auto result = simulate(broken);
    REQUIRE(result.violation);
    CHECK(result.violation->what.find("memory outgrew the cluster") != std::string::npos);
  }
}

// Seeds that found bugs, with the configuration that found them. Each failed before its fix.
TEST_CASE("simulation: seed 159, known agents grew with every agent that came back from DOWN") {
  CHECK(failure(simulate(scenario(159))) == "none");
}

TEST_CASE("simulation: seed 9, a replacement that ran before a refill killed its old task") {
  CHECK(failure(simulate(scenario(9))) == "none");
}

TEST_CASE("simulation: seed 17, a lost LAUNCH left the task STAGING and offers suppressed") {
  CHECK(failure(simulate(scenario(17))) == "none");
}

TEST_CASE("simulation: seed 94, a LAUNCH left unrecorded after its agent was removed") {
  CHECK(failure(simulate(scenario(94))) == "none");
}

TEST_CASE("simulation: seed 12 with surge 2, unavailable 1: agents kept by stale move records") {
  Scenario budgets = scenario(12);
  budgets.max_surge = 2;
  budgets.max_unavailable = 1;
  CHECK(failure(simulate(budgets)) == "none");
}

TEST_CASE("simulation: seed 32651787126238, a lost SUPPRESS left offers flowing for good") {
  // Found by scripts/simulate.sh; later simulator changes altered this seed's run, so the core
  // test "offers long after a SUPPRESS" holds the fix too.
  CHECK(failure(simulate(scenario(32651787126238ULL))) == "none");
}

TEST_CASE("simulation: seed 5000329, a deadline-forced move is not a budget violation") {
  CHECK(failure(simulate(scenario(5000329))) == "none");
}

namespace {

// Found with --faults=lost_calls,task_failure,maintenance: calls lost in the network.
Scenario lossy(std::uint64_t seed) {
  Scenario out = scenario(seed);
  out.faults = {Fault::lost_calls, Fault::task_failure, Fault::maintenance};
  return out;
}

}  // namespace

TEST_CASE("simulation: seed 178 (lossy), a lost REVIVE left a slot empty for good") {
  CHECK(failure(simulate(lossy(178))) == "none");
}

TEST_CASE("simulation: seed 92 (lossy), a lost LAUNCH held its offer's agent from everyone") {
  CHECK(failure(simulate(lossy(92))) == "none");
}

TEST_CASE("simulation: seed 269 (lossy), a timed-out LAUNCH was only asked about minutes later") {
  CHECK(failure(simulate(lossy(269))) == "none");
}

TEST_CASE("simulation: seed 583 (lossy), a lost DECLINE held nine agents' offers for good") {
  CHECK(failure(simulate(lossy(583))) == "none");
}

TEST_CASE("simulation: seed 16243715991552, a cancelled window's move killed its old task early") {
  CHECK(failure(simulate(scenario(16243715991552ULL))) == "none");
}

TEST_CASE(
    "simulation: seed 26567631601103, a KILL queued behind a lost call went out after a drain") {
  Scenario drained = scenario(26567631601103ULL);
  drained.faults = {Fault::lost_calls, Fault::agent_death, Fault::task_failure, Fault::maintenance,
                    Fault::drain};
  CHECK(failure(simulate(drained)) == "none");
}

// A checker bug: an agent that left, came back and left again was judged by its first departure,
// and agents a failed-over master no longer listed were not counted at all.
TEST_CASE("simulation: seed 3193830175557, the memory check miscounted agents after a failover") {
  CHECK(failure(simulate(scenario(3193830175557ULL))) == "none");
}

// Checker bugs: a stalled stream blinds the framework until its heartbeat check gives up on it,
// and a replacement's failure that waits behind an unacknowledged update cannot be known.
TEST_CASE("simulation: seed 32484321611509, a window posted during a stall was counted as notice") {
  CHECK(failure(simulate(scenario(32484321611509ULL))) == "none");
}

// Offers revived once per frame changed this seed's run: it no longer reaches the KILL; seed 278
// below does, and its KILL also arrives after the framework was told of the loss.
TEST_CASE("simulation: seed 4407652215223 (lossy), a KILL was judged by a failure not yet told") {
  CHECK(failure(simulate(lossy(4407652215223ULL))) == "none");
}

// A checker bug: a KILL was judged by what the framework had been told when the KILL reached the
// master (the loss, told 1 ms after it left), not when it left.
// Found with one call in flight at a time, and replayed with it. Fewer inverse-offer calls and
// REVIVEs (issue 17 item 6) changed seed 278's run: it no longer reaches such a KILL; seed 286
// does.
TEST_CASE("simulation: seed 278 (lossy), a KILL judged by a loss told after it left") {
  auto one_at_a_time = lossy(278);
  one_at_a_time.call_window = 1;
  CHECK(failure(simulate(one_at_a_time)) == "none");
  one_at_a_time.seed = 286;
  const auto result = simulate(one_at_a_time);
  CHECK(failure(result) == "none");
  CHECK(result.kills_on_untold_losses == 1);
}

namespace {

Scenario budgets(std::uint64_t seed) {
  Scenario out = scenario(seed);
  out.max_surge = 2;
  out.max_unavailable = 1;
  return out;
}

}  // namespace

// A simulator bug: a restarted framework read back the core's memory (task states, launch times)
// instead of its state file. Launch times 50 minutes old made a lead time of 100 minutes and a
// needless kill-first move; tasks believed RUNNING made room for a kill-first move at the first
// SUBSCRIBED, on a window start the file still had from before the window moved.
TEST_CASE("simulation: seed 16058483894049 (surge 2, unavailable 1), a restart's lead time") {
  CHECK(failure(simulate(budgets(16058483894049ULL))) == "none");
}

TEST_CASE("simulation: seed 16058483894122 (surge 2, unavailable 1), a restart's task states") {
  CHECK(failure(simulate(budgets(16058483894122ULL))) == "none");
}

// A checker bug: whether a safe agent was free was sampled every 10 s, so a window ending 8 s
// after the last sample seemed to have freed its agents 8 s earlier than it did. Since the
// lead-time samples survive a framework restart, this seed's task leaves in time and is not
// caught at all; seed 16058483892400 still takes the excused path the checker decides (twice
// since issue 17 item 6's fewer calls changed its run).
// Both seeds were found with one call in flight at a time, and replay that path with it.
TEST_CASE("simulation: seed 16058483892446, a safe agent counted free before its window ended") {
  auto one_at_a_time = [](std::uint64_t seed) {
    auto out = scenario(seed);
    out.call_window = 1;
    return out;
  };
  auto result = simulate(one_at_a_time(16058483892446ULL));
  CHECK(failure(result) == "none");
  CHECK(result.caught_excused["no safe agent was free long enough"] == 0);
  auto excused = simulate(one_at_a_time(16058483892400ULL));
  CHECK(failure(excused) == "none");
  CHECK(excused.caught_excused["no safe agent was free long enough"] >= 1);
}

}  // namespace iof::simulation
