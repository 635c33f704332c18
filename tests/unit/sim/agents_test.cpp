// Agents leaving the cluster model: a machine that dies without notice and is marked
// unreachable when its pings time out, and the automatic drain (DRAIN_AGENT, DEACTIVATE_AGENT,
// REACTIVATE_AGENT).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;
namespace bj = boost::json;

void require_ok(const std::optional<OperatorError>& error) {
  REQUIRE_MESSAGE(!error.has_value(), (error ? error->message : std::string()));
}

double secs(Time time) {
  return static_cast<double>(time.count()) / 1e9;
}

bj::object state_of(Harness& h) {
  auto parsed = wire::json::parse(h.cluster().state_json());
  REQUIRE(parsed.has_value());
  return parsed->as_object();
}

// The /master/state entry of an agent, or null when it is not listed.
std::optional<bj::object> agent_in_state(Harness& h, const std::string& agent_id) {
  const auto state = state_of(h);
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.as_object().at("id").as_string() == agent_id) {
      return agent.as_object();
    }
  }
  return std::nullopt;
}

std::string drain_info_of(Harness& h, const std::string& agent_id) {
  const auto agent = agent_in_state(h, agent_id);
  REQUIRE(agent);
  const auto* info = agent->if_contains("drain_info");
  return info == nullptr ? std::string() : bj::serialize(*info);
}

double metric(Harness& h, const std::string& name) {
  const auto metrics = h.cluster().metrics(h.now());
  const auto found = metrics.find(name);
  REQUIRE_MESSAGE(found != metrics.end(), name);
  return found->second;
}

std::string agent_id_of(Harness& h, const std::string& hostname) {
  const auto state = state_of(h);
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.as_object().at("hostname").as_string() == hostname) {
      return std::string(agent.as_object().at("id").as_string());
    }
  }
  FAIL("no agent " << hostname);
  return "";
}

// ---- Agents that vanish ------------------------------------------------------------------------

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

// ---- DRAIN_AGENT -------------------------------------------------------------------------------

TEST_CASE("DRAIN_AGENT rescinds offers, kills with REASON_AGENT_DRAINING, DRAINED after the ack") {
  Harness h;
  const auto t = tenant(h);
  // A second framework holds an offer for what is left of agent1.
  const auto other = h.add_framework();
  h.settle();
  const auto held = offer_on(offers_in(h.take(other.connection)), "agent1");

  require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, false, h.now()));
  h.drain();
  const auto rescinds = of_type(h.take(other.connection), Event::RESCIND);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind().offer_id().value() == held.id().value());
  CHECK(drain_info_of(h, t.agent_id) == R"({"state":"DRAINING","config":{"mark_gone":false}})");
  const auto entry = agent_in_state(h, t.agent_id);
  CHECK_FALSE(entry->at("active").as_bool());
  CHECK(entry->at("deactivated").as_bool());
  CHECK(entry->at("estimated_drain_start_time_seconds").as_double() == secs(h.now()));
  CHECK(metric(h, "master/slaves_inactive") == 1);
  CHECK(state_of(h).at("deactivated_slaves").as_double() == 1);

  // The agent kills the task after --task_kill_latency.
  CHECK(updates_in(h.take(t.framework.connection)).empty());
  h.run_for(milliseconds(100));
  const auto updates = updates_in(h.take(t.framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_KILLED);
  CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_DRAINING);
  CHECK(updates[0].source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(updates[0].has_uuid());

  // DRAINING until the terminal update is acknowledged; reactivation is refused meanwhile.
  const auto refused = h.cluster().reactivate_agent(t.agent_id);
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK(refused->message == "Agent is still in the DRAINING state");
  h.handle(acknowledge(t.framework.id, updates[0]));
  CHECK(drain_info_of(h, t.agent_id) == R"({"state":"DRAINED","config":{"mark_gone":false}})");

  // No offers for agent1 while deactivated, even after a REVIVE.
  h.handle(make_call(other.id, Call::REVIVE));
  h.handle(make_call(t.framework.id, Call::REVIVE));
  h.run_for(seconds(2));
  CHECK(offers_on(offers_in(h.take(other.connection)), "agent1").empty());
  CHECK(offers_on(offers_in(h.take(t.framework.connection)), "agent1").empty());

  // Reactivated, agent1 is offered from the next allocation on.
  require_ok(h.cluster().reactivate_agent(t.agent_id));
  CHECK(drain_info_of(h, t.agent_id).empty());
  CHECK(agent_in_state(h, t.agent_id)->at("active").as_bool());
  CHECK_FALSE(agent_in_state(h, t.agent_id)->contains("estimated_drain_start_time_seconds"));
  h.run_for(seconds(1));
  auto offered = offers_on(offers_in(h.take(other.connection)), "agent1");
  const auto more = offers_on(offers_in(h.take(t.framework.connection)), "agent1");
  offered.insert(offered.end(), more.begin(), more.end());
  CHECK(offered.size() == 1);
  CHECK(h.cluster().reactivate_agent(t.agent_id)->message == "Agent is not deactivated");
}

