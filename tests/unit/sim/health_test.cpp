// Health checks in the pure model: the agent's checker and the command executor's reaction to
// it, with upstream's timing (delay, interval, grace period, consecutive failures) on the
// model's clock, /sim/tasks/health's broken services, and probe results under --execute.
#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;
using Reason = v1::TaskStatus::Reason;

struct CheckTiming {
  double delay = 5;
  double interval = 10;
  double grace = 0;
  std::uint32_t failures = 3;
};

v1::TaskInfo checked_task(const std::string& task_id, const std::string& agent_id,
                          const CheckTiming& timing) {
  v1::TaskInfo task = command_task(task_id, agent_id);
  auto* check = task.mutable_health_check();
  check->set_type(v1::HealthCheck::TCP);
  check->mutable_tcp()->set_port(31000);
  check->set_delay_seconds(timing.delay);
  check->set_interval_seconds(timing.interval);
  check->set_grace_period_seconds(timing.grace);
  check->set_consecutive_failures(timing.failures);
  return task;
}

// Every update that reaches the framework, each acknowledged as it arrives (the master sends
// the next one of a task only then).
std::vector<v1::TaskStatus> acknowledged_updates(Harness& h, const Offered& o) {
  std::vector<v1::TaskStatus> out;
  for (auto updates = updates_in(h.take(o.framework.connection)); !updates.empty();
       updates = updates_in(h.take(o.framework.connection))) {
    for (const auto& update : updates) {
      out.push_back(update);
      h.handle(acknowledge(o.framework.id, update));
    }
  }
  return out;
}

// Runs the clock for `duration` in steps of 100 ms, acknowledging each update as it arrives
// (so that none is resent), and returns them.
std::vector<v1::TaskStatus> run_acking(Harness& h, const Offered& o, Duration duration) {
  std::vector<v1::TaskStatus> out;
  const Time until = h.now() + duration;
  while (h.now() < until) {
    h.run_until(std::min(until, h.now() + Duration(milliseconds(100))));
    for (auto& update : acknowledged_updates(h, o)) {
      out.push_back(std::move(update));
    }
  }
  return out;
}

// Launches the checked task t1 and runs it to an acknowledged TASK_RUNNING (simulated: after
// the 100 ms launch latency).
v1::TaskStatus run_checked(Harness& h, const Offered& o, const CheckTiming& timing) {
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {checked_task("t1", o.offer.agent_id().value(), timing)}));
  const auto updates = run_acking(h, o, milliseconds(100));

  REQUIRE(updates.size() == 2);
  REQUIRE(updates[1].state() == v1::TASK_RUNNING);
  CHECK(!updates[1].has_healthy());
  return updates[1];
}

void check_health_update(const v1::TaskStatus& update, bool healthy) {
  CHECK(update.state() == v1::TASK_RUNNING);
  REQUIRE(update.has_healthy());
  CHECK(update.healthy() == healthy);
  CHECK(update.reason() == v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  CHECK(update.source() == v1::TaskStatus::SOURCE_EXECUTOR);
}

TEST_CASE("health: the first check, delay_seconds after TASK_RUNNING, makes the task healthy") {
  Harness h(one_agent());
  const auto o = offered(h);
  const auto running = run_checked(h, o, {.delay = 5, .interval = 10});
  CHECK(run_acking(h, o, milliseconds(4900)).empty());
  const auto updates = run_acking(h, o, milliseconds(200));

  REQUIRE(updates.size() == 1);
  check_health_update(updates[0], true);
  // The executor repeats its latest status: same container, a new uuid and time.
  CHECK(same(updates[0].container_status(), running.container_status()));
  CHECK(updates[0].executor_id().value() == "t1");
  CHECK(updates[0].uuid() != running.uuid());
  CHECK(updates[0].timestamp() > running.timestamp());
  // Passing checks after the first say nothing.
  CHECK(run_acking(h, o, seconds(60)).empty());
}

TEST_CASE("health: a slow task's failures are ignored in the grace period, then each reported") {
  Config config = one_agent();
  config.task_ready_delay = seconds(25);
  Harness h(config);
  const auto o = offered(h);
  // Checks at 0, 10, 20 and 30 s after TASK_RUNNING; the grace period covers the first two.
  run_checked(h, o, {.delay = 0, .interval = 10, .grace = 12, .failures = 5});
  CHECK(run_acking(h, o, seconds(15)).empty());
  auto updates = run_acking(h, o, seconds(10));

  REQUIRE(updates.size() == 1);
  check_health_update(updates[0], false);
  updates = run_acking(h, o, seconds(10));

  REQUIRE(updates.size() == 1);
  check_health_update(updates[0], true);
  // /master/state keeps the latest RUNNING status, healthy.
  CHECK(h.cluster().state_json().find("\"healthy\":true") != std::string::npos);
}

TEST_CASE("health: a broken service reports healthy=false at every check, then is killed") {
  Harness h(one_agent());
  const auto o = offered(h, framework_info(0, {Capability::TASK_KILLING_STATE}));
  run_checked(h, o, {.delay = 1, .interval = 10, .failures = 3});
  REQUIRE(run_acking(h, o, seconds(2)).size() == 1);  // healthy

  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, false).value() == 1);
  auto updates = run_acking(h, o, seconds(20));  // the checks at 11 s and 21 s
  REQUIRE(updates.size() == 2);
  check_health_update(updates[0], false);
  check_health_update(updates[1], false);
  // The third failure in a row: the executor kills the task (the kill takes 100 ms).
  updates = run_acking(h, o, seconds(10));
  REQUIRE(updates.size() == 3);
  check_health_update(updates[0], false);
  CHECK(updates[1].state() == v1::TASK_KILLING);
  CHECK(!updates[1].has_healthy());
  CHECK(updates[2].state() == v1::TASK_KILLED);
  CHECK(updates[2].timestamp() - updates[1].timestamp() == doctest::Approx(0.1));
  CHECK(updates[2].message() == "Command terminated with signal Terminated");
  REQUIRE(updates[2].has_healthy());
  CHECK(!updates[2].healthy());
  CHECK(!updates[2].has_reason());
  CHECK(run_acking(h, o, seconds(60)).empty());
}

