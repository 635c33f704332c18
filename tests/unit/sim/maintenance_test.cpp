// Maintenance in the cluster model: schedule validation, machine matching, unavailability in
// offers, inverse offers and their replies, DOWN and UP.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;
using Schedule = v1::maintenance::Schedule;

const v1::MachineID agent1 = machine("agent1", "127.0.0.2");
const v1::MachineID agent2 = machine("agent2", "127.0.0.3");

const std::string agent1_text = R"('{"hostname":"agent1","ip":"127.0.0.2"}')";
const std::string agent2_text = R"('{"hostname":"agent2","ip":"127.0.0.3"}')";

v1::Unavailability in_an_hour(const Harness& h) {
  return unavailability(h.now() + seconds(3600), seconds(7200));
}

void schedule(Harness& h, const Schedule& schedule) {
  const auto updated = h.cluster().update_schedule(schedule, h.now());
  REQUIRE_MESSAGE(updated.has_value(), (updated ? "" : updated.error().message));
  h.drain();
}

std::string schedule_error(Harness& h, const Schedule& schedule) {
  const auto updated = h.cluster().update_schedule(schedule, h.now());
  REQUIRE_FALSE(updated.has_value());
  return updated.error().message;
}

TEST_CASE("update_schedule refuses invalid schedules and keeps the old one") {
  Harness h;
  const Schedule valid = schedule_of({agent1}, in_an_hour(h));
  schedule(h, valid);

  SUBCASE("a window without machines") {
    Schedule bad = valid;
    bad.add_windows()->mutable_unavailability()->mutable_start()->set_nanoseconds(0);
    CHECK(schedule_error(h, bad) == "List of machines in the maintenance window is empty");
  }
  SUBCASE("a negative duration") {
    CHECK(schedule_error(h, schedule_of({agent2}, unavailability(h.now(), seconds(-1)))) ==
          "Unavailability 'duration' is negative");
  }
  SUBCASE("a machine without hostname and ip") {
    CHECK(schedule_error(h, schedule_of({machine("", "")}, in_an_hour(h))) ==
          "Both 'hostname' and 'ip' for a machine are empty");
  }
  SUBCASE("an invalid ip") {
    CHECK(schedule_error(h, schedule_of({machine("a", "300.1.2.3")}, in_an_hour(h)))
              .starts_with("Failed to parse IPv4"));
  }
  SUBCASE("a machine twice, in one window or two, whatever the hostname's case") {
    CHECK(schedule_error(h, schedule_of({agent1, agent1}, in_an_hour(h))) ==
          "Machine " + agent1_text + " appears more than once in the schedule");
    Schedule twice = valid;
    *twice.add_windows() = schedule_of({machine("AGENT1", "127.0.0.2")}, in_an_hour(h)).windows(0);
    CHECK(schedule_error(h, twice).ends_with("appears more than once in the schedule"));
  }
  SUBCASE("dropping a DOWN machine") {
    REQUIRE(h.cluster().start_maintenance({agent1}, h.now()).has_value());
    CHECK(schedule_error(h, Schedule()) ==
          "Machine " + agent1_text + " is deactivated and cannot be removed from the schedule");
    // Keeping it (and adding another) is fine.
    schedule(h, schedule_of({agent1, agent2}, in_an_hour(h)));
    return;
  }
  CHECK(same(h.cluster().schedule(), valid));
}

TEST_CASE("offers from a scheduled machine carry its unavailability") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto before = offers_in(h.take(framework.connection));
  REQUIRE(before.size() == 3);

  const auto when = in_an_hour(h);
  schedule(h, schedule_of({agent1}, when));
  // Every outstanding offer is rescinded, and offered again at once.
  CHECK(of_type(h.take(framework.connection), Event::RESCIND).size() == 3);
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  const auto on_agent1 = offer_on(offers, "agent1");
  REQUIRE(on_agent1.has_unavailability());
  CHECK(same(on_agent1.unavailability(), when));
  CHECK_FALSE(offer_on(offers, "agent2").has_unavailability());
  CHECK_FALSE(offer_on(offers, "agent3").has_unavailability());

  const auto status = h.cluster().maintenance_status();
  REQUIRE(status.draining_machines_size() == 1);
  CHECK(same(status.draining_machines(0).id(), agent1));
  CHECK(status.down_machines_size() == 0);
}

