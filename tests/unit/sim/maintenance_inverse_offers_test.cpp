// Inverse offers in the cluster model: one at a time to each framework with tasks on a draining
// machine, their replies in the maintenance status, and their rescinds.
#include <doctest/doctest.h>

#include "maintenance_fixture.hpp"

namespace iof::sim::test {
namespace {

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

}  // namespace
}  // namespace iof::sim::test
