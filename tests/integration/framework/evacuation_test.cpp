// The evacuate policy end to end against mesos-sim: tasks leave machines before they go DOWN with
// capacity never below N, the lack of safe capacity is reported and handled within the budgets,
// inverse offers are answered from the plan, maintenance losses are relaunched and counted apart,
// and /state and /health tell an operator what is going on.
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

// Latencies long enough that a move is visible in the master's state.
const std::vector<std::string> sim_flags = {
    "--allocation_interval=100ms", "--task_launch_latency=300ms", "--task_kill_latency=200ms"};

std::vector<std::string> with(std::vector<std::string> flags,
                              const std::vector<std::string>& more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

std::size_t live_on(unsigned short port, const std::set<std::string>& agents) {
  const auto tasks = live_tasks(port);
  return static_cast<std::size_t>(std::count_if(
      tasks.begin(), tasks.end(), [&](const Task& t) { return agents.contains(t.agent_id); }));
}

// Watches the master every 10 ms in the background: the fewest RUNNING tasks and the first
// violation of the one-per-agent and N + surge invariants.
class CapacityWatch {
 public:
  CapacityWatch(unsigned short port, std::size_t limit)
      : thread_([this, port, limit] {
          while (!stop_) {
            const auto running = running_tasks(port).size();
            fewest_ = std::min(fewest_.load(), running);
            if (auto violation = invariant_violation(port, limit);
                !violation.empty() && violation_.empty()) {
              violation_ = violation;
            }
            std::this_thread::sleep_for(10ms);
          }
        }) {}
  ~CapacityWatch() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  std::size_t fewest() const { return fewest_; }
  const std::string& violation() const { return violation_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> fewest_{SIZE_MAX};
  std::string violation_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("evacuate: tasks leave before DOWN, replacement first, earliest window first") {
  SimProcess sim(with(sim_flags, {"--agents=6"}));
  Framework framework({master_flag(sim), "--num_tasks=3"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 3; }));
  const auto before = running_tasks(sim.port());
  const std::string later = before[0].agent_id;
  const std::string sooner = before[1].agent_id;

  // N, one surge task, and one old task still being killed (not part of the surge): the sim
  // kills (200 ms) faster than it launches (300 ms), so two kills never overlap here.
  CapacityWatch watch(sim.port(), 3 + 1 + 1);
  schedule_windows(sim.port(), {{{later}, 40s}, {{sooner}, 30s}});
  // The first replacement to start is the one for the sooner window.
  std::string first_move;
  REQUIRE(eventually([&] {
    const auto state = framework.state();  // kept: the loop iterates into it
    for (const auto& move : state.at("planned_moves").as_array()) {
      const std::string status(move.at("status").as_string());
      if (status.starts_with("replacement")) {
        first_move = std::string(move.at("agent_id").as_string());
        return true;
      }
    }
    return false;
  }));
  CHECK(first_move == sooner);
  REQUIRE(eventually([&] {
    return live_on(sim.port(), {later, sooner}) == 0 && running_tasks(sim.port()).size() == 3;
  }));
  watch.finish();
  CHECK(watch.violation() == "");
  CHECK(watch.fewest() == 3);  // never below N, during either move

  machine_down(sim.port(), {later, sooner});
  CHECK(master_metric(sim.port(), "master/tasks_lost") == 0);
  CHECK(framework.metric("tasks_caught_by_down") == 0);
  CHECK(framework.metric("replacements_launched") == 2);
  CHECK(framework.metric("evacuations") == 2);
  CHECK(framework.metric("min_running_tasks") == 3);
  CHECK(framework.metric("kill_first_moves") == 0);
  CHECK(framework.metric("evacuation_secs_max") < 10);
  CHECK(framework.state().at("planned_moves").as_array().empty());
  // Every call the framework sent was taken: no 4xx (a RECONCILE without its body once was).
  CHECK(framework.process().stderr_text().find(" answered 4") == std::string::npos);
}

TEST_CASE(
    "evacuate: no safe capacity is reported, and kill-first happens only within "
    "--max_unavailable") {
  for (const std::string unavailable : {"0", "1"}) {
    CAPTURE(unavailable);
    // Two agents, two tasks: there is nowhere to move to.
    SimProcess sim(with(sim_flags, {"--agents=2"}));
    Framework framework({master_flag(sim), "--num_tasks=2", "--min_lead_time=6secs",
                         "--max_unavailable=" + unavailable});
    REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
    const std::string doomed = running_tasks(sim.port()).front().agent_id;
    // The deadline (window - 6 s lead time) comes 2 s after the schedule.
    schedule_windows(sim.port(), {{{doomed}, 8s}});
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
      CHECK(running_tasks(sim.port()).size() == 2);
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
      machine_down(sim.port(), {doomed});
      REQUIRE(eventually([&] { return framework.metric("tasks_caught_by_down") == 1; }));
      CHECK(framework.metric("sleepers_lost_abnormally") == 0);
      CHECK(framework.metric("inverse_offers_received") <= 3);
    } else {
      // Killed before the window, and not put back on the machine it left.
      REQUIRE(eventually([&] { return live_on(sim.port(), {doomed}) == 0; }));
      CHECK(framework.metric("kill_first_moves") == 1);
      std::this_thread::sleep_for(1s);
      CHECK(live_on(sim.port(), {doomed}) == 0);
      CHECK(running_tasks(sim.port()).size() == 1);
      machine_down(sim.port(), {doomed});
      CHECK(master_metric(sim.port(), "master/tasks_lost") == 0);
      CHECK(framework.metric("tasks_caught_by_down") == 0);
    }
  }
}

TEST_CASE("evacuate: a machine DOWN with no time to move is planned: relaunched at once") {
  // Three agents, two tasks; the free agent is also being maintained, so the task has nowhere
  // safe to go before its machine goes DOWN.
  SimProcess sim(with(sim_flags, {"--agents=3"}));
  Framework framework({master_flag(sim), "--num_tasks=2", "--min_lead_time=60secs"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
  const auto tasks = running_tasks(sim.port());
  std::string free_agent;
  const auto master = master_state(sim.port());
  for (const auto& agent : master.at("slaves").as_array()) {
    const std::string id(agent.at("id").as_string());
    if (id != tasks[0].agent_id && id != tasks[1].agent_id) {
      free_agent = id;
    }
  }
  schedule_windows(sim.port(), {{{tasks[0].agent_id}, 30s}, {{free_agent}, 45s}});
  REQUIRE(eventually([&] {
    const auto state = framework.state();
    return !state.at("planned_moves").as_array().empty();
  }));
  const auto down_at = std::chrono::steady_clock::now();
  machine_down(sim.port(), {tasks[0].agent_id});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
  const auto relaunch = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - down_at);
  MESSAGE("machine DOWN to N running again: " << relaunch.count() << " ms");
  // Within seconds, not the 600 s of a decline filter (generous for a loaded CI machine).
  CHECK(relaunch < 6s);
  CHECK(framework.metric("tasks_caught_by_down") == 1);
  CHECK(framework.metric("sleepers_lost_abnormally") == 0);
  bool marked = false;
  const auto state = framework.state();
  for (const auto& agent : state.at("agents").as_array()) {
    marked = marked || (agent.at("id").as_string() == tasks[0].agent_id.c_str() &&
                        agent.as_object().contains("lost") && agent.at("lost") == "down");
  }
  CHECK(marked);
}

TEST_CASE("/health: 200 with N running, 503 with the reason otherwise") {
  SUBCASE("no master") {
    Framework framework({"--master=127.0.0.1:1", "--num_tasks=2"});
    const auto reply = framework.get("/health");
    CHECK(reply.status == 503);
    CHECK(reply.body == "not subscribed to a master; 0 of 2 tasks running\n");
  }
  SUBCASE("subscribed, tasks running") {
    SimProcess sim(with(sim_flags, {"--agents=2"}));
    Framework framework({master_flag(sim), "--num_tasks=2"});
    REQUIRE(eventually([&] { return framework.get("/health").status == 200; }));
    CHECK(framework.get("/health").body == "subscribed; 2 of 2 tasks running\n");
    CHECK(framework.get("/nowhere").status == 404);
  }
}

TEST_CASE("evacuate: drained and vanished agents are planned losses, relaunched elsewhere") {
  struct Case {
    std::string name;
    std::string counter;
  };
  for (const auto& [name, counter] : std::vector<Case>{{"DRAIN_AGENT", "tasks_drained"},
                                                       {"DRAIN_AGENT, mark_gone", "tasks_drained"},
                                                       {"vanished", "tasks_lost_with_agent"}}) {
    CAPTURE(name);
    SimProcess sim(with(
        sim_flags, {"--agents=3", "--agent_ping_timeout=100ms", "--max_agent_ping_timeouts=2"}));
    Framework framework({master_flag(sim), "--num_tasks=2"});
    REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
    const std::string agent = running_tasks(sim.port()).front().agent_id;
    const auto taken_at = std::chrono::steady_clock::now();
    if (name == "vanished") {
      const auto reply = request(
          sim.port(), {"POST", "/sim/agents/disconnect", {}, R"({"agent_id":")" + agent + R"("})"});
      REQUIRE(reply.status == 200);
    } else {
      const std::string gone = name.ends_with("mark_gone") ? "true" : "false";
      const auto reply = request(
          sim.port(), {"POST",
                       "/api/v1",
                       {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":")" + agent +
                           R"("},"mark_gone":)" + gone + "}}"});
      REQUIRE(reply.status == 200);
    }
    REQUIRE(eventually([&] { return framework.metric(counter) == 1; }));
    REQUIRE(eventually([&] {
      const auto tasks = running_tasks(sim.port());
      return tasks.size() == 2 && live_on(sim.port(), {agent}) == 0;
    }));
    const auto back = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - taken_at);
    MESSAGE(name << ": agent taken to N running elsewhere: " << back.count() << " ms");
    CHECK(framework.metric("sleepers_lost_abnormally") == 0);
    CHECK(framework.metric("tasks_caught_by_down") == 0);
  }
}
