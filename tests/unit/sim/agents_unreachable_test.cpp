// Agents that vanish in the cluster model: a machine that dies without notice runs and reports
// nothing, and is marked unreachable when its pings time out (TASK_LOST, or TASK_UNREACHABLE for
// partition-aware frameworks).
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "agents_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

TEST_CASE("a vanished agent is marked unreachable after its pings time out: TASK_LOST") {
  Harness h;
  const auto t = tenant(h);
  const auto bystander = h.add_framework(framework_info(), {"*"});
  REQUIRE(h.now() == start_time + milliseconds(100));

  // Pings go out every 15 s from registration: the one at +15 s is the first unanswered, and
  // the fifth timeout after it, at +90 s, marks the agent unreachable.
  const auto disconnected = h.cluster().disconnect_agent(t.agent_id, h.now());
  REQUIRE(disconnected.has_value());
  CHECK(*disconnected == seconds(90) - milliseconds(100));
  CHECK(h.cluster().disconnect_agent(t.agent_id, h.now()).error().message ==
        "Agent '" + t.agent_id + "' is already disconnected");

  // Until then the master sees nothing wrong.
  h.run_until(start_time + seconds(90) - nanoseconds(1));
  CHECK(updates_in(h.take(t.framework.connection)).empty());
  CHECK(of_type(h.take(bystander.connection), Event::FAILURE).empty());
  CHECK(metric(h, "master/slaves_active") == 3);
  CHECK(metric(h, "master/tasks_running") == 1);
  CHECK(agent_in_state(h, t.agent_id)->at("active").as_bool());

  h.run_until(start_time + seconds(90));
  const auto events = h.take(t.framework.connection);
  const auto updates = updates_in(events);
  REQUIRE(updates.size() == 1);
  const auto& lost = updates[0];
  CHECK(lost.task_id().value() == "t1");
  CHECK(lost.state() == v1::TASK_LOST);
  CHECK(lost.reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(lost.source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(lost.message() == "health check timed out");
  CHECK(lost.agent_id().value() == t.agent_id);
  CHECK(lost.unreachable_time().nanoseconds() == (start_time + seconds(90)).count());
  CHECK_FALSE(lost.has_uuid());
  CHECK_FALSE(lost.has_executor_id());  // a command task has none in the master's books
  const auto failures = of_type(events, Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().agent_id().value() == t.agent_id);
  CHECK(of_type(h.take(bystander.connection), Event::FAILURE).size() == 1);

  CHECK(metric(h, "master/slaves_unreachable") == 1);
  CHECK(metric(h, "master/slaves_active") == 2);
  CHECK(metric(h, "master/slaves_connected") == 2);
  CHECK(metric(h, "master/slave_unreachable_scheduled") == 1);
  CHECK(metric(h, "master/slave_unreachable_completed") == 1);
  CHECK(metric(h, "master/slave_unreachable_canceled") == 0);
  CHECK(metric(h, "master/slave_removals") == 1);
  CHECK(metric(h, "master/slave_removals/reason_unhealthy") == 1);
  CHECK(metric(h, "master/tasks_lost") == 1);
  CHECK(metric(h, "master/tasks_running") == 0);
  CHECK(metric(h, "master/tasks_unreachable") == 0);  // a gauge of TASK_UNREACHABLE only
  CHECK(metric(h, "master/cpus_total") == 4);

  // /master/state: the agent is gone from `slaves`, its task kept as unreachable.
  const auto state = state_of(h);
  CHECK(state.at("unreachable_slaves").as_double() == 1);
  CHECK(state.at("activated_slaves").as_double() == 2);
  CHECK_FALSE(agent_in_state(h, t.agent_id));
  const auto& framework = state.at("frameworks").as_array()[0].as_object();
  CHECK(framework.at("tasks").as_array().empty());
  REQUIRE(framework.at("unreachable_tasks").as_array().size() == 1);
  CHECK(framework.at("unreachable_tasks").as_array()[0].at("state").as_string() == "TASK_LOST");

  // Reconciliation knows the agent is unreachable, and since when.
  h.handle(reconcile(t.framework.id, {{"t1", t.agent_id}}));
  auto reconciled = updates_in(h.take(t.framework.connection));
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].state() == v1::TASK_LOST);
  CHECK(reconciled[0].message() == "Reconciliation: Task is unreachable");
  CHECK(reconciled[0].reason() == v1::TaskStatus::REASON_RECONCILIATION);
  CHECK(reconciled[0].unreachable_time().nanoseconds() == (start_time + seconds(90)).count());
  // Without the agent id, and implicitly, the task is not known any more.
  h.handle(reconcile(t.framework.id, {{"t1", ""}}));
  reconciled = updates_in(h.take(t.framework.connection));
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].message() == "Reconciliation: Task is unknown");
  h.handle(reconcile(t.framework.id));
  CHECK(updates_in(h.take(t.framework.connection)).empty());

  CHECK(h.cluster().disconnect_agent(t.agent_id, h.now()).error().message ==
        "No registered agent '" + t.agent_id + "'");
}