TEST_CASE("health: a service healthy again before the limit reports healthy=true once") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_checked(h, o, {.delay = 1, .interval = 10, .failures = 3});
  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, false).value() == 1);
  // Checks at 1 and 11 s: two failures, with no pass yet and no grace period.
  auto updates = run_acking(h, o, seconds(12));

  REQUIRE(updates.size() == 2);
  check_health_update(updates[1], false);
  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, true).has_value());
  updates = run_acking(h, o, seconds(40));

  REQUIRE(updates.size() == 1);
  check_health_update(updates[0], true);
}

TEST_CASE("health: a KILL pauses the checker, and a killed task ends without healthy") {
  Harness h(one_agent());
  const auto o = offered(h, framework_info(0, {Capability::TASK_KILLING_STATE}));
  run_checked(h, o, {.delay = 1, .interval = 1, .failures = 100});
  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, false).has_value());
  REQUIRE(run_acking(h, o, milliseconds(1500)).size() == 1);
  h.handle(kill(o.framework.id, "t1"));
  const auto updates = run_acking(h, o, seconds(10));

  REQUIRE(updates.size() == 2);
  CHECK(updates[0].state() == v1::TASK_KILLING);
  CHECK(updates[1].state() == v1::TASK_KILLED);
  CHECK(!updates[1].has_healthy());
}

TEST_CASE("health: /sim/tasks/health selects by agent, and names what it cannot find") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_checked(h, o, {});
  const std::string agent = o.offer.agent_id().value();
  CHECK(h.cluster().set_task_health({"", "", agent}, false).value() == 1);
  CHECK(h.cluster().set_task_health({"other", "", agent}, false).value() == 0);
  CHECK(h.cluster().set_task_health({"", "", "nope"}, false).error().message == "No agent 'nope'");
  CHECK(h.cluster().set_task_health({o.framework.id, "t9", ""}, false).error().message ==
        "No running task 't9' of framework '" + o.framework.id + "'");

  Harness plain(one_agent());
  const auto p = offered(plain);
  run_task(plain, p);  // no health check
  CHECK(plain.cluster().set_task_health({p.framework.id, "t1", ""}, false).error().message ==
        "Task 't1' of framework '" + p.framework.id + "' has no health check");
  CHECK(plain.cluster().set_task_health({"", "", agent}, false).value() == 0);
}

TEST_CASE("health: under --execute the shell's probes decide, and a broken service fails") {
  Config config = one_agent();
  config.execute = true;
  Harness h(config);
  const auto o = offered(h);
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {checked_task("t1", o.offer.agent_id().value(), {.delay = 1, .failures = 2})}));
  REQUIRE(acknowledged_updates(h, o).size() == 1);                  // STARTING
  h.cluster().health_checked(o.framework.id, "t1", true, h.now());  // before RUNNING: ignored
  h.cluster().task_started(o.framework.id, "t1", h.now());
  REQUIRE(acknowledged_updates(h, o).size() == 1);  // RUNNING
  CHECK(run_acking(h, o, seconds(60)).empty());
  h.cluster().health_checked(o.framework.id, "t1", true, h.now());
  auto updates = acknowledged_updates(h, o);
  REQUIRE(updates.size() == 1);
  check_health_update(updates[0], true);

  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, false).has_value());
  (void)h.cluster().take_execution_requests();
  h.cluster().health_checked(o.framework.id, "t1", true, h.now());
  h.cluster().health_checked(o.framework.id, "t1", true, h.now());
  updates = acknowledged_updates(h, o);
  REQUIRE(updates.size() == 2);
  check_health_update(updates[1], false);
  // The second failure in a row: the executor kills the process with the default grace period,
  // and its end says healthy=false.
  const auto requests = h.cluster().take_execution_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].kind == ExecutionRequest::Kind::kill);
  CHECK(requests[0].grace_period == seconds(3));
  h.cluster().task_exited(o.framework.id, "t1", v1::TASK_KILLED,
                          "Command terminated with signal Terminated", h.now());
  updates = acknowledged_updates(h, o);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_KILLED);
  CHECK(!updates[0].healthy());
}

TEST_CASE("health: a recovered master keeps the agents' checkers where they were") {
  Harness h(one_agent());
  const auto o = offered(h, framework_info(3600));
  run_checked(h, o, {.delay = 1, .interval = 10, .failures = 2});
  REQUIRE(run_acking(h, o, seconds(2)).size() == 1);  // healthy
  REQUIRE(h.cluster().set_task_health({o.framework.id, "t1", ""}, false).has_value());
  REQUIRE(run_acking(h, o, seconds(10)).size() == 1);  // the first failure

  auto recovered = Cluster::recover(h.cluster().config(), h.cluster().registry(), h.now());
  REQUIRE(recovered.has_value());
  Harness after(std::move(*recovered), h.now());
  v1::FrameworkInfo info = framework_info(3600);
  info.mutable_id()->set_value(o.framework.id);
  const Offered again{after.add_framework(info), o.offer};
  REQUIRE(again.framework.id == o.framework.id);
  // The second failure in a row kills it.
  const auto updates = run_acking(after, again, seconds(11));
  REQUIRE(updates.size() >= 2);
  check_health_update(updates[0], false);
  CHECK(updates.back().state() == v1::TASK_KILLED);
}

}  // namespace
}  // namespace iof::sim::test
