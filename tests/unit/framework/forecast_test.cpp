// The forecast: whether the moves the known windows require fit their deadlines within the
// budgets, and what the core does about it (a log line per change, /state, a metric, declined
// inverse offers). The schedule itself is a pure function, tested as a table; the core with the
// shared harness.
#include "iof/framework/core/forecast.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "iof/framework/core/budget.hpp"
#include "iof/framework/view/metrics.hpp"
#include "iof/framework/view/state.hpp"

#include "core_harness.hpp"

using namespace iof::test::core;
using iof::framework::forecast_moves;
using iof::framework::ForecastMove;

TEST_CASE("forecast: moves go earliest deadline first, --max_surge at a time, a lead time each") {
  const Time now = 100s;
  const Time lead = 10s;
  // Deadlines (seconds from 0) of moves sorted by deadline; the agents at risk.
  struct Case {
    const char* name;
    std::vector<int> deadlines;
    std::size_t slots, busy;
    std::vector<std::string> at_risk;
  };
  for (const auto& c : std::vector<Case>{
           {"nothing to move", {}, 1, 0, {}},
           {"one at a time, each just in time", {100, 110, 120}, 1, 0, {}},
           {"one at a time, the third too late", {100, 110, 119}, 1, 0, {"m2"}},
           {"three at a time fit what one at a time cannot", {105, 105, 105}, 3, 0, {}},
           {"one at a time: only the first", {105, 105, 105}, 1, 0, {"m1", "m2"}},
           {"a move under way holds its slot a lead time", {105}, 1, 1, {"m0"}},
           {"an at-risk move takes no slot from later ones", {100, 100, 110}, 1, 0, {"m1"}},
           {"a deadline already passed", {90}, 2, 0, {"m0"}},
           {"no budget at all", {500}, 0, 0, {"m0"}},
       }) {
    CAPTURE(c.name);
    std::vector<ForecastMove> moves;
    for (std::size_t i = 0; i < c.deadlines.size(); ++i) {
      moves.push_back(
          {"m" + std::to_string(i), "t" + std::to_string(i), std::chrono::seconds(c.deadlines[i])});
    }
    const auto forecast = forecast_moves(moves, now, lead, c.slots, c.busy);
    std::vector<std::string> at_risk;
    for (const auto& move : forecast.at_risk) {
      at_risk.push_back(move.agent_id);
    }
    CHECK(forecast.moves == moves.size());
    CHECK(at_risk == c.at_risk);
    CHECK(forecast.feasible() == c.at_risk.empty());
  }
}

namespace {

// Twelve tasks on a01..a12, every one of their agents' windows announced at once, 60 s ahead:
// each deadline is 50 s after t0 with the 10 s minimum lead time.
struct Rolling {
  Harness cluster;
  std::vector<Decision> answers;

  explicit Rolling(std::uint32_t surge)
      : cluster(12, Evacuation{.max_surge = surge, .max_unavailable = 0}) {
    std::vector<std::string> agents;
    for (int i = 1; i <= 12; ++i) {
      agents.push_back((i < 10 ? "a0" : "a") + std::to_string(i));
    }
    cluster.start_on(agents);  // now t0 + 3 s
    for (const auto& agent : agents) {
      answers.push_back(cluster.after(0s, inverse_offer("io-" + agent, agent, window(60s))));
    }
  }

  std::size_t declined() const {
    std::size_t out = 0;
    for (const auto& answer : answers) {
      out += sends(answer, Call::DECLINE_INVERSE_OFFERS) ? 1U : 0U;
    }
    return out;
  }
  bool logged(const std::string& text) const {
    for (const auto& answer : answers) {
      if (logs(answer, text)) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace

TEST_CASE("forecast: --max_surge=1 reports twelve moves in 47 s as infeasible before any window") {
  Rolling rolling(1);
  // Starts at +3, +13, +23, +33, +43 s fit the 50 s deadline; the other seven do not.
  const auto& forecast = rolling.cluster.state.forecast();
  CHECK_FALSE(forecast.feasible());
  CHECK(forecast.moves == 12);
  REQUIRE(forecast.at_risk.size() == 7);
  CHECK(forecast.at_risk.front().agent_id == "a06");
  CHECK(
      rolling.logged("Forecast: 7 of 12 moves cannot start by their deadlines with "
                     "--max_surge=1 --max_unavailable=0 and a lead time of 10.0s; first task"));
  // The inverse offers of the seven at risk are declined, the others accepted.
  CHECK(rolling.declined() == 7);
  CHECK(rolling.cluster.state.inverse_offer_replies().at("a06").reason.find(
            "cannot start its move by its deadline") != std::string::npos);
  CHECK(rolling.cluster.state.inverse_offer_replies().at("a05").accepted);

  const auto state =
      boost::json::parse(iof::framework::state_json(rolling.cluster.state, rolling.cluster.now));
  CHECK(state.at("forecast").at("feasible").as_bool() == false);
  CHECK(state.at("forecast").at("moves_at_risk").to_number<int>() == 7);
  CHECK(state.at("forecast").at("at_risk").as_array().size() == 7);
  CHECK(iof::framework::metrics(rolling.cluster.state, 1, rolling.cluster.now)
            .at("inverse_offer_framework/moves_at_risk") == 7);

  // Said once per change: a second later nothing changed, nothing is said; 7 s later the fifth
  // start (+50 s) no longer fits and it is said again.
  CHECK_FALSE(logs(rolling.cluster.tick(1s), "Forecast:"));
  CHECK(logs(rolling.cluster.tick(7s), "Forecast: 8 of 12 moves"));
}

TEST_CASE("forecast: 25% of N=12 surges 3 at a time, and the same windows fit") {
  const auto surge = iof::framework::Budget{iof::framework::Budget::Kind::percent, 25}.resolve(
      12, iof::framework::Budget::Rounding::up);
  REQUIRE(surge == 3);
  Rolling rolling(surge);
  CHECK(rolling.cluster.state.forecast().feasible());
  CHECK(rolling.cluster.state.forecast().moves == 12);
  CHECK_FALSE(rolling.logged("Forecast:"));
  CHECK(rolling.declined() == 0);
  CHECK(iof::framework::metrics(rolling.cluster.state, 1, rolling.cluster.now)
            .at("inverse_offer_framework/moves_at_risk") == 0);
}
