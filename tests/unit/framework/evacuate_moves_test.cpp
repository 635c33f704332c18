// The evacuate policy's placement and moves: where tasks go, when they move, how the budgets hold
// and how inverse offers are answered. Time is injected through advance(); windows are absolute
// like the master's.
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

TEST_CASE("evacuate: N tasks go to agents without maintenance first, then the latest window") {
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::int64_t>> offered;  // agent, window (0: none)
    std::uint32_t tasks;
    std::vector<std::string> chosen;
  };
  for (const auto& [name, offered, tasks, chosen] : std::vector<Case>{
           {"no maintenance beats any window",
            {{"a1", window(3600s)}, {"a2", 0}, {"a3", window(7200s)}},
            1,
            {"a2"}},
           {"then the latest window", {{"a1", window(3600s)}, {"a3", window(7200s)}}, 1, {"a3"}},
           {"an unsafe agent (window inside the lead time) only when nothing else fits",
            {{"a1", window(5s)}},
            1,
            {"a1"}},
           {"a safe agent beats an unsafe one even with an earlier id",
            {{"a1", window(5s)}, {"a2", window(60s)}},
            1,
            {"a2"}},
       }) {
    CAPTURE(name);
    Harness cluster(tasks);
    std::vector<v1::Offer> list;
    for (const auto& [agent, start] : offered) {
      list.push_back(offer("o-" + agent, agent, start));
    }
    std::vector<std::string> agents;
    for (const auto& launch : launches(cluster.after(1s, offers(list)))) {
      agents.push_back(launch.second);
    }
    CHECK(agents == chosen);
  }
}

TEST_CASE("evacuate: equal agents are filled in a scattered order, not in id order") {
  // Agents registered together get consecutive ids and tend to be maintained together.
  std::vector<v1::Offer> list;
  for (int i = 10; i < 22; ++i) {
    list.push_back(offer("o-" + std::to_string(i), "S" + std::to_string(i)));
  }
  const auto chosen = [&](std::vector<v1::Offer> offered) {
    Harness cluster(4);
    std::set<std::string> agents;
    for (const auto& launch : launches(cluster.after(1s, offers(offered)))) {
      agents.insert(launch.second);
    }
    return agents;
  };
  const auto forward = chosen(list);
  CHECK(forward.size() == 4);
  CHECK(forward != std::set<std::string>{"S10", "S11", "S12", "S13"});
  // The choice depends on the agents, not on the order the master lists them in.
  std::reverse(list.begin(), list.end());
  CHECK(chosen(list) == forward);
}

TEST_CASE("evacuate: make-before-break, the old task is killed once its replacement runs") {
  Harness cluster(2);
  cluster.start_on({"a1", "a2"});
  // The master's inverse offer brings a1's window: offers are revived at once.
  const auto told = cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  CHECK(sends(told, Call::REVIVE));
  CHECK(sends(told, Call::ACCEPT_INVERSE_OFFERS));

  // The replacement goes to a3 (no window), not to a4 whose window comes even sooner; nothing is
  // killed yet.
  const auto offered =
      cluster.after(1s, offers({offer("o-3", "a3"), offer("o-4", "a4", window(300s)),
                                offer("o-5", "a1", window(600s))}));
  REQUIRE(launches(offered) == std::vector<std::pair<std::string, std::string>>{{"2", "a3"}});
  CHECK(kills(offered).empty());
  CHECK(cluster.state.sleepers().at("a3").replaces == "a1");
  CHECK(cluster.state.migrations_in_flight() == 1);

  const auto ran = cluster.after(2s, update("2", "a3", v1::TASK_RUNNING));
  CHECK(kills(ran) == std::vector<std::string>{"0"});
  CHECK(cluster.state.migrating().contains("a1"));
  CHECK(cluster.state.running_tasks() == 2);

  cluster.after(1s, update("0", "a1", v1::TASK_KILLED));
  CHECK(cluster.state.migrating().empty());
  CHECK(cluster.state.counters().evacuations == 1);
  // From learning the window to the old task's end: 1 + 2 + 1 s.
  CHECK(cluster.state.last_evacuation() == Time(4s));
  CHECK(cluster.state.min_running_seen() == 2u);
  CHECK(cluster.state.planned_moves().empty());
}

