// A service that exits as soon as it starts, run for real by --master=local: with the crash-loop
// backoff the framework relaunches it after 1 s, 2 s, 4 s...; with the backoff turned off, the
// same run in the same test relaunches it as fast as the agent reports the failures. The peer
// run is what shows the bound means something.
#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "framework_fixture.hpp"

namespace {

using namespace iof::test::framework;

// Launches of one crash-looping task within `run`, with `backoff` as --crash_backoff.
double launches_within(std::chrono::seconds run, const std::string& backoff,
                       boost::json::object* state = nullptr) {
  Framework framework({"--master=local", "--num_tasks=1", "--local_agents=2",
                       "--task_command=sleep 0.1; exit 3", "--crash_backoff=" + backoff});
  std::this_thread::sleep_for(run);
  const double launched = framework.metric("tasks_launched");
  if (state != nullptr) {
    *state = framework.state();
  }
  CHECK(framework.process().stop() == 0);
  return launched;
}

}  // namespace

TEST_CASE("a task in a crash loop is relaunched after 1 s, 2 s, 4 s..., not in a storm") {
  if (skipped_on_real_mesos("the framework runs its own embedded master, which executes tasks")) {
    return;
  }
  boost::json::object state;
  const double with_backoff = launches_within(8s, "1secs", &state);
  const double without = launches_within(8s, "0secs");
  MESSAGE("launches in 8 s: " << with_backoff << " with the backoff, " << without << " without");
  // Launches at 0 s, then after each ~0.1 s run and a wait of 1 s, 2 s, 4 s: the 4th at ~7.3 s,
  // the 5th not before ~15 s. Without the backoff, REVIVE's rate limit (1 s) is the only bound.
  CHECK(with_backoff >= 3);
  CHECK(with_backoff <= 4);
  CHECK(without >= with_backoff + 3);
  const auto& backoff = state.at("crash_backoff").as_object();
  REQUIRE(backoff.at("slots").as_array().size() == 1);
  const auto& slot = backoff.at("slots").as_array()[0].as_object();
  CHECK(slot.at("slot").as_int64() == 0);
  CHECK(slot.at("failures").to_number<double>() >= with_backoff - 1);
}
