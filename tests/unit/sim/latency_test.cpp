// The simulated executor's latencies: fixed by default, spread by --task_launch_jitter and
// --task_kill_jitter, and the same in every replay with the same seed.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

struct Delays {
  std::map<std::string, Duration> launch;  // task id -> launch to TASK_RUNNING
  std::map<std::string, Duration> kill;    // task id -> KILL to TASK_KILLED
};

// Runs the clock to the next wakeup and acknowledges every update that arrived; returns them.
std::vector<v1::TaskStatus> step(Harness& h, const Harness::Framework& framework) {
  const auto next = h.cluster().next_wakeup();
  REQUIRE(next.has_value());
  h.run_until(*next);
  const auto updates = updates_in(h.take(framework.connection));
  for (const auto& status : updates) {
    h.handle(acknowledge(framework.id, status));
  }
  return updates;
}

// One task per agent, all launched at the same instant and killed together once all run, with
// every update acknowledged at once: how long each task took to run and to die.
Delays measure(const Config& config) {
  Harness h(config);
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == config.agents);

  Delays delays;
  const Time launched_at = h.now();
  for (const auto& offer : offers) {
    h.handle(launch(framework.id, {offer.id().value()},
                    {command_task("task-" + offer.hostname(), offer.agent_id().value())}));
  }
  for (const auto& status : updates_in(h.take(framework.connection))) {
    REQUIRE(status.state() == v1::TASK_STARTING);
    h.handle(acknowledge(framework.id, status));
  }
  // A latency of zero reports TASK_RUNNING at the launch instant, from the next advance.
  for (int i = 0; delays.launch.size() < offers.size(); ++i) {
    REQUIRE(i < 10'000);
    for (const auto& status : step(h, framework)) {
      if (status.state() == v1::TASK_RUNNING) {
        delays.launch[status.task_id().value()] = h.now() - launched_at;
      }
    }
  }

  const Time killed_at = h.now();
  for (const auto& [task_id, delay] : delays.launch) {
    h.handle(kill(framework.id, task_id));
  }
  for (int i = 0; delays.kill.size() < offers.size(); ++i) {
    REQUIRE(i < 10'000);
    for (const auto& status : step(h, framework)) {
      if (status.state() == v1::TASK_KILLED) {
        delays.kill[status.task_id().value()] = h.now() - killed_at;
      }
    }
  }
  return delays;
}

Config cluster(std::uint64_t seed, Duration launch_latency, Duration launch_jitter,
               Duration kill_latency, Duration kill_jitter) {
  Config config = test_config();
  config.agents = 20;
  config.seed = seed;
  config.launch_latency = launch_latency;
  config.launch_jitter = launch_jitter;
  config.kill_latency = kill_latency;
  config.kill_jitter = kill_jitter;
  return config;
}

std::set<Duration> distinct(const std::map<std::string, Duration>& delays) {
  std::set<Duration> out;
  for (const auto& [task_id, delay] : delays) {
    out.insert(delay);
  }
  return out;
}

TEST_CASE("without jitter every task takes exactly the configured latencies") {
  const auto delays = measure(cluster(7, seconds(2), {}, seconds(1), {}));
  CHECK(distinct(delays.launch) == std::set<Duration>{seconds(2)});
  CHECK(distinct(delays.kill) == std::set<Duration>{seconds(1)});
}

TEST_CASE("jittered latencies spread over latency plus or minus jitter") {
  const auto delays = measure(cluster(7, seconds(2), seconds(1), seconds(1), milliseconds(500)));
  const auto launch = distinct(delays.launch);
  const auto kill = distinct(delays.kill);
  // Nanosecond draws: twenty tasks, twenty different latencies.
  CHECK(launch.size() == 20);
  CHECK(kill.size() == 20);
  CHECK(*launch.begin() >= seconds(1));
  CHECK(*launch.rbegin() <= seconds(3));
  CHECK(*kill.begin() >= milliseconds(500));
  CHECK(*kill.rbegin() <= milliseconds(1500));
  // Spread over the range, not bunched at one end (fixed for seed 7: no flakiness).
  CHECK(*launch.begin() < milliseconds(1500));
  CHECK(*launch.rbegin() > milliseconds(2500));
  CHECK(*kill.begin() < milliseconds(750));
  CHECK(*kill.rbegin() > milliseconds(1250));
}

TEST_CASE("the same seed replays the same latencies and another seed draws others") {
  const auto first = measure(cluster(7, seconds(2), seconds(1), seconds(1), milliseconds(500)));
  const auto again = measure(cluster(7, seconds(2), seconds(1), seconds(1), milliseconds(500)));
  CHECK(first.launch == again.launch);
  CHECK(first.kill == again.kill);
  const auto other = measure(cluster(8, seconds(2), seconds(1), seconds(1), milliseconds(500)));
  CHECK(first.launch != other.launch);
  CHECK(first.kill != other.kill);
}

TEST_CASE("a jitter larger than the latency never makes a latency negative") {
  const auto delays =
      measure(cluster(7, milliseconds(100), seconds(1), milliseconds(100), seconds(1)));
  for (const auto* map : {&delays.launch, &delays.kill}) {
    const auto spread = distinct(*map);
    CHECK(*spread.begin() == Duration{0});  // clamped: about half the draws fall below zero
    CHECK(*spread.rbegin() <= milliseconds(1100));
    CHECK(spread.size() > 5);
  }
}

}  // namespace
}  // namespace iof::sim::test
