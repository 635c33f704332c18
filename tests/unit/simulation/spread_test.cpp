// --spread_by in the simulator (--racks): a rolling maintenance whose groups are the racks takes
// at most its share of the tasks at once, and under every fault the promises still hold with
// the spread on.
#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/simulation/scenario.hpp"

#include "rolling_scenario.hpp"

namespace iof::simulation {
namespace {

using testing::failure;

// The rolling maintenance of budgets_test.cpp (5 groups of 4 agents, N = 12) with the default
// surge (25% of 12: 3) and `racks` racks, cut as the groups are.
Scenario rolling_racks(std::uint32_t racks) {
  Scenario out = testing::short_notice(3);
  out.racks = racks;
  return out;
}

// Our tasks on each group when its window was posted, from the trace.
std::vector<int> tasks_per_group_at_post(const std::string& trace) {
  std::vector<int> out;
  const std::regex posted(R"(group \d+ scheduled, (\d+) of our tasks on it)");
  for (auto it = std::sregex_iterator(trace.begin(), trace.end(), posted);
       it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1].str()));
  }
  return out;
}

}  // namespace

TEST_CASE("simulation: racks as maintenance groups each hold at most their share of N") {
  const auto spread = simulate(rolling_racks(5));
  CHECK(failure(spread) == "none");
  const auto held = tasks_per_group_at_post(spread.trace);
  REQUIRE(held.size() == 5);
  // 12 tasks over 5 racks: 3, 3, 2, 2, 2, and moves keep it so.
  CHECK(*std::max_element(held.begin(), held.end()) <= 3);
  REQUIRE(spread.maintenance);
  CHECK(spread.maintenance->live_at_down == 0);

  // The same cluster without --spread_by: the hashed order alone piles more on some rack.
  const auto plain = simulate(rolling_racks(0));
  const auto plain_held = tasks_per_group_at_post(plain.trace);
  REQUIRE(plain_held.size() == 5);
  CHECK(*std::max_element(plain_held.begin(), plain_held.end()) > 3);
}

TEST_CASE("simulation: with --racks=3 and every fault, no promise breaks") {
  Scenario scenario;
  scenario.hours = 3;
  scenario.racks = 3;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    scenario.seed = seed;
    const auto result = simulate(scenario);
    CAPTURE(repro_command(scenario));
    CHECK(failure(result) == "none");
  }
}

}  // namespace iof::simulation
