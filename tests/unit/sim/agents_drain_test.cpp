// Draining agents in the cluster model: DRAIN_AGENT (DRAINING, DRAINED, or gone with mark_gone),
// DEACTIVATE_AGENT and REACTIVATE_AGENT, their refusals, and drains of unreachable agents and
// across a master restart.
#include <optional>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "agents_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

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