TEST_CASE("partition-aware frameworks see TASK_UNREACHABLE") {
  Harness h;
  const auto t = tenant(h, framework_info(0, {Capability::PARTITION_AWARE}));
  REQUIRE(h.cluster().disconnect_agent(t.agent_id, h.now()).has_value());
  h.run_until(start_time + seconds(90));
  const auto updates = updates_in(h.take(t.framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_UNREACHABLE);
  CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(updates[0].message() == "health check timed out");
  CHECK(metric(h, "master/tasks_unreachable") == 1);
  CHECK(metric(h, "master/tasks_lost") == 0);

  h.handle(reconcile(t.framework.id, {{"t1", t.agent_id}}));
  const auto reconciled = updates_in(h.take(t.framework.connection));
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].state() == v1::TASK_UNREACHABLE);
  // A KILL of an unreachable task reconciles it.
  Call kill_call = kill(t.framework.id, "t1");
  *kill_call.mutable_kill()->mutable_agent_id() = reconciled[0].agent_id();
  h.handle(kill_call);
  const auto answered = updates_in(h.take(t.framework.connection));
  REQUIRE(answered.size() == 1);
  CHECK(answered[0].message() == "Reconciliation: Task is unreachable");
}

TEST_CASE("the ping phase sets when a vanished agent is marked unreachable") {
  Config config = test_config();
  config.agent_ping_timeout = seconds(10);
  config.max_agent_ping_timeouts = 3;
  Harness h(config);
  const auto framework = h.add_framework();
  h.settle();
  h.run_until(start_time + seconds(20));
  const auto agent_id = agent_id_of(h, "agent2");
  // A ping goes out at +20 s just as the machine dies: unanswered, then timeouts at +30, +40
  // and +50 s.
  const auto after = h.cluster().disconnect_agent(agent_id, h.now());
  REQUIRE(after.has_value());
  CHECK(*after == seconds(30));
  h.take(framework.connection);
  h.run_until(start_time + seconds(50) - nanoseconds(1));
  CHECK(of_type(h.take(framework.connection), Event::FAILURE).empty());
  h.run_until(start_time + seconds(50));
  CHECK(of_type(h.take(framework.connection), Event::FAILURE).size() == 1);
}

TEST_CASE("a vanished agent runs and reports nothing, but is still offered until unreachable") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  const auto on_agent1 = offer_on(offers, "agent1");
  const auto agent_id = on_agent1.agent_id().value();
  REQUIRE(h.cluster().disconnect_agent(agent_id, h.now()).has_value());

  // The master forwards the launch into the void: the task stays STAGING.
  h.handle(launch(framework.id, {on_agent1.id().value()}, {command_task("t1", agent_id)}, 0));
  h.run_for(seconds(30));
  auto events = h.take(framework.connection);
  CHECK(updates_in(events).empty());
  CHECK(metric(h, "master/tasks_staging") == 1);
  // Its free resources are offered again, as the master still counts the agent.
  const auto again = offers_on(offers_in(events), "agent1");
  REQUIRE_FALSE(again.empty());
  h.handle(kill(framework.id, "t1"));
  h.run_for(seconds(1));
  CHECK(updates_in(h.take(framework.connection)).empty());

  // Marked unreachable at +90 s: the STAGING task is lost, the offer rescinded.
  h.run_until(start_time + seconds(90));
  events = h.take(framework.connection);
  const auto updates = updates_in(events);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_LOST);
  CHECK(metric(h, "master/tasks_staging") == 0);
  CHECK(metric(h, "master/tasks_lost") == 1);
  std::set<std::string> rescinded;
  for (const auto& event : of_type(events, Event::RESCIND)) {
    rescinded.insert(event.rescind().offer_id().value());
  }
  CHECK(rescinded.size() == 1);
  CHECK(metric(h, "master/outstanding_offers") == 2);
}

TEST_CASE("a vanished agent's unacknowledged update is neither resent nor followed") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto on_agent1 = offer_on(offers_in(h.take(framework.connection)), "agent1");
  const auto agent_id = on_agent1.agent_id().value();
  h.handle(launch(framework.id, {on_agent1.id().value()}, {command_task("t1", agent_id)}, 600));
  const auto starting = updates_in(h.take(framework.connection));
  REQUIRE(starting.size() == 1);
  // The machine dies before TASK_RUNNING and before the framework acknowledges STARTING.
  REQUIRE(h.cluster().disconnect_agent(agent_id, h.now()).has_value());
  h.run_for(seconds(60));
  CHECK(updates_in(h.take(framework.connection)).empty());
  // The acknowledgement still reaches the master.
  h.handle(acknowledge(framework.id, starting[0]));
  CHECK(metric(h, "master/valid_status_update_acknowledgements") == 1);
  h.run_until(start_time + seconds(90));
  const auto updates = updates_in(h.take(framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_LOST);
  CHECK(h.cluster().fail_task(framework.id, "t1", h.now()).has_error());
}

}  // namespace
}  // namespace iof::sim::test
