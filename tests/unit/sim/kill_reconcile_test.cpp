// KILL and RECONCILE in the cluster model: the executor's kill with and without TASK_KILLING,
// and the master's answers about tasks it knows and tasks it does not.
#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

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

}  // namespace
}  // namespace iof::sim::test