TEST_CASE("a schedule entry matches an agent only with both hostname and ip") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  h.take(framework.connection);

  SUBCASE("hostname only: no unavailability, no inverse offers, DOWN removes no agent") {
    schedule(h, schedule_of({machine("agent1", "")}, in_an_hour(h)));
    h.run_for(seconds(10));
    const auto events = h.take(framework.connection);
    CHECK_FALSE(offer_on(offers_in(events), "agent1").has_unavailability());
    CHECK(inverse_offers_in(events).empty());

    REQUIRE(h.cluster().start_maintenance({machine("agent1", "")}, h.now()).has_value());
    h.drain();
    CHECK(of_type(h.take(framework.connection), Event::FAILURE).empty());
    CHECK(h.cluster().maintenance_status().down_machines_size() == 1);
  }

  SUBCASE("hostnames compare case-insensitively") {
    const auto when = in_an_hour(h);
    schedule(h, schedule_of({machine("AGENT1", "127.0.0.2")}, when));
    h.settle();
    const auto on_agent1 = offer_on(offers_in(h.take(framework.connection)), "agent1");
    CHECK(same(on_agent1.unavailability(), when));

    REQUIRE(h.cluster().start_maintenance({machine("Agent1", "127.0.0.2")}, h.now()).has_value());
    h.drain();
    const auto failures = of_type(h.take(framework.connection), Event::FAILURE);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].failure().agent_id().value() == on_agent1.agent_id().value());
  }
}

TEST_CASE("a framework with a task on a draining agent gets one inverse offer at a time") {
  Harness h;
  const auto t = tenant(h);
  // A second framework with nothing on agent1 gets none.
  const auto bystander = h.add_framework(framework_info(), {"*"});
  h.run_for(seconds(2));
  h.take(t.framework.connection);

  const auto when = in_an_hour(h);
  schedule(h, schedule_of({agent1}, when));
  h.settle();
  const auto inverse = inverse_offers_in(h.take(t.framework.connection));
  REQUIRE(inverse.size() == 1);
  CHECK(inverse[0].agent_id().value() == t.agent_id);
  CHECK(inverse[0].framework_id().value() == t.framework.id);
  CHECK(same(inverse[0].unavailability(), when));
  CHECK(inverse[0].url().address().hostname() == "agent1");
  CHECK(inverse[0].id().value().starts_with("master-O"));

  // At most one outstanding per (agent, framework).
  h.run_for(seconds(10));
  CHECK(inverse_offers_in(h.take(t.framework.connection)).empty());
  CHECK(inverse_offers_in(h.take(bystander.connection)).empty());

  SUBCASE("an ACCEPT without filters: the next one comes at the first allocation 5 s later") {
    const Time replied_at = h.now();
    Call accept = make_call(t.framework.id, Call::ACCEPT_INVERSE_OFFERS);
    *accept.mutable_accept_inverse_offers()->add_inverse_offer_ids() = inverse[0].id();
    h.handle(accept);
    h.run_until(replied_at + seconds(5) - milliseconds(1));
    CHECK(inverse_offers_in(h.take(t.framework.connection)).empty());
    // Allocations run on whole seconds; the reply came between two.
    h.run_until(replied_at + seconds(6));
    const auto next = inverse_offers_in(h.take(t.framework.connection));
    REQUIRE(next.size() == 1);
    CHECK(next[0].id().value() != inverse[0].id().value());

    // The reply shows in the maintenance status.
    const auto status = h.cluster().maintenance_status();
    REQUIRE(status.draining_machines_size() == 1);
    REQUIRE(status.draining_machines(0).statuses_size() == 1);
    const auto& record = status.draining_machines(0).statuses(0);
    CHECK(record.status() == v1::allocator::InverseOfferStatus::ACCEPT);
    CHECK(record.framework_id().value() == t.framework.id);
    CHECK(record.timestamp().nanoseconds() == replied_at.count());
  }

  SUBCASE("an ACCEPT with refuse_seconds 0: the next one comes at the next allocation") {
    Call accept = make_call(t.framework.id, Call::ACCEPT_INVERSE_OFFERS);
    *accept.mutable_accept_inverse_offers()->add_inverse_offer_ids() = inverse[0].id();
    accept.mutable_accept_inverse_offers()->mutable_filters()->set_refuse_seconds(0);
    h.handle(accept);
    h.run_for(seconds(1));
    CHECK(inverse_offers_in(h.take(t.framework.connection)).size() == 1);
  }

  SUBCASE("a DECLINE is recorded as such") {
    Call reply = make_call(t.framework.id, Call::DECLINE_INVERSE_OFFERS);
    *reply.mutable_decline_inverse_offers()->add_inverse_offer_ids() = inverse[0].id();
    h.handle(reply);
    const auto status = h.cluster().maintenance_status();
    REQUIRE(status.draining_machines_size() == 1);
    REQUIRE(status.draining_machines(0).statuses_size() == 1);
    CHECK(status.draining_machines(0).statuses(0).status() ==
          v1::allocator::InverseOfferStatus::DECLINE);
  }
}