TEST_CASE("evacuate: moves go by deadline within --max_surge") {
  for (const std::uint32_t surge : {1u, 2u}) {
    CAPTURE(surge);
    Harness cluster(3, Evacuation{surge, 0, 10s, 2.0});
    cluster.start_on({"a1", "a2", "a3"});
    // a2's window comes first, then a1's.
    cluster.after(1s, inverse_offer("io-1", "a1", window(900s)));
    cluster.after(0s, inverse_offer("io-2", "a2", window(600s)));
    const auto first =
        launches(cluster.after(1s, offers({offer("o-4", "a4"), offer("o-5", "a5")})));
    if (surge == 1) {
      // One extra task at a time: a2 (earliest deadline) moves first; a1 waits for the budget.
      REQUIRE(first.size() == 1);
      const std::string used = first[0].second;
      const std::string leaving = cluster.state.sleepers().at("a2").task_id.value();
      const std::string other = used == "a4" ? "a5" : "a4";
      CHECK(cluster.state.sleepers().at(used).replaces == "a2");
      const auto moves = cluster.state.planned_moves();
      REQUIRE(moves.size() == 2);
      CHECK(moves[0].agent_id == "a2");
      CHECK(status_text(moves[1]) == "waiting for the surge budget (--max_surge=1)");
      // The budget frees once the replacement runs and a2's task is being killed (as in
      // Kubernetes, a terminating task is not part of the surge): the offers come back with a
      // REVIVE.
      const auto ran = cluster.after(2s, update("3", used, v1::TASK_RUNNING));
      CHECK(kills(ran) == std::vector<std::string>{leaving});
      CHECK(sends(ran, Call::REVIVE));
      const auto second = launches(cluster.after(1s, offers({offer("o-6", other)})));
      CHECK(second == std::vector<std::pair<std::string, std::string>>{{"4", other}});
      CHECK(cluster.state.sleepers().at(other).replaces == "a1");
    } else {
      CHECK(first.size() == 2);
    }
  }
}

TEST_CASE("evacuate: a move only goes somewhere safe and better than where it is") {
  struct Case {
    const char* name;
    std::int64_t leaving;  // window of the task's agent
    std::int64_t target;   // window of the only offered free agent (0: none)
    bool moves;
  };
  // The task is RUNNING at t0+3s; the lead time is the 10 s minimum.
  for (const auto& [name, leaving, target, moves] : std::vector<Case>{
           {"no maintenance", window(600s), 0, true},
           {"a later window", window(600s), window(1200s), true},
           {"the same window", window(600s), window(600s), false},
           {"an earlier window", window(600s), window(300s), false},
           {"a later window, but inside the lead time", window(12s), window(14s), false},
           {"no maintenance, from inside the lead time", window(12s), 0, true},
       }) {
    CAPTURE(name);
    Harness cluster(1);
    cluster.start_on({"a1"});
    cluster.after(1s, inverse_offer("io-1", "a1", leaving));
    const auto offered = cluster.after(1s, offers({offer("o-2", "a2", target)}));
    CHECK(launches(offered).size() == (moves ? 1u : 0u));
    CHECK(sends(offered, Call::DECLINE) == !moves);
  }
}

TEST_CASE("evacuate: with no safe capacity it says so, and kills first only if allowed") {
  for (const std::uint32_t unavailable : {0u, 1u}) {
    CAPTURE(unavailable);
    Harness cluster(2, Evacuation{1, unavailable, 10s, 2.0});
    cluster.start_on({"a1", "a2"});
    cluster.after(1s, inverse_offer("io-1", "a1", window(60s)));
    // Only unsafe offers: nothing moves.
    CHECK(launches(cluster.after(1s, offers({offer("o-3", "a3", window(30s))}))).empty());
    CHECK(status_text(cluster.state.planned_moves().at(0)) == "no offer from a safe agent");
    // The core asks to be woken at the deadline: window - lead time.
    REQUIRE(cluster.state.next_wakeup());
    CHECK(*cluster.state.next_wakeup() == Time(window(60s)) - 10s);

    const auto due = cluster.tick(Time(window(60s)) - 10s - cluster.now);
    CHECK(logs(due, "No safe capacity for task 0 on a1"));
    if (unavailable == 0) {
      CHECK(kills(due).empty());
      CHECK(logs(due, "forbids kill-first"));
      CHECK(
          status_text(cluster.state.planned_moves().at(0)).starts_with("no safe capacity by the"));
      // Declined, and asked again at the window (9 s away) rather than in 5 s.
      const auto asked = cluster.after(1s, inverse_offer("io-2", "a1", window(60s)));
      REQUIRE(sends(asked, Call::DECLINE_INVERSE_OFFERS));
      CHECK(cluster.state.inverse_offer_replies().at("a1").filter_secs == 9.0);
      CHECK(cluster.state.counters().inverse_offers_declined == 1);
    } else {
      CHECK(kills(due) == std::vector<std::string>{"0"});
      CHECK(cluster.state.counters().kill_first_moves == 1);
      // The freed slot is never refilled on the agent it left, even when nothing else fits...
      cluster.after(1s, update("0", "a1", v1::TASK_KILLED));
      CHECK(launches(cluster.after(1s, offers({offer("o-5", "a1", window(60s))}))).empty());
      // ...but on a safe agent as soon as one is offered.
      CHECK(launches(cluster.after(1s, offers({offer("o-4", "a4")}))).size() == 1);
    }
  }
}

