// Budgets as Kubernetes writes them, end to end: a rolling maintenance whose notice is shorter
// than one-at-a-time moves need. With --max_surge=1 the framework's forecast says so before the
// first window opens; with the default 25% of N=12 (3 at a time) no task is caught.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "iof/framework/core/budget.hpp"
#include "iof/simulation/scenario.hpp"

#include "rolling_scenario.hpp"

namespace iof::simulation {
using testing::failure;
using testing::short_notice;

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
