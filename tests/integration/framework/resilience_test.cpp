// The framework survives what a real cluster does to it: lost and stalled streams, a master
// answering 503, a leader change behind a 307, a master restart, its own crash and restart, and
// a master that removed it. Each scenario checks the invariants (never two tasks on an agent,
// never more than N + 1 during a move, every update acknowledged) and prints the measured time
// from the fault to the re-subscription.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>

#include "framework_fixture.hpp"
#include "invariants.hpp"
#include "zk_server.hpp"

using namespace iof::test::framework;

namespace {

using Clock = std::chrono::steady_clock;

// Polls `condition` every 10 ms; the time it took, or nullopt after `limit`. Meanwhile checks
// the invariants on `port` with at most `limit_tasks` live tasks.
template <typename Condition>
std::optional<std::chrono::milliseconds> time_until(Condition condition, unsigned short port,
                                                    std::size_t limit_tasks,
                                                    std::chrono::milliseconds limit = 20s) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (port != 0) {
      const auto violation = invariant_violation(port, limit_tasks);
      CHECK_MESSAGE(violation.empty(), violation);
    }
    if (condition()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

// Every task the master ever knew of, finished ones included: a duplicate launched and killed
// between two polls is still in this set.
std::set<std::string> every_task(unsigned short port) {
  std::set<std::string> out;
  for (const auto& life : task_history(port)) {
    out.insert(life.id);
  }
  return out;
}

// After a re-subscription come reconciliation and new offers, where a duplicate launch would
// happen: give them time, then compare the master's whole history with the tasks before.
void no_task_added(unsigned short port, const std::set<std::string>& before) {
  std::this_thread::sleep_for(1s);
  CHECK(every_task(port) == before);
  CHECK(history_violation(task_history(port), before.size()) == "");
}

void report(const char* scenario, std::chrono::milliseconds took) {
  MESSAGE(std::string(scenario) << ": fault to re-subscribed in " << took.count() << " ms");
  std::printf("resilience: %s: fault to re-subscribed in %lld ms\n", scenario,
              static_cast<long long>(took.count()));
}

// Every update the master sent has been acknowledged (it resends unacknowledged ones).
void all_acknowledged(unsigned short port) {
  CHECK(eventually([&] { return master_metric(port, "sim/updates_unacknowledged") == 0; }));
}

}  // namespace

TEST_CASE("a dropped event stream: re-subscribed after the one-second backoff, tasks kept") {
  if (skipped_on_real_mesos("a real master ends a stream only when it stops or fails over; the "
                            "frozen-master scenario covers re-subscription")) {
    return;
  }
  SimProcess sim({"--agents=4", "--allocation_interval=100ms"});
  Framework framework({master_flag(sim), "--num_tasks=3"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 3; }));
  const auto before = every_task(sim.port());
  REQUIRE(framework.metric("subscriptions") == 1);

  REQUIRE(request(sim.port(), {"POST", "/sim/streams/drop", {}, ""}).status == 200);
  const auto took =
      time_until([&] { return framework.metric("subscriptions") == 2; }, sim.port(), 4);
  REQUIRE(took);
  report("dropped stream", *took);
  CHECK(*took < 3s);
  no_task_added(sim.port(), before);
  CHECK(framework.metric("tasks_launched") == 3);
  all_acknowledged(sim.port());
}

