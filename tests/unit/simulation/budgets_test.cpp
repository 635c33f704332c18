// Budgets as Kubernetes writes them, end to end: a rolling maintenance whose notice is shorter
// than one-at-a-time moves need. With --max_surge=1 the framework's forecast says so before the
// first window opens; with the default 25% of N=12 (3 at a time) no task is caught.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "iof/framework/core/budget.hpp"
#include "iof/simulation/scenario.hpp"

namespace iof::simulation {
namespace {

using namespace std::chrono_literals;

// 20 agents in 5 groups of 4, N = 12; a group's window is posted 25 s ahead, a minute apart, so
// a group's tasks have 15 s after the 10 s lead time to start their moves: one at a time, two.
Scenario short_notice(std::uint32_t surge) {
  Scenario out;
  out.seed = 1;
  out.agents = 20;
  out.tasks = 12;
  out.max_surge = surge;
  out.max_unavailable = 0;
  out.faults.clear();
  out.rolling = Rolling{5, 60s, 25s, 15s};
  out.timing = Timing{};
  out.fixed_lead = 10s;
  out.trace = true;
  return out;
}

std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

}  // namespace

TEST_CASE("budgets: --max_surge=1 on short notice is forecast infeasible before the first window") {
  const auto result = simulate(short_notice(1));
  CHECK(failure(result) == "none");
  const auto forecast = result.trace.find("fw log: Forecast: ");
  const auto first_down = result.trace.find(" DOWN with ");
  REQUIRE(forecast != std::string::npos);
  REQUIRE(first_down != std::string::npos);
  CHECK(forecast < first_down);
  // And the inverse offers it cannot honour are declined, not accepted.
  CHECK(result.trace.find("Declining inverse offer") != std::string::npos);
}

TEST_CASE("budgets: the default 25% of N=12 on the same short notice catches no task") {
  using framework::Budget;
  const auto surge = Budget{Budget::Kind::percent, 25}.resolve(12, Budget::Rounding::up);
  REQUIRE(surge == 3);
  const auto result = simulate(short_notice(surge));
  CHECK(failure(result) == "none");
  REQUIRE(result.maintenance);
  CHECK(result.maintenance->live_at_down == 0);
  CHECK(result.tasks_caught_by_down == 0);
  CHECK(result.trace.find("fw log: Forecast: ") == std::string::npos);
}

}  // namespace iof::simulation
