// The inverse-offer-framework binary end to end against the mesos-sim binary over loopback: it
// keeps N tasks on distinct agents, moves one off a machine scheduled for maintenance, exits 1 on
// ERROR, tears down on SIGTERM, and runs with no cluster at all (--master=local).
#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "framework_fixture.hpp"
#include "invariants.hpp"

using namespace iof::test::framework;

TEST_CASE("a task leaves an agent scheduled for maintenance before its window, make-before-break") {
  iof::test::ClusterOptions options;
  options.agents = 3;
  auto cluster = start_cluster(options);
  Framework framework({cluster->master_flag(), "--num_tasks=1"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 1; }));
  const auto before = running_tasks(cluster->port()).front();
  schedule_maintenance(cluster->port(), before.agent_id);

  REQUIRE(eventually([&] {
    const auto tasks = running_tasks(cluster->port());
    return tasks.size() == 1 && tasks.front().agent_id != before.agent_id;
  }));
  CHECK(eventually([&] { return framework.metric("sleepers_killed") == 1; }));
  CHECK(framework.metric("sleepers_lost_abnormally") == 0);
  CHECK(framework.metric("inverse_offers_received") >= 1);
  CHECK(framework.metric("current_sleepers") == 1);
  // From the agents' own times: the old task was being killed only after its replacement had
  // started (two alive at once), and never more than N + --max_surge (1 + 1).
  const auto history = task_history(cluster->port());
  REQUIRE(history.size() == 2);
  CHECK(peak_alive(history) == 2);
  CHECK(history_violation(history, 2) == "");
}

TEST_CASE("an ERROR from the master exits 1 with its message") {
  if (skipped_on_real_mesos("mesos-sim stands in for a master whose --roles refuse the role")) {
    return;
  }
  SimProcess sim({"--roles=ops"});
  ChildProcess framework(IOF_FRAMEWORK_BINARY,
                         {master_flag(sim), "--role=web", "--http_address=127.0.0.1:0"});
  CHECK(framework.wait(10s) == 1);
  CHECK(framework.stderr_text().find(
            "Error: Roles { web } are not present in the master's --roles") != std::string::npos);
}

TEST_CASE("--master=local runs with no cluster, and its master takes maintenance") {
  if (skipped_on_real_mesos("the framework runs its own embedded master")) {
    return;
  }
  Framework framework({"--num_tasks=2", "--local_agents=4"});
  REQUIRE(framework.local_master_port() != 0);
  const auto master = framework.local_master_port();
  REQUIRE(eventually([&] { return running_tasks(master).size() == 2; }));
  CHECK(master_state(master).at("slaves").as_array().size() == 4);
  const auto moving = running_tasks(master).front();
  schedule_maintenance(master, moving.agent_id);
  CHECK(eventually(
      [&] {
        for (const auto& task : running_tasks(master)) {
          if (task.agent_id == moving.agent_id) {
            return false;
          }
        }
        return running_tasks(master).size() == 2;
      },
      5s));
  // Counted when the old task's TASK_KILLED arrives, which may come after the master shows it.
  CHECK(eventually([&] { return framework.metric("sleepers_killed") == 1; }));
  CHECK(framework.process().stop() == 0);
}

TEST_CASE("an unreachable master is retried every second, not a crash") {
  if (skipped_on_real_mesos("no master takes part")) {
    return;
  }
  // A port that was free a moment ago.
  unsigned short port = 0;
  {
    SimProcess gone({});
    port = gone.port();
  }
  Framework framework({"--master=127.0.0.1:" + std::to_string(port)});
  // The card's one second first, then a longer, jittered wait: waited for as they are logged,
  // not after a fixed sleep that a loaded machine may outlast.
  const std::regex second_wait("Subscribing again in (1[6-9]|2[0-4])[0-9]{2} ms");
  CHECK(eventually(
      [&] { return std::regex_search(framework.process().stderr_text(), second_wait); }));
  CHECK(framework.metric("subscribed") == 0);
  CHECK(framework.process().stop() == 0);
  const auto log = framework.process().stderr_text();
  CHECK(log.find("Failed to connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(log.find("Subscribing again in 1000 ms") != std::string::npos);
}

TEST_CASE("flag errors from the binary itself: exit 1, one line, a pointer to --help") {
  if (skipped_on_real_mesos("no master takes part")) {
    return;
  }
  for (const std::string flag : {"--num_tasks=0", "--master=nowhere", "--bogus"}) {
    CAPTURE(flag);
    ChildProcess framework(IOF_FRAMEWORK_BINARY, {flag});
    CHECK(framework.wait(10s) == 1);
    const auto text = framework.stderr_text();
    CHECK(text.starts_with("inverse-offer-framework: "));
    CHECK(text.find("Run 'inverse-offer-framework --help' for usage.") != std::string::npos);
  }
}

// IOF_EXTERNAL_MASTER=127.0.0.1:PORT runs the scenarios that need no emulator control against
// that master (for example a real mesos-master with agents); without it this case says so and
// does nothing.