TEST_CASE("DRAIN_AGENT's max_grace_period shortens the kill, and TASK_KILLING is marked too") {
  Harness h;
  const auto t = tenant(h, framework_info(0, {Capability::TASK_KILLING_STATE}));
  require_ok(h.cluster().drain_agent(t.agent_id, milliseconds(20), false, h.now()));
  h.drain();
  auto updates = updates_in(h.take(t.framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_KILLING);
  CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_DRAINING);
  h.handle(acknowledge(t.framework.id, updates[0]));
  h.run_for(milliseconds(20));
  updates = updates_in(h.take(t.framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_KILLED);
  CHECK(drain_info_of(h, t.agent_id) ==
        R"({"state":"DRAINING","config":{"max_grace_period":{"nanoseconds":20000000},)"
        R"("mark_gone":false}})");
  h.handle(acknowledge(t.framework.id, updates[0]));
  CHECK(drain_info_of(h, t.agent_id).find("DRAINED") != std::string::npos);
}

TEST_CASE("DRAIN_AGENT with mark_gone: TASK_GONE_BY_OPERATOR for the partition aware") {
  SUBCASE("partition aware: TASK_GONE_BY_OPERATOR, then the agent is gone") {
    Harness h;
    const auto t = tenant(h, framework_info(0, {Capability::PARTITION_AWARE}));
    require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, true, h.now()));
    h.run_for(milliseconds(100));
    const auto updates = updates_in(h.take(t.framework.connection));
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].state() == v1::TASK_GONE_BY_OPERATOR);
    CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_DRAINING);
    CHECK(metric(h, "master/tasks_gone_by_operator") == 1);

    // Marked gone, not DRAINED, once the update is acknowledged.
    h.handle(acknowledge(t.framework.id, updates[0]));
    const auto failures = of_type(h.take(t.framework.connection), Event::FAILURE);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].failure().agent_id().value() == t.agent_id);
    CHECK_FALSE(agent_in_state(h, t.agent_id));
    CHECK(metric(h, "master/slaves_active") == 2);
    CHECK(metric(h, "master/slave_removals") == 0);
    h.handle(reconcile(t.framework.id, {{"t1", t.agent_id}}));
    const auto reconciled = updates_in(h.take(t.framework.connection));
    REQUIRE(reconciled.size() == 1);
    CHECK(reconciled[0].state() == v1::TASK_GONE_BY_OPERATOR);
    CHECK(reconciled[0].message() == "Reconciliation: Task is gone");
    CHECK(h.cluster().drain_agent(t.agent_id, std::nullopt, false, h.now())->message ==
          "Unknown agent");
  }
  SUBCASE("not partition aware: TASK_KILLED") {
    Harness h;
    const auto t = tenant(h);
    require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, true, h.now()));
    h.run_for(milliseconds(100));
    const auto updates = updates_in(h.take(t.framework.connection));
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].state() == v1::TASK_KILLED);
    CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_DRAINING);
    h.handle(acknowledge(t.framework.id, updates[0]));
    CHECK(of_type(h.take(t.framework.connection), Event::FAILURE).size() == 1);
    h.handle(reconcile(t.framework.id, {{"t1", t.agent_id}}));
    CHECK(updates_in(h.take(t.framework.connection))[0].state() == v1::TASK_LOST);
  }
  SUBCASE("partition aware with TASK_KILLING_STATE: the rewritten KILLING is the only update") {
    Harness h;
    const auto t =
        tenant(h, framework_info(0, {Capability::PARTITION_AWARE, Capability::TASK_KILLING_STATE}));
    require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, true, h.now()));
    h.drain();
    const auto updates = updates_in(h.take(t.framework.connection));
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].state() == v1::TASK_GONE_BY_OPERATOR);
    h.run_for(seconds(1));
    CHECK(updates_in(h.take(t.framework.connection)).empty());
    h.handle(acknowledge(t.framework.id, updates[0]));
    CHECK(of_type(h.take(t.framework.connection), Event::FAILURE).size() == 1);
  }
}

