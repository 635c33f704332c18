// The allocator of the cluster model: periodic offers, decline filters, SUPPRESS and REVIVE,
// offer timeouts and the offer id counter.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

std::vector<v1::Offer> except_on(const std::vector<v1::Offer>& offers,
                                 const std::string& hostname) {
  std::vector<v1::Offer> out;
  for (const auto& offer : offers) {
    if (offer.hostname() != hostname) {
      out.push_back(offer);
    }
  }
  return out;
}

// The number after "<masterId>-O", or -1 when the id has another shape.
long offer_number(const std::string& id) {
  const std::string prefix = "master-O";
  if (!id.starts_with(prefix) || id.size() == prefix.size()) {
    return -1;
  }
  return std::stol(id.substr(prefix.size()));
}

TEST_CASE("offers go out every allocation interval with hostname, url and resources") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto events = h.take(framework.connection);
  REQUIRE(of_type(events, Event::OFFERS).size() == 1);  // one batch for all agents
  const auto offers = offers_in(events);
  REQUIRE(offers.size() == 3);

  std::set<std::string> hostnames;
  std::set<std::string> ids;
  for (const auto& offer : offers) {
    hostnames.insert(offer.hostname());
    ids.insert(offer.id().value());
    CHECK(offer.framework_id().value() == framework.id);
    const std::string n = offer.hostname().substr(std::string("agent").size());
    const std::string ip = "127.0.0." + std::to_string(std::stoi(n) + 1);
    CHECK(offer.agent_id().value() == "master-S" + std::to_string(std::stoi(n) - 1));
    CHECK(offer.url().scheme() == "http");
    CHECK(offer.url().address().hostname() == offer.hostname());
    CHECK(offer.url().address().ip() == ip);
    CHECK(offer.url().address().port() == 5051);
    CHECK(offer.url().path() == "/slave(1)");
    CHECK(scalar(offer, "cpus") == doctest::Approx(2));
    CHECK(scalar(offer, "mem") == doctest::Approx(1024));
    CHECK(scalar(offer, "disk") == doctest::Approx(10240));
    CHECK_FALSE(offer.has_unavailability());
    bool ports = false;
    for (const auto& resource : offer.resources()) {
      if (resource.name() == "ports") {
        ports = true;
        REQUIRE(resource.ranges().range_size() == 1);
        CHECK(resource.ranges().range(0).begin() == 31000);
        CHECK(resource.ranges().range(0).end() == 32000);
      }
    }
    CHECK(ports);
  }
  CHECK(hostnames == std::set<std::string>{"agent1", "agent2", "agent3"});
  CHECK(ids == std::set<std::string>{"master-O0", "master-O1", "master-O2"});

  // Nothing more while everything is offered.
  h.run_for(seconds(3));
  CHECK(offers_in(h.take(framework.connection)).empty());

  // Declined with refuse_seconds 0: offered again at the next allocation, not before.
  h.handle(decline(framework.id, offers, 0));
  h.run_for(milliseconds(999));
  CHECK(offers_in(h.take(framework.connection)).empty());
  h.run_for(milliseconds(1));
  const auto again = offers_in(h.take(framework.connection));
  CHECK(again.size() == 3);
  CHECK(ids_of(again) != ids_of(offers));
}

TEST_CASE("a decline with refuse_seconds 600 filters that agent only, for 600 seconds") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  const Time declined_at = h.now();
  h.handle(decline(framework.id, {offer_on(offers, "agent1")}, 600));
  h.handle(decline(framework.id, except_on(offers, "agent1"), 0));

  // Every second the other two agents come back (and are declined again); agent1 does not.
  bool other_agents_offered = true;
  bool agent1_offered = false;
  for (int second = 1; second < 600; ++second) {
    h.run_until(declined_at + seconds(second));
    offers = offers_in(h.take(framework.connection));
    other_agents_offered = other_agents_offered && except_on(offers, "agent1").size() == 2;
    agent1_offered = agent1_offered || !offers_on(offers, "agent1").empty();
    h.handle(decline(framework.id, offers, 0));
  }
  CHECK(other_agents_offered);
  CHECK_FALSE(agent1_offered);

  h.run_until(declined_at + seconds(600));
  offers = offers_in(h.take(framework.connection));
  CHECK(offers_on(offers, "agent1").size() == 1);
}

TEST_CASE("a decline filter lasts at least one allocation interval") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  const Time allocated_at = h.now();
  h.run_for(milliseconds(300));

  SUBCASE("refuse_seconds 0.5 is raised to the 1 s interval") {
    h.handle(decline(framework.id, offers, 0.5));
    h.run_until(allocated_at + seconds(1));
    CHECK(offers_in(h.take(framework.connection)).empty());
    h.run_until(allocated_at + seconds(2));
    CHECK(offers_in(h.take(framework.connection)).size() == 3);
  }

  SUBCASE("refuse_seconds 0 installs no filter") {
    h.handle(decline(framework.id, offers, 0));
    h.run_until(allocated_at + seconds(1));
    CHECK(offers_in(h.take(framework.connection)).size() == 3);
  }

  SUBCASE("a negative refuse_seconds means the default 5 s") {
    h.handle(decline(framework.id, offers, -1));
    h.run_until(allocated_at + seconds(5));
    CHECK(offers_in(h.take(framework.connection)).empty());
    h.run_until(allocated_at + seconds(6));
    CHECK(offers_in(h.take(framework.connection)).size() == 3);
  }
}

