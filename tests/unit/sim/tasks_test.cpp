// Tasks in the cluster model: LAUNCH and its validation, the simulated command executor, the
// agent's status update stream (one unacknowledged update per task, resends), KILL, ACKNOWLEDGE
// and RECONCILE.
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

Config one_agent() {
  Config config = test_config();
  config.agents = 1;
  return config;
}

// A framework that holds the single agent's offer.
struct Offered {
  Harness::Framework framework;
  v1::Offer offer;
};

Offered offered(Harness& h, const v1::FrameworkInfo& info = framework_info()) {
  Offered out;
  out.framework = h.add_framework(info);
  h.settle();
  const auto offers = offers_in(h.take(out.framework.connection));
  REQUIRE(offers.size() == 1);
  out.offer = offers[0];
  return out;
}

// Launches `task_id` on the offer and returns its TASK_STARTING update.
v1::TaskStatus start(Harness& h, const Offered& o, const std::string& task_id,
                     const std::string& resource_text = "cpus:1;mem:128",
                     std::optional<double> refuse_seconds = std::nullopt) {
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {command_task(task_id, o.offer.agent_id().value(), resource_text)},
                  refuse_seconds));
  const auto updates = updates_in(h.take(o.framework.connection));
  REQUIRE(updates.size() == 1);
  REQUIRE(updates[0].state() == v1::TASK_STARTING);
  return updates[0];
}

// The single update that reached the framework, failing when there is not exactly one.
v1::TaskStatus single_update(Harness& h, const Harness::Framework& framework) {
  const auto updates = updates_in(h.take(framework.connection));
  REQUIRE(updates.size() == 1);
  return updates[0];
}

