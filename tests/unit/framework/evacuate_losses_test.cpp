// The evacuate policy's accounting: maintenance losses told from failures, the learnt lead time,
// /state, /health and the metrics, and moves that survive a restart.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"
#include "iof/framework/view/metrics.hpp"
#include "iof/framework/view/state.hpp"

#include "core_harness.hpp"

using namespace iof::test::core;

TEST_CASE("evacuate: maintenance losses are planned, counted apart from failures, relaunched") {
  struct Case {
    const char* name;
    Event event;
    bool has_window;
    std::uint64_t iof::framework::Counters::*counter;
  };
  for (const auto& [name, event, has_window, counter] : std::vector<Case>{
           {"machine DOWN", update("0", "a1", v1::TASK_LOST, v1::TaskStatus::REASON_AGENT_REMOVED),
            true, &iof::framework::Counters::tasks_caught_by_down},
           {"agent removed without a window",
            update("0", "a1", v1::TASK_LOST, v1::TaskStatus::REASON_AGENT_REMOVED), false,
            &iof::framework::Counters::tasks_lost_with_agent},
           {"FAILURE before any update", agent_failure("a1"), true,
            &iof::framework::Counters::tasks_caught_by_down},
           {"an agent that vanished", agent_failure("a1"), false,
            &iof::framework::Counters::tasks_lost_with_agent},
           {"drained", update("0", "a1", v1::TASK_KILLED, v1::TaskStatus::REASON_AGENT_DRAINING),
            false, &iof::framework::Counters::tasks_drained},
           {"drained and marked gone", update("0", "a1", v1::TASK_GONE_BY_OPERATOR), false,
            &iof::framework::Counters::tasks_drained},
           {"agent marked gone by the operator",
            update("0", "a1", v1::TASK_LOST, v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR),
            false, &iof::framework::Counters::tasks_drained},
           {"DOWN while disconnected, learnt by reconciliation",
            reconciled("0", "a1", v1::TASK_LOST), true,
            &iof::framework::Counters::tasks_caught_by_down},
           {"agent gone while disconnected, learnt by reconciliation",
            reconciled("0", "a1", v1::TASK_UNKNOWN), false,
            &iof::framework::Counters::tasks_lost_with_agent},
           {"a real failure", update("0", "a1", v1::TASK_FAILED), false,
            &iof::framework::Counters::sleepers_lost_abnormally},
       }) {
    CAPTURE(name);
    Harness cluster(1, Evacuation{1, 0, 10s, 2.0});
    cluster.start_on({"a1"});
    if (has_window) {
      // Every offer is unsafe, so the task is still there when the machine goes.
      cluster.after(1s, inverse_offer("io-1", "a1", window(20s)));
    }
    const auto lost = cluster.after(1s, event);
    CHECK(cluster.state.counters().*counter == 1);
    CHECK(cluster.state.current_sleepers() == 0);
    if (counter == &iof::framework::Counters::sleepers_lost_abnormally) {
      // A task that failed by itself: its slot wants offers once its crash-loop backoff ends.
      CHECK_FALSE(sends(lost, Call::REVIVE));
      CHECK(sends(cluster.tick(1s), Call::REVIVE));
    } else {
      CHECK(sends(lost, Call::REVIVE));
    }
    // The TASK_LOST that follows a FAILURE is not counted twice.
    cluster.after(0s, update("0", "a1", v1::TASK_LOST, v1::TaskStatus::REASON_AGENT_REMOVED));
    const auto& c = cluster.state.counters();
    CHECK(c.tasks_caught_by_down + c.tasks_lost_with_agent + c.tasks_drained +
              c.sleepers_lost_abnormally ==
          1);
    CHECK(launches(cluster.after(1s, offers({offer("o-2", "a2")}))).size() == 1);
  }
}

TEST_CASE("evacuate: a failed replacement leaves the old task, and a lost old task ends the move") {
  Harness cluster(1);
  cluster.start_on({"a1"});
  cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  REQUIRE(launches(cluster.after(1s, offers({offer("o-2", "a2")}))).size() == 1);

  SUBCASE("replacement fails") {
    const auto failed = cluster.after(1s, update("1", "a2", v1::TASK_FAILED));
    CHECK(kills(failed).empty());
    CHECK(logs(failed, "the move is retried"));
    CHECK(cluster.state.sleepers().contains("a1"));
    CHECK(launches(cluster.after(1s, offers({offer("o-3", "a3")}))).size() == 1);
  }
  SUBCASE("old task lost first") {
    // The replacement fills the slot: offers are suppressed, without a REVIVE first.
    const auto lost =
        cluster.after(1s, update("0", "a1", v1::TASK_LOST, v1::TaskStatus::REASON_AGENT_REMOVED));
    CHECK(sends(lost, Call::SUPPRESS));
    CHECK_FALSE(sends(lost, Call::REVIVE));
    CHECK(cluster.state.sleepers().at("a2").replaces.empty());
    CHECK(kills(cluster.after(1s, update("1", "a2", v1::TASK_RUNNING))).empty());
    CHECK(cluster.state.counters().tasks_caught_by_down == 1);
  }
}