TEST_CASE("a DECLINE without filters refuses the agent for 5 seconds") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  h.handle(decline(framework.id, offers, std::nullopt));
  h.run_for(seconds(4));
  CHECK(offers_in(h.take(framework.connection)).empty());
  h.run_for(seconds(1));
  CHECK(offers_in(h.take(framework.connection)).size() == 3);
}

TEST_CASE("an unknown or foreign offer id in a DECLINE is ignored") {
  Harness h;
  const auto first = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(first.connection));
  REQUIRE(offers.size() == 3);
  const auto second = h.add_framework();
  // The second framework cannot decline the first one's offers.
  h.handle(decline(second.id, offers, 0));
  h.run_for(seconds(2));
  CHECK(offers_in(h.take(second.connection)).empty());
  CHECK(of_type(h.take(first.connection), Event::RESCIND).empty());
}

TEST_CASE("SUPPRESS stops offers and REVIVE resumes them at once") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  h.handle(make_call(framework.id, Call::SUPPRESS));
  h.handle(decline(framework.id, offers, 0));
  h.run_for(seconds(10));
  CHECK(offers_in(h.take(framework.connection)).empty());

  // Between two allocations: the revive runs one of its own.
  h.run_for(milliseconds(500));
  h.handle(make_call(framework.id, Call::REVIVE));
  h.settle();
  CHECK(offers_in(h.take(framework.connection)).size() == 3);
}

TEST_CASE("a framework subscribed with suppressed roles gets no offers until REVIVE") {
  Harness h;
  const auto framework = h.add_framework(framework_info(), {"*"});
  h.run_for(seconds(5));
  CHECK(offers_in(h.take(framework.connection)).empty());
  h.handle(make_call(framework.id, Call::REVIVE));
  h.settle();
  CHECK(offers_in(h.take(framework.connection)).size() == 3);
}

TEST_CASE("REVIVE clears decline filters and offers at once") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  h.handle(decline(framework.id, offers, 600));
  h.run_for(seconds(10));
  CHECK(offers_in(h.take(framework.connection)).empty());

  h.run_for(milliseconds(250));
  h.handle(make_call(framework.id, Call::REVIVE));
  h.settle();
  CHECK(offers_in(h.take(framework.connection)).size() == 3);
}

TEST_CASE("offers are rescinded after offer_timeout and then offered again") {
  Config config = test_config();
  config.offer_timeout = seconds(3);
  Harness h(config);
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);

  h.run_for(seconds(3) - milliseconds(1));
  CHECK(h.take(framework.connection).empty());
  h.run_for(milliseconds(1));
  const auto events = h.take(framework.connection);
  const auto rescinds = of_type(events, Event::RESCIND);
  REQUIRE(rescinds.size() == 3);
  std::set<std::string> rescinded;
  for (const auto& event : rescinds) {
    rescinded.insert(event.rescind().offer_id().value());
  }
  const auto offered = ids_of(offers);
  CHECK(rescinded == std::set<std::string>(offered.begin(), offered.end()));
  // The RESCINDs come first; the resources are offered again in the same allocation.
  REQUIRE(events.size() == 4);
  CHECK(events[3].type() == Event::OFFERS);
  CHECK(offers_in(events).size() == 3);

  // A rescinded offer can no longer be used.
  h.handle(launch(framework.id, {offers[0].id().value()},
                  {command_task("t1", offers[0].agent_id().value())}));
  const auto updates = updates_in(h.take(framework.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_LOST);
  CHECK(updates[0].reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
}

TEST_CASE("offers and inverse offers share one id counter") {
  Harness h;
  const auto framework = h.add_framework();
  h.settle();
  const auto first = offers_in(h.take(framework.connection));
  REQUIRE(first.size() == 3);

  // Scheduling agent1 rescinds every offer; the next allocation offers again, then sends an
  // inverse offer for agent1, where the framework holds an offer.
  REQUIRE(h.cluster()
              .update_schedule(schedule_of({machine("agent1", "127.0.0.2")},
                                           unavailability(h.now() + seconds(3600), seconds(60))),
                               h.now())
              .has_value());
  h.settle();
  const auto events = h.take(framework.connection);
  CHECK(of_type(events, Event::RESCIND).size() == 3);
  const auto second = offers_in(events);
  const auto inverse = inverse_offers_in(events);
  REQUIRE(second.size() == 3);
  REQUIRE(inverse.size() == 1);

  std::set<long> numbers;
  for (const auto& offer : first) {
    numbers.insert(offer_number(offer.id().value()));
  }
  for (const auto& offer : second) {
    numbers.insert(offer_number(offer.id().value()));
  }
  CHECK(numbers == std::set<long>{0, 1, 2, 3, 4, 5});
  CHECK(inverse[0].id().value() == "master-O6");

  // And the counter goes on from there.
  h.handle(decline(framework.id, second, 0));
  h.run_for(seconds(1));
  const auto third = offers_in(h.take(framework.connection));
  REQUIRE(third.size() == 3);
  for (const auto& offer : third) {
    CHECK(offer_number(offer.id().value()) >= 7);
  }
}

}  // namespace
}  // namespace iof::sim::test