TEST_CASE("LAUNCH on an offer sends TASK_STARTING from the executor with a 16-byte uuid") {
  Harness h(one_agent());
  const auto o = offered(h);
  const auto status = start(h, o, "t1");
  CHECK(status.task_id().value() == "t1");
  CHECK(status.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(status.uuid().size() == 16);
  CHECK(status.agent_id().value() == o.offer.agent_id().value());
  CHECK(status.executor_id().value() == "t1");
  CHECK(status.timestamp() == doctest::Approx(static_cast<double>(h.now().count()) / 1e9));
}

TEST_CASE("TASK_RUNNING waits for the acknowledgement of TASK_STARTING") {
  Harness h(one_agent());
  const auto o = offered(h);
  const Time launched_at = h.now();
  const auto starting = start(h, o, "t1");

  SUBCASE("an unacknowledged TASK_STARTING holds TASK_RUNNING back") {
    h.run_for(seconds(5));
    CHECK(updates_in(h.take(o.framework.connection)).empty());
    h.handle(acknowledge(o.framework.id, starting));
    const auto running = single_update(h, o.framework);
    CHECK(running.state() == v1::TASK_RUNNING);
    CHECK(running.uuid().size() == 16);
    CHECK(running.uuid() != starting.uuid());
    CHECK(running.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  }

  SUBCASE("acknowledged at once, TASK_RUNNING comes launch_latency after the launch") {
    h.handle(acknowledge(o.framework.id, starting));
    h.run_until(launched_at + milliseconds(100) - nanoseconds(1));
    CHECK(updates_in(h.take(o.framework.connection)).empty());
    h.run_until(launched_at + milliseconds(100));
    CHECK(single_update(h, o.framework).state() == v1::TASK_RUNNING);
  }
}

TEST_CASE("an unacknowledged update is resent after status_update_retry, then twice as late") {
  Harness h(one_agent());
  const auto o = offered(h);
  const Time launched_at = h.now();
  const auto starting = start(h, o, "t1");

  const auto resend_at = [&](Time at) {
    h.run_until(at - milliseconds(1));
    CHECK(updates_in(h.take(o.framework.connection)).empty());
    h.run_until(at);
    const auto again = single_update(h, o.framework);
    CHECK(again.state() == v1::TASK_STARTING);
    CHECK(again.uuid() == starting.uuid());
  };
  resend_at(launched_at + seconds(10));
  resend_at(launched_at + seconds(30));
  resend_at(launched_at + seconds(70));

  // After the ACK, the next update goes at once and its resend starts from 10 s again.
  h.handle(acknowledge(o.framework.id, starting));
  const auto running = single_update(h, o.framework);
  CHECK(running.state() == v1::TASK_RUNNING);
  h.run_for(seconds(10) - milliseconds(1));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.run_for(milliseconds(1));
  CHECK(single_update(h, o.framework).uuid() == running.uuid());
}

TEST_CASE("an ACKNOWLEDGE with the wrong uuid or agent is ignored") {
  Harness h(one_agent());
  const auto o = offered(h);
  const Time launched_at = h.now();
  const auto starting = start(h, o, "t1");

  v1::TaskStatus wrong = starting;
  wrong.set_uuid(std::string(16, 'x'));
  h.handle(acknowledge(o.framework.id, wrong));
  wrong = starting;
  wrong.mutable_agent_id()->set_value("master-S99");
  h.handle(acknowledge(o.framework.id, wrong));

  h.run_until(launched_at + seconds(1));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  // Still unacknowledged: resent as usual.
  h.run_until(launched_at + seconds(10));
  CHECK(single_update(h, o.framework).uuid() == starting.uuid());
  h.handle(acknowledge(o.framework.id, starting));
  CHECK(single_update(h, o.framework).state() == v1::TASK_RUNNING);
}

TEST_CASE("a LAUNCH on an invalid offer answers TASK_LOST or TASK_DROPPED from the master") {
  const auto check_invalid = [](const v1::FrameworkInfo& info, v1::TaskState expected) {
    Harness h(one_agent());
    const auto o = offered(h, info);
    h.handle(
        launch(o.framework.id, {"master-O99"}, {command_task("t1", o.offer.agent_id().value())}));
    const auto status = single_update(h, o.framework);
    CHECK(status.state() == expected);
    CHECK(status.task_id().value() == "t1");
    CHECK(status.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK(status.message().starts_with(
        "Task launched with invalid offers: Offer master-O99 is no longer valid"));
    CHECK_FALSE(status.has_uuid());
    CHECK(h.cluster().framework_state(o.framework.id) == FrameworkState::connected);
  };
  SUBCASE("TASK_LOST for an ordinary framework") {
    check_invalid(framework_info(), v1::TASK_LOST);
  }
  SUBCASE("TASK_DROPPED for a PARTITION_AWARE one") {
    check_invalid(framework_info(0, {Capability::PARTITION_AWARE}), v1::TASK_DROPPED);
  }
}

TEST_CASE("an offer can be used only once") {
  Harness h(one_agent());
  const auto o = offered(h);
  start(h, o, "t1");
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {command_task("t2", o.offer.agent_id().value())}));
  const auto status = single_update(h, o.framework);
  CHECK(status.task_id().value() == "t2");
  CHECK(status.state() == v1::TASK_LOST);
  CHECK(status.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
}

TEST_CASE("invalid tasks get TASK_ERROR with REASON_TASK_INVALID") {
  Harness h(one_agent());
  const auto o = offered(h);
  const std::string agent = o.offer.agent_id().value();
  // What the next offer holds: all of the agent but what a launched task uses.
  double expected_cpus = 2;

  const auto check_error = [&](const v1::TaskStatus& status, const std::string& task_id) {
    CHECK(status.task_id().value() == task_id);
    CHECK(status.state() == v1::TASK_ERROR);
    CHECK(status.reason() == v1::TaskStatus::REASON_TASK_INVALID);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_FALSE(status.has_uuid());
  };

  SUBCASE("a task without resources") {
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {command_task("t1", agent, "")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "t1");
    CHECK(status.message() == "Task uses no resources");
  }

  SUBCASE("a duplicate task id") {
    h.handle(launch(o.framework.id, {o.offer.id().value()},
                    {command_task("x", agent, "cpus:0.5;mem:64"),
                     command_task("x", agent, "cpus:0.5;mem:64")}));
    const auto updates = updates_in(h.take(o.framework.connection));
    REQUIRE(updates.size() == 2);
    CHECK(updates[0].state() == v1::TASK_STARTING);
    check_error(updates[1], "x");
    CHECK(updates[1].message() == "Task has duplicate ID: x");
    expected_cpus = 1.5;
  }

  SUBCASE("more resources than offered") {
    h.handle(launch(o.framework.id, {o.offer.id().value()},
                    {command_task("big", agent, "cpus:3;mem:128")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "big");
    CHECK(status.message().find("is more than available") != std::string::npos);
  }

  SUBCASE("only malformed resources") {
    v1::TaskInfo task = command_task("bad", agent, "");
    auto* resource = task.add_resources();
    resource->set_name("cpus");
    resource->set_type(v1::Value::SCALAR);
    resource->mutable_scalar()->set_value(-1);
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {task}));
    const auto status = single_update(h, o.framework);
    check_error(status, "bad");
    CHECK(status.message().starts_with("Task uses invalid resources"));
  }

  SUBCASE("the wrong agent id") {
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {command_task("t1", "master-S7")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "t1");
    CHECK(status.message().starts_with("Task uses invalid agent master-S7"));
  }

  // Nothing of the refused task stays allocated: the whole agent is offered again.
  h.handle(make_call(o.framework.id, Call::REVIVE));
  h.settle();
  const auto offers = offers_in(h.take(o.framework.connection));
  REQUIRE(offers.size() == 1);
  CHECK(scalar(offers[0], "cpus") == doctest::Approx(expected_cpus));
}

// Runs t1 to TASK_RUNNING with every update acknowledged.
void run_task(Harness& h, const Offered& o, std::optional<double> refuse_seconds = std::nullopt) {
  const auto starting = start(h, o, "t1", "cpus:1;mem:128", refuse_seconds);
  h.handle(acknowledge(o.framework.id, starting));
  h.run_for(milliseconds(100));
  const auto running = single_update(h, o.framework);
  REQUIRE(running.state() == v1::TASK_RUNNING);
  h.handle(acknowledge(o.framework.id, running));
}

TEST_CASE("KILL with TASK_KILLING_STATE sends TASK_KILLING, then TASK_KILLED") {
  Harness h(one_agent());
  const auto o = offered(h, framework_info(0, {Capability::TASK_KILLING_STATE}));
  run_task(h, o);

  h.handle(kill(o.framework.id, "t1"));
  const auto killing = single_update(h, o.framework);
  CHECK(killing.state() == v1::TASK_KILLING);
  CHECK(killing.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(killing.uuid().size() == 16);
  // TASK_KILLED waits for the acknowledgement of TASK_KILLING.
  h.run_for(seconds(1));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.handle(acknowledge(o.framework.id, killing));
  const auto killed = single_update(h, o.framework);
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.message() == "Command terminated with signal Terminated");
  CHECK(killed.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(killed.uuid().size() == 16);
}

TEST_CASE("KILL without TASK_KILLING_STATE sends only TASK_KILLED, kill_latency later") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_task(h, o);

  h.handle(kill(o.framework.id, "t1"));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.run_for(milliseconds(100) - nanoseconds(1));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.run_for(nanoseconds(1));
  const auto killed = single_update(h, o.framework);
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.message() == "Command terminated with signal Terminated");
}

TEST_CASE("a finished task is listed under its framework's completed_tasks, with its statuses") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_task(h, o);
  h.handle(kill(o.framework.id, "t1"));
  h.run_for(milliseconds(100));
  const auto killed = single_update(h, o.framework);
  REQUIRE(killed.state() == v1::TASK_KILLED);
  // Listed as a task until its end is acknowledged, as a completed task after.
  auto state = boost::json::parse(h.cluster().state_json()).as_object();
  CHECK(state.at("frameworks").at(0).at("tasks").as_array().size() == 1);
  CHECK(state.at("frameworks").at(0).at("completed_tasks").as_array().empty());
  h.handle(acknowledge(o.framework.id, killed));
  state = boost::json::parse(h.cluster().state_json()).as_object();
  const auto& framework = state.at("frameworks").at(0);
  CHECK(framework.at("tasks").as_array().empty());
  const auto& completed = framework.at("completed_tasks").as_array();
  REQUIRE(completed.size() == 1);
  CHECK(completed[0].at("id") == "t1");
  CHECK(completed[0].at("state") == "TASK_KILLED");
  const auto& statuses = completed[0].at("statuses").as_array();
  REQUIRE(statuses.size() == 3);
  CHECK(statuses[0].at("state") == "TASK_STARTING");
  CHECK(statuses[2].at("state") == "TASK_KILLED");
}

