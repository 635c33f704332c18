// --spread_by: the evacuate policy balances its tasks across the values of an agent attribute
// (racks here) when it fills slots and when it moves tasks, never at the cost of safety or of one
// task per agent. The agents' names are chosen so that the hashed order alone (placement.cpp's
// scatter) would place each case wrong: without the preference these tests fail.
#include "iof/framework/core/spread.hpp"

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "iof/framework/view/metrics.hpp"
#include "iof/framework/view/state.hpp"

#include "core_harness.hpp"

using namespace iof::test::core;
using iof::framework::Snapshot;
using iof::framework::SpreadValue;

namespace {

Evacuation spread_by_rack() {
  Evacuation evacuation;
  evacuation.spread_by = "rack";
  return evacuation;
}

// An offer from `agent` on `rack` (none: the agent has no rack attribute); `copy` tells apart
// two offers of one agent in one event.
v1::Offer racked(const std::string& agent, const std::string& rack, std::int64_t start = 0,
                 int copy = 0) {
  auto made = offer("o-" + agent + (copy > 0 ? "-" + std::to_string(copy) : ""), agent, start);
  if (!rack.empty()) {
    auto* attribute = made.add_attributes();
    attribute->set_name("rack");
    attribute->set_type(v1::Value::TEXT);
    attribute->mutable_text()->set_value(rack);
  }
  return made;
}

using Racks = std::vector<std::pair<std::string, std::string>>;  // agent, rack

std::vector<v1::Offer> offered(const Racks& racks) {
  std::vector<v1::Offer> list;
  for (const auto& [agent, rack] : racks) {
    list.push_back(racked(agent, rack));
  }
  return list;
}

std::map<std::string, std::size_t> per_rack(const Harness& cluster) {
  std::map<std::string, std::size_t> out;
  for (const auto& [value, tasks] : cluster.state.spread().tasks_per_value) {
    out[value.text()] = tasks;
  }
  return out;
}

// The tasks `decision` launched report RUNNING.
void run(Harness& cluster, const Decision& decision) {
  for (const auto& [task, agent] : launches(decision)) {
    cluster.after(1s, update(task, agent, v1::TASK_RUNNING));
  }
}

}  // namespace

TEST_CASE("spread: an agent's value is its attribute as Mesos prints it, empty without one") {
  auto agent = offer("o-1", "a1");
  CHECK(iof::framework::spread_value_of(agent, "rack") == SpreadValue(""));
  const auto add = [&](const std::string& name, v1::Value::Type type) {
    auto* attribute = agent.add_attributes();
    attribute->set_name(name);
    attribute->set_type(type);
    return attribute;
  };
  add("rack", v1::Value::TEXT)->mutable_text()->set_value("r7");
  add("zone", v1::Value::SCALAR)->mutable_scalar()->set_value(2.0);
  auto* ports = add("slots", v1::Value::RANGES)->mutable_ranges();
  for (const auto& [begin, end] : {std::pair{1, 10}, std::pair{20, 30}}) {
    auto* range = ports->add_range();
    range->set_begin(static_cast<std::uint64_t>(begin));
    range->set_end(static_cast<std::uint64_t>(end));
  }
  add("row", v1::Value::SCALAR)->mutable_scalar()->set_value(1.5);
  CHECK(iof::framework::spread_value_of(agent, "rack") == SpreadValue("r7"));
  CHECK(iof::framework::spread_value_of(agent, "zone") == SpreadValue("2"));
  CHECK(iof::framework::spread_value_of(agent, "row") == SpreadValue("1.5"));
  CHECK(iof::framework::spread_value_of(agent, "slots") == SpreadValue("[1-10, 20-30]"));
  CHECK(iof::framework::spread_value_of(agent, "Rack") == SpreadValue(""));  // names are exact
}

