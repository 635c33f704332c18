// Machines going DOWN and UP in the cluster model: which machines may, what DOWN does to the
// agent, its tasks and every framework, and the new agent UP brings back.
#include <doctest/doctest.h>

#include "maintenance_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

TEST_CASE("machines that are not DRAINING cannot be brought down") {
  Harness h;
  CHECK(h.cluster().start_maintenance({agent2}, h.now()).error().message ==
        "Machine " + agent2_text + " is not in DRAINING mode and cannot be brought down");
  CHECK(h.cluster().start_maintenance({}, h.now()).error().message == "List of machines is empty");
  CHECK(h.cluster().start_maintenance({agent1, agent1}, h.now()).error().message ==
        "Machine " + agent1_text + " appears more than once in the schedule");
  CHECK(h.cluster()
            .start_maintenance({machine("elsewhere", "10.0.0.1")}, h.now())
            .error()
            .message.ends_with("is not part of a maintenance schedule"));
}

TEST_CASE("DOWN removes the agent: TASK_LOST without uuid, FAILURE to every framework") {
  Harness h;
  // Partition aware, and still TASK_LOST.
  const auto t = tenant(h, framework_info(0, {Capability::PARTITION_AWARE}));
  const auto bystander = h.add_framework(framework_info(), {"*"});
  schedule(h, schedule_of({agent1}, in_an_hour(h)));
  h.settle();
  REQUIRE(inverse_offers_in(h.take(t.framework.connection)).size() == 1);
  h.take(bystander.connection);

  REQUIRE(h.cluster().start_maintenance({agent1}, h.now()).has_value());
  h.drain();
  const auto events = h.take(t.framework.connection);
  const auto updates = updates_in(events);
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].task_id().value() == "t1");
  CHECK(updates[0].state() == v1::TASK_LOST);
  CHECK(updates[0].reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(updates[0].source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(updates[0].message() == "Agent agent1 removed: Operator initiated 'Machine DOWN'");
  CHECK(updates[0].agent_id().value() == t.agent_id);
  CHECK_FALSE(updates[0].has_uuid());
  CHECK(of_type(events, Event::RESCIND_INVERSE_OFFER).size() == 1);
  const auto failures = of_type(events, Event::FAILURE);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].failure().agent_id().value() == t.agent_id);
  const auto seen = of_type(h.take(bystander.connection), Event::FAILURE);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].failure().agent_id().value() == t.agent_id);

  const auto status = h.cluster().maintenance_status();
  CHECK(status.draining_machines_size() == 0);
  REQUIRE(status.down_machines_size() == 1);
  CHECK(same(status.down_machines(0), agent1));

  // The master forgets a removed agent: the task is unknown (not gone: that is for agents
  // marked gone), and agent1 is offered no more.
  h.handle(reconcile(t.framework.id, {{"t1", t.agent_id}}));
  const auto reconciled = updates_in(h.take(t.framework.connection));
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].state() == v1::TASK_UNKNOWN);
  CHECK(reconciled[0].message() == "Reconciliation: Task is unknown");
  h.handle(make_call(t.framework.id, Call::REVIVE));
  h.handle(make_call(bystander.id, Call::REVIVE));
  h.run_for(seconds(5));
  auto offers = offers_in(h.take(t.framework.connection));
  const auto more = offers_in(h.take(bystander.connection));
  offers.insert(offers.end(), more.begin(), more.end());
  CHECK(offers.size() == 2);
  CHECK(offers_on(offers, "agent1").empty());
}

TEST_CASE("UP brings a DOWN machine back with a new agent id, off the schedule") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto first = offer_on(offers_in(h.take(framework.connection)), "agent1");
  schedule(h, schedule_of({agent1, agent2}, in_an_hour(h)));

  // Only DOWN machines can come up.
  CHECK(h.cluster().stop_maintenance({agent1}, h.now()).error().message ==
        "Machine " + agent1_text + " is not in DOWN mode and cannot be brought up");
  CHECK(h.cluster().stop_maintenance({machine("agent3", "127.0.0.4")}, h.now()).has_error());

  REQUIRE(h.cluster().start_maintenance({agent1}, h.now()).has_value());
  h.run_for(seconds(2));
  CHECK(offers_on(offers_in(h.take(framework.connection)), "agent1").empty());

  REQUIRE(h.cluster().stop_maintenance({agent1}, h.now()).has_value());
  h.drain();
  const auto left = h.cluster().schedule();
  REQUIRE(left.windows_size() == 1);
  REQUIRE(left.windows(0).machine_ids_size() == 1);
  CHECK(same(left.windows(0).machine_ids(0), agent2));
  const auto status = h.cluster().maintenance_status();
  CHECK(status.down_machines_size() == 0);
  REQUIRE(status.draining_machines_size() == 1);
  CHECK(same(status.draining_machines(0).id(), agent2));

  h.settle();
  const auto back = offer_on(offers_in(h.take(framework.connection)), "agent1");
  CHECK(back.agent_id().value() != first.agent_id().value());
  CHECK(back.agent_id().value() == "master-S3");
  CHECK_FALSE(back.has_unavailability());
  CHECK(scalar(back, "cpus") == doctest::Approx(2));

  // The last machine going up empties the schedule.
  REQUIRE(h.cluster().start_maintenance({agent2}, h.now()).has_value());
  REQUIRE(h.cluster().stop_maintenance({agent2}, h.now()).has_value());
  CHECK(h.cluster().schedule().windows_size() == 0);
}

TEST_CASE("a machine maintained twice comes back with one agent, not one per earlier visit") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  h.take(framework.connection);
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    schedule(h, schedule_of({agent1}, in_an_hour(h)));
    REQUIRE(h.cluster().start_maintenance({agent1}, h.now()).has_value());
    REQUIRE(h.cluster().stop_maintenance({agent1}, h.now()).has_value());
    h.settle();
    CHECK(offers_on(offers_in(h.take(framework.connection)), "agent1").size() == 1);
  }
}

}  // namespace
}  // namespace iof::sim::test