TEST_CASE("KILL of an unknown task answers with its reconciliation") {
  Harness h(one_agent());
  const auto o = offered(h);
  h.handle(kill(o.framework.id, "nope"));
  const auto status = single_update(h, o.framework);
  CHECK(status.task_id().value() == "nope");
  CHECK(status.state() == v1::TASK_LOST);
  CHECK(status.reason() == v1::TaskStatus::REASON_RECONCILIATION);
}

TEST_CASE("implicit RECONCILE answers every task's latest state without uuid") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_task(h, o);

  h.handle(reconcile(o.framework.id));
  const auto status = single_update(h, o.framework);
  CHECK(status.task_id().value() == "t1");
  CHECK(status.state() == v1::TASK_RUNNING);
  CHECK(status.reason() == v1::TaskStatus::REASON_RECONCILIATION);
  CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(status.message() == "Reconciliation: Latest task state");
  CHECK(status.agent_id().value() == o.offer.agent_id().value());
  CHECK_FALSE(status.has_uuid());
}

TEST_CASE("RECONCILE reports the update being delivered, not one still queued behind it") {
  Harness h(one_agent());
  const auto o = offered(h);
  start(h, o, "t1");
  // The executor is RUNNING, but STARTING is unacknowledged: the master knows STARTING.
  h.run_for(milliseconds(500));
  h.take(o.framework.connection);
  h.handle(reconcile(o.framework.id));
  CHECK(single_update(h, o.framework).state() == v1::TASK_STARTING);
}