TEST_CASE("spread: N tasks fill the racks evenly") {
  struct Case {
    std::string name;
    Racks agents;
    std::uint32_t tasks;
    std::map<std::string, std::size_t> expected;
  };
  for (const auto& [name, agents, tasks, expected] : std::vector<Case>{
           {"2 racks of 3, N=4: 2 and 2",
            {{"a6", "r1"}, {"a8", "r1"}, {"a9", "r1"}, {"b2", "r2"}, {"b3", "r2"}, {"b9", "r2"}},
            4,
            {{"r1", 2}, {"r2", 2}}},
           {"a rack of one still gets its share",
            {{"a1", "r1"},
             {"a2", "r1"},
             {"a3", "r1"},
             {"a4", "r1"},
             {"a5", "r1"},
             {"a6", "r1"},
             {"b3", "r2"}},
            2,
            {{"r1", 1}, {"r2", 1}}},
           {"3 racks of unequal size, N=3: one each",
            {{"a1", "r1"}, {"a6", "r1"}, {"a8", "r1"}, {"a9", "r1"}, {"b9", "r2"}, {"c9", "r3"}},
            3,
            {{"r1", 1}, {"r2", 1}, {"r3", 1}}},
           {"more tasks than a rack has agents: the rest go where agents are",
            {{"a1", "r1"}, {"a2", "r1"}, {"a3", "r1"}, {"a4", "r1"}, {"a5", "r1"}, {"b3", "r2"}},
            4,
            {{"r1", 3}, {"r2", 1}}},
       }) {
    CAPTURE(name);
    Harness cluster(tasks, spread_by_rack());
    const auto started = cluster.after(1s, offers(offered(agents)));
    CHECK(launches(started).size() == tasks);
    CHECK(per_rack(cluster) == expected);
  }
}

TEST_CASE("spread: a refill goes to the rack that lost its task") {
  Harness cluster(3, spread_by_rack());
  run(cluster, cluster.after(1s, offers(offered({{"a1", "r1"}, {"a2", "r1"}, {"b1", "r2"}}))));
  REQUIRE(per_rack(cluster) == std::map<std::string, std::size_t>{{"r1", 2}, {"r2", 1}});
  const std::string lost = cluster.state.sleepers().at("b1").task_id.value();
  cluster.after(1s, update(lost, "b1", v1::TASK_FAILED));
  // 10 s later: past any first backoff of the slot whose task failed.
  const auto refill =
      cluster.after(10s, offers(offered({{"a3", "r1"}, {"a4", "r1"}, {"a5", "r1"}, {"b3", "r2"}})));
  CHECK(launches(refill) == std::vector<std::pair<std::string, std::string>>{{"3", "b3"}});
  CHECK(per_rack(cluster) == std::map<std::string, std::size_t>{{"r1", 2}, {"r2", 1}});
}

TEST_CASE("spread: a move keeps the balance, or evens it out") {
  struct Case {
    std::string name;
    Racks start;              // the first offers, all taken
    std::string maintained;   // the agent whose window comes
    Racks then;               // the offers after it
    std::string destination;  // where the replacement goes
    std::map<std::string, std::size_t> after_the_move;
  };
  for (const auto& [name, start, maintained, then, destination, after_the_move] : std::vector<Case>{
           {"a task stays on its rack when the others hold as many",
            {{"a1", "r1"}, {"a2", "r1"}, {"b1", "r2"}, {"b2", "r2"}},
            "a1",
            {{"b3", "r2"}, {"b4", "r2"}, {"b5", "r2"}, {"a3", "r1"}},
            "a3",
            {{"r1", 2}, {"r2", 2}}},
           {"a task on the fuller rack moves to the emptier one",
            {{"a1", "r1"}, {"a2", "r1"}, {"a3", "r1"}},
            "a1",
            {{"a4", "r1"}, {"a5", "r1"}, {"a6", "r1"}, {"b3", "r2"}},
            "b3",
            {{"r1", 2}, {"r2", 1}}},
       }) {
    CAPTURE(name);
    Harness cluster(static_cast<std::uint32_t>(start.size()), spread_by_rack());
    run(cluster, cluster.after(1s, offers(offered(start))));
    cluster.after(1s, inverse_offer("io-1", maintained, window(600s)));
    const auto moved = cluster.after(1s, offers(offered(then)));
    const auto started = launches(moved);
    REQUIRE(started.size() == 1);
    CHECK(started.front().second == destination);
    CHECK(cluster.state.sleepers().at(destination).replaces == maintained);
    const auto ran =
        cluster.after(2s, update(started.front().first, destination, v1::TASK_RUNNING));
    REQUIRE(kills(ran).size() == 1);
    cluster.after(1s, update(kills(ran).front(), maintained, v1::TASK_KILLED));
    CHECK(per_rack(cluster) == after_the_move);
  }
}