TEST_CASE("an agent without tasks is DRAINED at once, or gone at once with mark_gone") {
  Harness h;
  const auto framework = h.add_framework(framework_info(), {"*"});
  const auto agent2 = agent_id_of(h, "agent2");
  const auto agent3 = agent_id_of(h, "agent3");
  require_ok(h.cluster().drain_agent(agent2, seconds(10), false, h.now()));
  CHECK(drain_info_of(h, agent2) ==
        R"({"state":"DRAINED","config":{"max_grace_period":{"nanoseconds":10000000000},)"
        R"("mark_gone":false}})");
  // Draining again starts over, and ends at once again.
  require_ok(h.cluster().drain_agent(agent2, std::nullopt, false, h.now()));
  CHECK(drain_info_of(h, agent2) == R"({"state":"DRAINED","config":{"mark_gone":false}})");

  require_ok(h.cluster().drain_agent(agent3, std::nullopt, true, h.now()));
  h.drain();
  const auto failures = of_type(h.take(framework.connection), Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().agent_id().value() == agent3);
  CHECK_FALSE(agent_in_state(h, agent3));
}

TEST_CASE("DRAIN_AGENT, DEACTIVATE_AGENT and REACTIVATE_AGENT refuse like the master") {
  Harness h;
  const auto agent1 = agent_id_of(h, "agent1");
  const auto agent2 = agent_id_of(h, "agent2");

  auto error = h.cluster().drain_agent("nope", std::nullopt, false, h.now());
  REQUIRE(error);
  CHECK(error->status == 400);
  CHECK(error->message == "Unknown agent");
  CHECK(h.cluster().deactivate_agent("nope")->message == "Unknown agent");
  CHECK(h.cluster().reactivate_agent("nope")->message == "Agent is not deactivated");
  CHECK(h.cluster().reactivate_agent(agent1)->message == "Agent is not deactivated");

  // An agent whose machine is in the maintenance schedule (in any window, any mode).
  v1::maintenance::Schedule schedule = schedule_of(
      {machine("AGENT1", "127.0.0.2")}, unavailability(h.now() + seconds(3600), seconds(60)));
  REQUIRE(h.cluster().update_schedule(schedule, h.now()).has_value());
  error = h.cluster().drain_agent(agent1, std::nullopt, false, h.now());
  REQUIRE(error);
  CHECK(error->status == 400);
  CHECK(error->message ==
        "Agent " + agent1 + " is part of a maintenance schedule under Machine AGENT1 (127.0.0.2)");
  // A machine DOWN removes the agent, which the master then forgets.
  REQUIRE(h.cluster().start_maintenance({machine("agent1", "127.0.0.2")}, h.now()).has_value());
  CHECK(h.cluster().drain_agent(agent1, std::nullopt, false, h.now())->message == "Unknown agent");
  CHECK(h.cluster().deactivate_agent(agent1)->message == "Unknown agent");

  // DEACTIVATE twice is fine; REACTIVATE undoes it.
  require_ok(h.cluster().deactivate_agent(agent2));
  require_ok(h.cluster().deactivate_agent(agent2));
  CHECK(drain_info_of(h, agent2).empty());
  require_ok(h.cluster().reactivate_agent(agent2));
}