TEST_CASE("evacuate: --max_surge=0 moves kill-first at each deadline, within --max_unavailable") {
  Harness cluster(2, Evacuation{0, 1, 10s, 2.0});
  cluster.start_on({"a1", "a2"});
  const std::string first = cluster.state.sleepers().at("a1").task_id.value();
  Decision moved = cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
  append(moved, cluster.after(1s, inverse_offer("io-2", "a2", window(610s))));
  // Nothing before the deadline: there is no replacement to wait for, and killing early only
  // makes the gap longer.
  CHECK(kills(moved).empty());
  REQUIRE(cluster.state.next_wakeup() == Time(window(600s)) - 10s);
  // At a1's deadline its task goes; at a2's the budget is spent (two would be missing).
  const auto due = cluster.tick(Time(window(600s)) - 10s - cluster.now);
  CHECK(kills(due) == std::vector<std::string>{first});
  CHECK(cluster.state.running_tasks() == 1);
  const std::string second = cluster.state.sleepers().at("a2").task_id.value();
  const auto later = kills(cluster.tick(10s));  // only the first one's KILL, retried
  CHECK(std::find(later.begin(), later.end(), second) == later.end());
  CHECK(cluster.state.counters().kill_first_moves == 1);
}

TEST_CASE("evacuate: inverse offers are answered from the plan, with a filter to match") {
  Harness cluster(1);
  cluster.start_on({"a1"});
  SUBCASE("an agent without our task: accept until its window") {
    const auto answer = cluster.after(1s, inverse_offer("io-1", "a9", window(3600s)));
    REQUIRE(sends(answer, Call::ACCEPT_INVERSE_OFFERS));
    CHECK(first(answer, Call::ACCEPT_INVERSE_OFFERS)
              .accept_inverse_offers()
              .filters()
              .refuse_seconds() == doctest::Approx(3600 - 1 - 3));
    CHECK(cluster.state.inverse_offer_replies().at("a9").reason ==
          "no task of this framework runs there");
  }
  SUBCASE("a task that will move in time: accept until its deadline") {
    const auto answer = cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
    REQUIRE(sends(answer, Call::ACCEPT_INVERSE_OFFERS));
    // deadline = t0 + 600 - 10; now = t0 + 4.
    CHECK(first(answer, Call::ACCEPT_INVERSE_OFFERS)
              .accept_inverse_offers()
              .filters()
              .refuse_seconds() == doctest::Approx(586));
    CHECK(cluster.state.inverse_offer_replies().at("a1").reason.find("moves to a safe agent") !=
          std::string::npos);
  }
  SUBCASE("a task whose replacement is starting: accept, re-check within a lead time") {
    cluster.after(1s, inverse_offer("io-1", "a1", window(600s)));
    cluster.after(1s, offers({offer("o-2", "a2")}));
    const auto answer = cluster.after(5s, inverse_offer("io-2", "a1", window(600s)));
    REQUIRE(sends(answer, Call::ACCEPT_INVERSE_OFFERS));
    CHECK(first(answer, Call::ACCEPT_INVERSE_OFFERS)
              .accept_inverse_offers()
              .filters()
              .refuse_seconds() == 10.0);
  }
  SUBCASE("never the master's default 5 s, never below 1 s") {
    const auto answer = cluster.after(1s, inverse_offer("io-1", "a9", window(0s)));
    REQUIRE(sends(answer, Call::ACCEPT_INVERSE_OFFERS));
    CHECK(first(answer, Call::ACCEPT_INVERSE_OFFERS)
              .accept_inverse_offers()
              .filters()
              .refuse_seconds() == 1.0);
  }
}