TEST_CASE("explicit RECONCILE of tasks the master does not know") {
  SUBCASE("without agent id: TASK_LOST, unknown") {
    Harness h(one_agent());
    const auto o = offered(h);
    h.handle(reconcile(o.framework.id, {{"ghost", ""}}));
    const auto status = single_update(h, o.framework);
    CHECK(status.task_id().value() == "ghost");
    CHECK(status.state() == v1::TASK_LOST);
    CHECK(status.message() == "Reconciliation: Task is unknown");
    CHECK(status.reason() == v1::TaskStatus::REASON_RECONCILIATION);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_FALSE(status.has_uuid());
  }
  SUBCASE("PARTITION_AWARE: TASK_UNKNOWN, or TASK_GONE on a registered agent") {
    Harness h(one_agent());
    const auto o = offered(h, framework_info(0, {Capability::PARTITION_AWARE}));
    h.handle(reconcile(o.framework.id, {{"ghost", ""}}));
    CHECK(single_update(h, o.framework).state() == v1::TASK_UNKNOWN);
    h.handle(reconcile(o.framework.id, {{"ghost", o.offer.agent_id().value()}}));
    const auto gone = single_update(h, o.framework);
    CHECK(gone.state() == v1::TASK_GONE);
    CHECK(gone.agent_id().value() == o.offer.agent_id().value());
  }
}

TEST_CASE("acknowledging the terminal update removes the task and its resources come back") {
  Harness h(one_agent());
  const auto o = offered(h);
  // What the task leaves of the offer is refused for long, so that only freed resources can
  // bring the agent back.
  run_task(h, o, 600);
  h.run_for(seconds(5));
  CHECK(offers_in(h.take(o.framework.connection)).empty());

  h.handle(kill(o.framework.id, "t1"));
  h.run_for(milliseconds(100));
  const auto events = h.take(o.framework.connection);
  const auto updates = updates_in(events);
  REQUIRE(updates.size() == 1);
  const auto killed = updates[0];
  REQUIRE(killed.state() == v1::TASK_KILLED);

  // Until the ACK the master still knows the task.
  h.handle(reconcile(o.framework.id, {{"t1", ""}}));
  CHECK(single_update(h, o.framework).state() == v1::TASK_KILLED);

  h.handle(acknowledge(o.framework.id, killed));
  h.handle(reconcile(o.framework.id));
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.handle(reconcile(o.framework.id, {{"t1", ""}}));
  const auto unknown = single_update(h, o.framework);
  CHECK(unknown.state() == v1::TASK_LOST);
  CHECK(unknown.message() == "Reconciliation: Task is unknown");

  // No more resends of the acknowledged update.
  h.run_for(seconds(60));
  auto later = h.take(o.framework.connection);
  CHECK(updates_in(later).empty());

  // The agent's full cpus are offered again.
  auto offers = offers_in(events);
  const auto more = offers_in(later);
  offers.insert(offers.end(), more.begin(), more.end());
  REQUIRE(offers.size() == 1);
  CHECK(scalar(offers[0], "cpus") == doctest::Approx(2));
  CHECK(scalar(offers[0], "mem") == doctest::Approx(1024));
}

}  // namespace
}  // namespace iof::sim::test
