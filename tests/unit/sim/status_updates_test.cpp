// The agent's status update stream in the cluster model: one unacknowledged update per task,
// resent with backoff, ACKNOWLEDGE, and the end of a task whose terminal update is acknowledged.
#include <string>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

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