TEST_CASE("a stalled event stream is abandoned after --heartbeat_misses silent intervals") {
  if (skipped_on_real_mesos("mesos-sim stalls the stream alone; on a real master the frozen-master "
                            "scenario stalls it with SIGSTOP")) {
    return;
  }
  SimProcess sim({"--agents=3", "--allocation_interval=100ms", "--heartbeat_interval=1secs"});
  Framework framework({master_flag(sim), "--num_tasks=2", "--heartbeat_misses=2"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
  const auto before = every_task(sim.port());

  REQUIRE(request(sim.port(), {"POST", "/sim/streams/stall", {}, ""}).status == 200);
  const auto took =
      time_until([&] { return framework.metric("subscriptions") == 2; }, sim.port(), 3);
  REQUIRE(took);
  report("stalled stream (2 x 1 s heartbeats)", *took);
  // Two silent intervals, then the one-second backoff; never before the silence is real.
  CHECK(*took >= 1900ms);
  CHECK(*took < 5s);
  no_task_added(sim.port(), before);
  all_acknowledged(sim.port());
}

TEST_CASE("a master answering 503 is retried with backoff until it serves again") {
  if (skipped_on_real_mesos(
          "a real master answers 503 only while it recovers, too briefly to hold")) {
    return;
  }
  SimProcess sim({"--agents=3", "--allocation_interval=100ms"});
  Framework framework({master_flag(sim), "--num_tasks=2", "--max_backoff=2secs"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 2; }));
  const auto before = every_task(sim.port());

  REQUIRE(request(sim.port(), {"POST", "/sim/unavailable", {}, R"({"seconds":3})"}).status == 200);
  const auto took =
      time_until([&] { return framework.metric("subscriptions") == 2; }, sim.port(), 3);
  REQUIRE(took);
  report("503 for 3 s (--max_backoff=2secs)", *took);
  CHECK(*took >= 2900ms);
  // At most one capped backoff (2 s, +20 % jitter) after the master is back, plus a second for
  // a loaded machine.
  CHECK(*took < 3s + 2400ms + 1s);
  CHECK(framework.process().stop() == 0);
  CHECK(framework.process().stderr_text().find("answered 503: Master has not finished recovery") !=
        std::string::npos);
  no_task_added(sim.port(), before);
}

TEST_CASE("a leader change: the standby's 307 leads to the new master, same framework and tasks") {
  if (skipped_on_real_mesos("a real standby that redirects needs several masters sharing a "
                            "replicated log; the master-restart scenario covers real failover")) {
    return;
  }
  TempDir dir;
  auto leader = std::make_unique<SimProcess>(std::vector<std::string>{
      "--agents=4", "--allocation_interval=100ms", "--work_dir=" + dir.path()});
  const std::string leader_address = "127.0.0.1:" + std::to_string(leader->port());
  SimProcess standby({"--leader=" + leader_address});
  // Only the standby is named: the framework finds the leader through its redirect.
  Framework framework({"--master=127.0.0.1:" + std::to_string(standby.port()), "--num_tasks=2"});
  REQUIRE(eventually([&] { return running_tasks(leader->port()).size() == 2; }));
  const auto before = every_task(leader->port());
  const auto id = framework_id_of(leader->port());

  // The leader goes away; a new one recovers its registry, and the standby points there.
  const auto fault = Clock::now();
  CHECK(leader->stop() == 0);
  leader.reset();
  SimProcess next({"--allocation_interval=100ms", "--work_dir=" + dir.path()});
  REQUIRE(
      request(standby.port(), {"POST",
                               "/sim/leader",
                               {},
                               R"({"leader":"127.0.0.1:)" + std::to_string(next.port()) + R"("})"})
          .status == 200);
  REQUIRE(time_until([&] { return framework.metric("subscriptions") == 2; }, next.port(), 3));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - fault);
  report("leader change behind a 307", took);
  CHECK(took < 5s);
  CHECK(framework_id_of(next.port()) == id);
  CHECK(eventually([&] { return running_tasks(next.port()).size() == before.size(); }));
  no_task_added(next.port(), before);
  CHECK(framework.metric("tasks_launched") == 2);
  all_acknowledged(next.port());
  CHECK(framework.process().stop() == 0);
  CHECK(framework.process().stderr_text().find("following its redirect to http://127.0.0.1:" +
                                               std::to_string(next.port())) != std::string::npos);
}

