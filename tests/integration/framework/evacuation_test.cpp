// The evacuate policy end to end, on mesos-sim and on a real Mesos: the lack of safe capacity is
// reported and handled within the budgets, inverse offers are answered from the plan, and
// /health tells an operator what is going on. The moves themselves, drains, DOWN and UP are in
// cluster_scenarios_test.cpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "framework_fixture.hpp"

using namespace iof::test::framework;

namespace {

std::size_t live_on(unsigned short port, const std::set<std::string>& agents) {
  const auto tasks = live_tasks(port);
  return static_cast<std::size_t>(std::count_if(
      tasks.begin(), tasks.end(), [&](const Task& t) { return agents.contains(t.agent_id); }));
}

}  // namespace

TEST_CASE(
    "evacuate: no safe capacity is reported, and kill-first happens only within "
    "--max_unavailable") {
  for (const std::string unavailable : {"0", "1"}) {
    CAPTURE(unavailable);
    // Two agents, two tasks: there is nowhere to move to.
    iof::test::ClusterOptions options;
    options.agents = 2;
    auto cluster = start_cluster(options);
    const auto port = cluster->port();
    Framework framework({cluster->master_flag(), "--num_tasks=2", "--min_lead_time=6secs",
                         "--max_unavailable=" + unavailable});
    REQUIRE(eventually([&] { return running_tasks(port).size() == 2; }));
    const std::string doomed = running_tasks(port).front().agent_id;
    // The deadline (window - 6 s lead time) comes 2 s after the schedule.
    schedule_windows(port, {{{doomed}, 8s}});
    REQUIRE(eventually([&] {
      return framework.process().stderr_text().find("No safe capacity for task") !=
             std::string::npos;
    }));
    if (unavailable == "0") {
      CHECK(framework.process().stderr_text().find("forbids kill-first") != std::string::npos);
      const auto state = framework.state();
      const auto& move = state.at("planned_moves").at(0);
      CHECK(move.at("agent_id").as_string() == doomed.c_str());
      CHECK(std::string(move.at("status").as_string()).starts_with("no safe capacity"));
      CHECK(running_tasks(port).size() == 2);
      // The next inverse offer is declined, with a reason, and the master is asked to wait for
      // the window rather than re-send every 5 s.
      REQUIRE(eventually([&] {
        const auto replies = framework.state().at("inverse_offers").as_array();
        return !replies.empty() && replies[0].at("decision") == "decline";
      }));
      const auto reply = framework.state().at("inverse_offers").at(0);
      CHECK(std::string(reply.at("reason").as_string()).find("no safe capacity") !=
            std::string::npos);
      CHECK(reply.at("filter_secs").to_number<double>() >= 4);
      // The task is still there when the machine goes: counted as caught, not as a failure.
      machine_down(port, {doomed});
      REQUIRE(eventually([&] { return framework.metric("tasks_caught_by_down") == 1; }));
      CHECK(framework.metric("sleepers_lost_abnormally") == 0);
      CHECK(framework.metric("inverse_offers_received") <= 3);
    } else {
      // Killed before the window, and not put back on the machine it left.
      REQUIRE(eventually([&] { return live_on(port, {doomed}) == 0; }));
      CHECK(framework.metric("kill_first_moves") == 1);
      std::this_thread::sleep_for(1s);
      CHECK(live_on(port, {doomed}) == 0);
      CHECK(running_tasks(port).size() == 1);
      machine_down(port, {doomed});
      CHECK(master_metric(port, "master/tasks_lost") == 0);
      CHECK(framework.metric("tasks_caught_by_down") == 0);
    }
  }
}

TEST_CASE("/health: 200 with N running, 503 with the reason otherwise") {
  SUBCASE("no master") {
    Framework framework({"--master=127.0.0.1:1", "--num_tasks=2"});
    const auto reply = framework.get("/health");
    CHECK(reply.status == 503);
    CHECK(reply.body == "not subscribed to a master; 0 of 2 tasks running\n");
  }
  SUBCASE("subscribed, tasks running") {
    iof::test::ClusterOptions options;
    options.agents = 2;
    auto cluster = start_cluster(options);
    Framework framework({cluster->master_flag(), "--num_tasks=2"});
    REQUIRE(eventually([&] { return framework.get("/health").status == 200; }));
    CHECK(framework.get("/health").body == "subscribed; 2 of 2 tasks running\n");
    CHECK(framework.get("/nowhere").status == 404);
  }
}