TEST_CASE("a machine dropped from the schedule is UP again: its inverse offer is rescinded") {
  Harness h;
  const auto t = tenant(h);
  schedule(h, schedule_of({agent1, agent2}, in_an_hour(h)));
  h.settle();
  const auto inverse = inverse_offers_in(h.take(t.framework.connection));
  REQUIRE(inverse.size() == 1);

  schedule(h, schedule_of({agent2}, in_an_hour(h)));
  const auto events = h.take(t.framework.connection);
  const auto rescinds = of_type(events, Event::RESCIND_INVERSE_OFFER);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind_inverse_offer().inverse_offer_id().value() == inverse[0].id().value());
  h.run_for(seconds(10));
  CHECK(inverse_offers_in(h.take(t.framework.connection)).empty());
  const auto status = h.cluster().maintenance_status();
  REQUIRE(status.draining_machines_size() == 1);
  CHECK(same(status.draining_machines(0).id(), agent2));
}

TEST_CASE("an inverse offer is rescinded after offer_timeout") {
  Config config = test_config();
  config.offer_timeout = seconds(30);
  Harness h(config);
  const auto t = tenant(h);
  schedule(h, schedule_of({agent1}, in_an_hour(h)));
  h.settle();
  const auto inverse = inverse_offers_in(h.take(t.framework.connection));
  REQUIRE(inverse.size() == 1);
  h.run_for(seconds(30) - milliseconds(1));
  CHECK(of_type(h.take(t.framework.connection), Event::RESCIND_INVERSE_OFFER).empty());
  h.run_for(milliseconds(1));
  const auto events = h.take(t.framework.connection);
  const auto rescinds = of_type(events, Event::RESCIND_INVERSE_OFFER);
  REQUIRE(rescinds.size() == 1);
  CHECK(rescinds[0].rescind_inverse_offer().inverse_offer_id().value() == inverse[0].id().value());
  // No reply filter: the framework still uses the agent and gets a fresh one.
  h.run_for(seconds(1));
  const auto next = inverse_offers_in(h.take(t.framework.connection));
  REQUIRE(next.size() == 1);
  CHECK(next[0].id().value() != inverse[0].id().value());
}

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

}  // namespace
}  // namespace iof::sim::test

namespace iof::sim::test {
namespace {

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

TEST_CASE("every schedule update rescinds every outstanding offer, which come back re-formed") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);

  schedule(h, schedule_of({agent2}, in_an_hour(h)));
  std::set<std::string> rescinded;
  for (const auto& event : h.take(framework.connection)) {
    if (event.type() == Event::RESCIND) {
      rescinded.insert(event.rescind().offer_id().value());
    }
  }
  CHECK(rescinded.size() == 3);
  for (const auto& offer : offers) {
    CHECK(rescinded.contains(offer.id().value()));
  }

  // The next allocation offers them again; only agent2's carries the window.
  h.settle();
  const auto again = offers_in(h.take(framework.connection));
  REQUIRE(again.size() == 3);
  for (const auto& offer : again) {
    CHECK(offer.has_unavailability() == (offer.hostname() == "agent2"));
  }
}

}  // namespace
}  // namespace iof::sim::test