TEST_CASE("a master restart with its registry: the framework fails over onto it") {
  // A real master keeps its registry in a replicated log and is found through ZooKeeper, by the
  // agents and by the framework (--master=zk://); mesos-sim keeps it in its --work_dir.
  iof::test::ClusterOptions options;
  options.agents = 3;
  options.durable_master = true;
  auto cluster = start_cluster(options);
  const auto port = cluster->port();
  Framework framework({cluster->master_flag(), "--num_tasks=2"});
  REQUIRE(eventually([&] { return running_tasks(port).size() == 2; }));
  const auto before = every_task(port);
  const auto id = framework_id_of(port);

  const auto fault = Clock::now();
  cluster->restart_master();
  REQUIRE(time_until([&] { return framework.metric("subscriptions") == 2; }, port, 3,
                     20s * patience()));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - fault);
  report("master restart", took);
  // A real master first recovers its replicated log and wins the election.
  CHECK(took < 5s * patience());
  CHECK(framework_id_of(port) == id);
  no_task_added(port, before);
  CHECK(eventually([&] { return cluster->unacknowledged_updates() == 0; }));
}

TEST_CASE("a framework the master removed exits 1, or starts over with --allow_new_framework") {
  TempDir dir;
  const std::string state_file = dir.path("state.json");
  iof::test::ClusterOptions options;
  options.agents = 3;
  auto cluster = start_cluster(options);
  const auto port = cluster->port();
  std::string id;
  {
    // A zero failover timeout: the master removes the framework as soon as it disconnects.
    Framework first(
        {cluster->master_flag(), "--failover_timeout=0secs", "--state_file=" + state_file});
    REQUIRE(eventually([&] { return running_tasks(port).size() == 1; }));
    id = framework_id_of(port);
    CHECK(first.process().stop() == 0);
  }
  // Removed: listed among the completed frameworks, by either master.
  REQUIRE(eventually([&] {
    const auto state = master_state(port);
    const auto& completed = state.at("completed_frameworks").as_array();
    return std::any_of(completed.begin(), completed.end(),
                       [&](const auto& framework) { return framework.at("id") == id.c_str(); });
  }));

  ChildProcess refused(IOF_FRAMEWORK_BINARY, {cluster->master_flag(), "--state_file=" + state_file,
                                              "--http_address=127.0.0.1:0"});
  CHECK(refused.wait(10s * patience()) == 1);
  CHECK(refused.stderr_text().find("The master removed framework " + id) != std::string::npos);
  CHECK(refused.stderr_text().find("--allow_new_framework") != std::string::npos);
  CHECK(running_tasks(port).empty());

  Framework renewed(
      {cluster->master_flag(), "--state_file=" + state_file, "--allow_new_framework"});
  REQUIRE(eventually([&] { return running_tasks(port).size() == 1; }));
  CHECK(framework_id_of(port) != id);
  CHECK(renewed.metric("subscriptions") == 1);
}

TEST_CASE("--master=file:// with a list: a dead first master is skipped") {
  TempDir dir;
  iof::test::ClusterOptions options;
  options.agents = 2;
  auto cluster = start_cluster(options);
  const std::string file = dir.path("master");
  std::ofstream(file) << "127.0.0.1:" << iof::test::free_loopback_port()
                      << ",127.0.0.1:" << cluster->port() << "\n";
  Framework framework({"--master=file://" + file, "--num_tasks=1"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 1; }));
  CHECK(framework.metric("subscriptions") == 1);
}

TEST_CASE("a damaged or unwritable --state_file stops the framework with the reason") {
  if (skipped_on_real_mesos("the framework stops before it talks to any master")) {
    return;
  }
  TempDir dir;
  const std::string damaged = dir.path("state.json");
  std::ofstream(damaged) << "{\"version\":1,";
  ChildProcess refused(IOF_FRAMEWORK_BINARY,
                       {"--state_file=" + damaged, "--http_address=127.0.0.1:0"});
  CHECK(refused.wait(10s) == 1);
  CHECK(refused.stderr_text().find("The state file '" + damaged + "' is damaged") !=
        std::string::npos);

  // Nothing may launch unrecorded: a file that cannot be written ends the run before that.
  SimProcess sim({"--agents=2", "--allocation_interval=100ms"});
  ChildProcess unwritable(
      IOF_FRAMEWORK_BINARY,
      {master_flag(sim), "--state_file=/nonexistent/dir/state.json", "--http_address=127.0.0.1:0"});
  CHECK(unwritable.wait(10s) == 1);
  CHECK(unwritable.stderr_text().find("Cannot write the state file") != std::string::npos);
  CHECK(live_tasks(sim.port()).empty());
}