TEST_CASE("spread: safety wins over balance, and balance never delays a move") {
  SUBCASE("a slot is filled on a safe agent of the fuller rack, not an unsafe one") {
    Harness cluster(2, spread_by_rack());
    run(cluster, cluster.after(1s, offers({racked("a1", "r1")})));
    // b1's window starts within the lead time (10 s): it is not safe.
    const auto filled =
        cluster.after(1s, offers({racked("b1", "r2", window(8s)), racked("a2", "r1")}));
    CHECK(launches(filled) == std::vector<std::pair<std::string, std::string>>{{"1", "a2"}});
  }
  SUBCASE("a move goes to a safe agent of the fuller rack, not to a riskier one") {
    Harness cluster(2, spread_by_rack());
    run(cluster, cluster.after(1s, offers(offered({{"a1", "r1"}, {"b1", "r2"}}))));
    cluster.after(1s, inverse_offer("io-1", "b1", window(600s)));
    // b2 is inside the lead time; b3's window comes before the one b1's task leaves.
    const auto moved =
        cluster.after(1s, offers({racked("b2", "r2", window(12s)), racked("b3", "r2", window(300s)),
                                  racked("a2", "r1")}));
    CHECK(launches(moved) == std::vector<std::pair<std::string, std::string>>{{"2", "a2"}});
  }
  SUBCASE("a move takes the only safe agent offered at once, whatever its rack") {
    Harness cluster(2, spread_by_rack());
    run(cluster, cluster.after(1s, offers(offered({{"a1", "r1"}, {"b1", "r2"}}))));
    cluster.after(1s, inverse_offer("io-1", "b1", window(600s)));
    const auto moved = cluster.after(1s, offers({racked("a2", "r1")}));
    CHECK(launches(moved) == std::vector<std::pair<std::string, std::string>>{{"2", "a2"}});
  }
  SUBCASE("an agent without maintenance on the fuller rack beats one with a window") {
    // A task put on b1 would have to move again before b1's window: no gain in balance is worth
    // a move.
    Harness cluster(2, spread_by_rack());
    run(cluster, cluster.after(1s, offers({racked("a1", "r1")})));
    const auto filled =
        cluster.after(1s, offers({racked("b1", "r2", window(3600s)), racked("a2", "r1")}));
    CHECK(launches(filled) == std::vector<std::pair<std::string, std::string>>{{"1", "a2"}});
  }
}

TEST_CASE("spread: one task per agent holds, even on the emptiest rack") {
  Harness cluster(4, spread_by_rack());
  // r1 has a single agent; it is offered twice in one event.
  const auto first =
      cluster.after(1s, offers({racked("a1", "r1"), racked("a1", "r1", 0, 1), racked("b5", "r2"),
                                racked("b1", "r2"), racked("b4", "r2"), racked("b8", "r2")}));
  run(cluster, first);
  std::map<std::string, int> per_agent;
  for (const auto& [task, agent] : launches(first)) {
    ++per_agent[agent];
  }
  CHECK(per_agent.size() == 4);
  CHECK(per_agent["a1"] == 1);
  REQUIRE(per_rack(cluster) == std::map<std::string, std::size_t>{{"r1", 1}, {"r2", 3}});

  // A task on r2 fails: r1 is the emptiest rack, but its only agent already holds a task.
  const auto r2_agent = std::next(cluster.state.sleepers().begin())->first;
  cluster.after(
      1s, update(cluster.state.sleepers().at(r2_agent).task_id.value(), r2_agent, v1::TASK_FAILED));
  // 10 s later: past any first backoff of the slot whose task failed.
  const auto refill = cluster.after(10s, offers({racked("a1", "r1"), racked("b6", "r2")}));
  CHECK(launches(refill) == std::vector<std::pair<std::string, std::string>>{{"4", "b6"}});
}

