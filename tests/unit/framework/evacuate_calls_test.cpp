// How few calls the evacuate policy sends (issue 17 item 6): the answers to one event's inverse
// offers share calls, and a window whose move cannot start yet REVIVEs nothing. Each REVIVE
// clears every filter on the master, offers and inverse offers alike, so a useless one costs a
// DECLINE and a round of inverse-offer answers besides itself.
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"

#include "core_harness.hpp"

using namespace iof::test::core;

namespace {

// One INVERSE_OFFERS event for several agents, each with its window (start, duration).
struct Asked {
  std::string agent;
  std::int64_t start;
  std::chrono::seconds duration;
};

Event inverse_offers(const std::vector<Asked>& asked) {
  Event event;
  event.set_type(Event::INVERSE_OFFERS);
  for (const auto& [agent, start, duration] : asked) {
    const Event one = inverse_offer("io-" + agent, agent, start);
    auto* offer = event.mutable_inverse_offers()->add_inverse_offers();
    *offer = one.inverse_offers().inverse_offers(0);
    offer->mutable_unavailability()->mutable_duration()->set_nanoseconds(
        std::chrono::nanoseconds(duration).count());
  }
  return event;
}

std::vector<const Call*> all(const Decision& decision, Call::Type type) {
  std::vector<const Call*> out;
  for (const auto& call : decision.calls) {
    if (call.type() == type) {
      out.push_back(&call);
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "evacuate calls: one event's inverse offers are answered in one call per verdict and "
    "filter") {
  Harness cluster(2);
  cluster.start_on({"a1", "a2"});
  // t0 + 4 s: a1 and a2 share one group's window; a8 and a9 hold nothing of ours.
  const auto answer = cluster.after(1s, inverse_offers({{"a1", window(600s), 60s},
                                                        {"a8", window(600s), 60s},
                                                        {"a2", window(600s), 60s},
                                                        {"a9", window(900s), 120s}}));
  const auto accepts = all(answer, Call::ACCEPT_INVERSE_OFFERS);
  REQUIRE(accepts.size() == 2);
  // Both tasks move by the same deadline (t0 + 590 s), so their answers share its filter.
  const auto& moving = accepts[0]->accept_inverse_offers();
  CHECK(moving.inverse_offer_ids_size() == 2);
  CHECK(moving.inverse_offer_ids(0).value() == "io-a1");
  CHECK(moving.inverse_offer_ids(1).value() == "io-a2");
  CHECK(moving.filters().refuse_seconds() == doctest::Approx(586));
  // Agents holding nothing of ours need not be asked again before their maintenance is over:
  // all of them get the latest end among them (a9's, t0 + 1020 s), in one call.
  const auto& idle = accepts[1]->accept_inverse_offers();
  CHECK(idle.inverse_offer_ids_size() == 2);
  CHECK(idle.inverse_offer_ids(0).value() == "io-a8");
  CHECK(idle.inverse_offer_ids(1).value() == "io-a9");
  CHECK(idle.filters().refuse_seconds() == doctest::Approx(1016));
  CHECK(cluster.state.inverse_offer_replies().at("a8").filter_secs == doctest::Approx(1016));
  CHECK(cluster.state.counters().inverse_offers_accepted == 4);
  CHECK(all(answer, Call::DECLINE_INVERSE_OFFERS).empty());
}

TEST_CASE("evacuate calls: a window whose move waits for the surge budget REVIVEs nothing") {
  Harness cluster(3);  // --max_surge=1
  cluster.start_on({"a1", "a2", "a3"});
  const auto first_window = cluster.after(1s, inverse_offer("io-1", "a2", window(600s)));
  CHECK(sends(first_window, Call::REVIVE));  // its move may start: offers are wanted now
  const auto moved = cluster.after(1s, offers({offer("o-4", "a4")}));
  REQUIRE(launches(moved).size() == 1);
  const std::string leaving = cluster.state.sleepers().at("a2").task_id.value();

  // The budget is full: a1's move cannot start before a2's replacement runs, and offers revived
  // now would only be declined again.
  const auto second_window = cluster.after(1s, inverse_offer("io-2", "a1", window(900s)));
  CHECK_FALSE(sends(second_window, Call::REVIVE));
  CHECK(logs(second_window, "goes into maintenance"));

  // The replacement runs, a2's task is being killed and no longer counts: now a1's move may
  // start, and that REVIVEs.
  const auto ran = cluster.after(2s, update(launches(moved)[0].first, "a4", v1::TASK_RUNNING));
  CHECK(kills(ran) == std::vector<std::string>{leaving});
  CHECK(sends(ran, Call::REVIVE));
  const auto second = launches(cluster.after(1s, offers({offer("o-5", "a5")})));
  CHECK(second.size() == 1);
  CHECK(cluster.state.sleepers().at("a5").replaces == "a1");
}
