// Maintenance schedules in the cluster model: their validation, which agents a machine entry
// matches, and the unavailability that offers carry (every update re-forms outstanding offers).
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "maintenance_fixture.hpp"

namespace iof::sim::test {
namespace {

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