TEST_CASE("evacuate: the lead time is learnt from launches and kills") {
  struct Case {
    Time launch;
    Time kill;
    Time lead;
  };
  for (const auto& [launch, kill, lead] : std::vector<Case>{
           {2s, 1s, 10s},  // 2 x (2 + 1) = 6 s: the minimum wins
           {8s, 1s, 18s},  // 2 x (8 + 1)
       }) {
    Harness cluster(1);
    CHECK(cluster.state.lead_time() == 10s);
    cluster.start_on({"a1"}, launch);
    cluster.after(1s, inverse_offer("io-1", "a1", window(3600s)));
    cluster.after(1s, offers({offer("o-2", "a2")}));
    cluster.after(launch, update("1", "a2", v1::TASK_RUNNING));
    cluster.after(kill, update("0", "a1", v1::TASK_KILLED));
    CHECK(cluster.state.lead_time() == lead);

    // A restarted or newly elected instance plans with what this one learned.
    const auto saved =
        iof::framework::decode_snapshot(iof::framework::encode_snapshot(cluster.state.snapshot()));
    REQUIRE(saved.has_value());
    REQUIRE_FALSE(saved->lead_time.launches.empty());
    CHECK(saved->lead_time.launches.back() == launch);
    CHECK(saved->lead_time.kills == std::vector<Time>{kill});
    Harness successor(1);
    successor.state.restore(*saved);
    CHECK(successor.state.lead_time() == lead);
  }
}

TEST_CASE("evacuate: /state, /health and the evacuation metrics") {
  Harness cluster(2);
  CHECK_FALSE(iof::framework::health(cluster.state).ok);
  cluster.start_on({"a1", "a2"});
  const auto healthy = iof::framework::health(cluster.state);
  CHECK(healthy.ok);
  CHECK(healthy.reason == "subscribed; 2 of 2 tasks running");
  cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  cluster.after(1s, offers({offer("o-3", "a3")}));

  const auto state = boost::json::parse(iof::framework::state_json(cluster.state, cluster.now));
  CHECK(state.at("policy") == "evacuate");
  CHECK(state.at("tasks").as_array().size() == 3);
  const auto& move = state.at("planned_moves").at(0);
  CHECK(move.at("agent_id") == "a1");
  CHECK(move.at("deadline_in_secs").to_number<double>() == doctest::Approx(600 - 10 - 5));
  CHECK(move.at("status") == "replacement task 2 starting on a3");
  const auto& reply = state.at("inverse_offers").at(0);
  CHECK(reply.at("decision") == "accept");
  bool windowed = false;
  for (const auto& agent : state.at("agents").as_array()) {
    windowed = windowed || agent.as_object().contains("window");
  }
  CHECK(windowed);

  const auto m = iof::framework::metrics(cluster.state, 1, cluster.now);
  const std::string p = "inverse_offer_framework/";
  CHECK(m.at(p + "tasks_at_risk") == 1);
  CHECK(m.at(p + "migrations_in_flight") == 1);
  CHECK(m.at(p + "seconds_to_next_window") == doctest::Approx(595));
  CHECK(m.at(p + "min_running_tasks") == 2);

  cluster.state.disconnected();
  CHECK(iof::framework::health(cluster.state).reason.starts_with("not subscribed"));
}

TEST_CASE("evacuate: a replacement in progress survives a restart") {
  Harness cluster(1);
  cluster.start_on({"a1"});
  cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  cluster.after(1s, offers({offer("o-2", "a2")}));
  const auto text = iof::framework::encode_snapshot(cluster.state.snapshot());
  const auto decoded = iof::framework::decode_snapshot(text);
  REQUIRE(decoded.has_value());
  CHECK(decoded->sleepers.at("a2").replaces == "a1");
  CHECK(*decoded == cluster.state.snapshot());

  Harness restarted(1);
  restarted.state.restore(*decoded);
  const auto ran = restarted.after(1s, update("1", "a2", v1::TASK_RUNNING));
  CHECK(kills(ran) == std::vector<std::string>{"0"});
}

TEST_CASE("evacuate: a task being killed when the framework stopped is killed after a restart") {
  Harness cluster(1);
  cluster.start_on({"a1"});
  cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  cluster.after(1s, offers({offer("o-2", "a2")}));
  cluster.after(1s, update("1", "a2", v1::TASK_RUNNING));
  REQUIRE(cluster.state.migrating().contains("a1"));
  const auto saved = cluster.state.snapshot();

  // Restored before SUBSCRIBED, as the runtime does; the KILL may never have left.
  SchedulerState restarted(Policy::evacuate, 1, "*", TaskSpec{});
  restarted.restore(saved);
  restarted.advance(cluster.now);
  const auto resubscribed = restarted.handle(subscribed());
  CHECK(kills(resubscribed).empty());  // reconciliation first...
  CHECK(kills(restarted.advance(cluster.now)) == std::vector<std::string>{"0"});  // ...then again
  // And whenever it reports itself alive.
  restarted.handle(reconciled("0", "a1", v1::TASK_RUNNING));
  CHECK(restarted.killing() == 1);
}