TEST_CASE("spread: agents without the attribute share the value \"\"") {
  Harness cluster(2, spread_by_rack());
  cluster.after(1s, offers(offered({{"a1", "r1"}, {"a2", "r1"}, {"a3", "r1"}, {"n1", ""}})));
  CHECK(cluster.state.sleepers().contains("n1"));
  CHECK(per_rack(cluster) == std::map<std::string, std::size_t>{{"", 1}, {"r1", 1}});
  const auto shown = boost::json::parse(iof::framework::state_json(cluster.state, cluster.now));
  CHECK(shown.at("spread").at("tasks_per_value").at("").as_int64() == 1);
}

TEST_CASE("spread: restored tasks count once their agent is offered again") {
  Harness cluster(3, spread_by_rack());
  Snapshot snapshot;
  snapshot.framework_id = framework;
  snapshot.next_task_id = 2;
  for (const auto& [agent, id] : {std::pair{"a1", "0"}, std::pair{"a2", "1"}}) {
    iof::framework::Sleeper restored;
    restored.task_id.set_value(id);
    snapshot.sleepers[agent] = restored;
  }
  cluster.state.restore(snapshot);
  cluster.state.handle(subscribed());
  CHECK(cluster.state.spread().unknown == 2);
  CHECK(cluster.state.spread().tasks_per_value.empty());

  // Their agents' offers, in the same event, teach the value before the slot is filled.
  const auto filled = cluster.after(
      1s, offers(offered({{"a1", "r1"}, {"a2", "r1"}, {"a3", "r1"}, {"a4", "r1"}, {"b3", "r2"}})));
  CHECK(launches(filled) == std::vector<std::pair<std::string, std::string>>{{"2", "b3"}});
  CHECK(cluster.state.spread().unknown == 0);
  CHECK(per_rack(cluster) == std::map<std::string, std::size_t>{{"r1", 2}, {"r2", 1}});
}

TEST_CASE("spread: /state shows spread_by and the tasks per value, the metrics the skew") {
  Harness cluster(3, spread_by_rack());
  cluster.after(1s, offers(offered({{"a1", "r1"}, {"a2", "r1"}, {"b1", "r2"}})));
  const auto shown = boost::json::parse(iof::framework::state_json(cluster.state, cluster.now));
  CHECK(shown.at("spread_by").as_string() == "rack");
  const auto& spread = shown.at("spread");
  CHECK(spread.at("tasks_per_value").at("r1").as_int64() == 2);
  CHECK(spread.at("tasks_per_value").at("r2").as_int64() == 1);
  CHECK(spread.at("unknown").as_int64() == 0);
  CHECK(spread.at("skew").as_int64() == 1);
  const auto figures = iof::framework::metrics(cluster.state, 1.0, cluster.now);
  CHECK(figures.at("inverse_offer_framework/spread_skew") == 1.0);

  // Without --spread_by: no spread in /state, no metric, and no agent's value is learnt.
  Harness plain(3);
  plain.after(1s, offers(offered({{"a1", "r1"}, {"a2", "r1"}, {"b1", "r2"}})));
  const auto plain_state = boost::json::parse(iof::framework::state_json(plain.state, plain.now));
  CHECK(plain_state.at("spread_by").is_null());
  CHECK_FALSE(plain_state.as_object().contains("spread"));
  CHECK_FALSE(iof::framework::metrics(plain.state, 1.0, plain.now)
                  .contains("inverse_offer_framework/spread_skew"));
  CHECK(plain.state.spread().tasks_per_value.empty());
}