TEST_CASE("DEACTIVATE_AGENT stops offers and rescinds inverse offers, tasks keep running") {
  Harness h;
  const auto t = tenant(h);
  REQUIRE(h.cluster()
              .update_schedule(schedule_of({machine("agent1", "127.0.0.2")},
                                           unavailability(h.now() + seconds(3600), seconds(60))),
                               h.now())
              .has_value());
  h.settle();
  REQUIRE(inverse_offers_in(h.take(t.framework.connection)).size() == 1);

  require_ok(h.cluster().deactivate_agent(t.agent_id));
  h.drain();
  CHECK(of_type(h.take(t.framework.connection), Event::RESCIND_INVERSE_OFFER).size() == 1);
  h.run_for(seconds(10));
  const auto events = h.take(t.framework.connection);
  CHECK(inverse_offers_in(events).empty());
  CHECK(updates_in(events).empty());
  CHECK(metric(h, "master/tasks_running") == 1);
  CHECK(metric(h, "master/slaves_inactive") == 1);
}

TEST_CASE("a draining agent that vanishes stays DRAINING, unreachable, its tasks unkilled") {
  Harness h;
  const auto t = tenant(h, framework_info(0, {Capability::PARTITION_AWARE}));
  REQUIRE(h.cluster().disconnect_agent(t.agent_id, h.now()).has_value());
  // The drain message is lost: nothing is killed.
  require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, false, h.now()));
  h.run_for(seconds(5));
  CHECK(updates_in(h.take(t.framework.connection)).empty());
  CHECK(drain_info_of(h, t.agent_id).find("DRAINING") != std::string::npos);

  h.run_until(start_time + seconds(90));
  const auto updates = updates_in(h.take(t.framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_UNREACHABLE);
  // Unreachable agents keep their drain: it cannot be reactivated, and draining again is fine.
  CHECK(h.cluster().reactivate_agent(t.agent_id)->message ==
        "Agent is still in the DRAINING state");
  require_ok(h.cluster().drain_agent(t.agent_id, std::nullopt, false, h.now()));
  require_ok(h.cluster().deactivate_agent(t.agent_id));
}

TEST_CASE("reactivating an unreachable agent is applied, then answered 409") {
  Harness h;
  const auto agent1 = agent_id_of(h, "agent1");
  REQUIRE(h.cluster().disconnect_agent(agent1, h.now()).has_value());
  h.run_until(start_time + seconds(90));
  require_ok(h.cluster().deactivate_agent(agent1));
  const auto error = h.cluster().reactivate_agent(agent1);
  REQUIRE(error);
  CHECK(error->status == 409);
  CHECK(error->message == "Agent removed while processing the call");
  CHECK(h.cluster().reactivate_agent(agent1)->message == "Agent is not deactivated");
}

TEST_CASE("a restarted master keeps unreachable agents, their tasks, drains and deactivations") {
  Harness h;
  const auto t = tenant(h, framework_info(0, {Capability::PARTITION_AWARE}));
  const auto agent2 = agent_id_of(h, "agent2");
  const auto agent3 = agent_id_of(h, "agent3");
  REQUIRE(h.cluster().disconnect_agent(t.agent_id, h.now()).has_value());
  h.run_until(start_time + seconds(90));
  require_ok(h.cluster().drain_agent(agent2, seconds(1), false, h.now()));
  REQUIRE(h.cluster().disconnect_agent(agent3, h.now()).has_value());

  const auto registry = h.cluster().registry();
  Config config = test_config();
  config.agents = 0;
  auto recovered = Cluster::recover(config, registry, h.now());
  REQUIRE(recovered.has_value());
  Harness r(std::move(*recovered), h.now());
  CHECK(metric(r, "master/slaves_unreachable") == 1);
  CHECK(metric(r, "master/tasks_unreachable") == 1);
  CHECK(drain_info_of(r, agent2) ==
        R"({"state":"DRAINED","config":{"max_grace_period":{"nanoseconds":1000000000},)"
        R"("mark_gone":false}})");
  CHECK(metric(r, "master/slaves_inactive") == 1);
  // agent3 is still silent: the new master's pings time out in turn.
  r.run_for(seconds(75));
  CHECK(metric(r, "master/slaves_unreachable") == 2);
}

}  // namespace
}  // namespace iof::sim::test
