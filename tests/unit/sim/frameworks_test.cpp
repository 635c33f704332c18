// The framework lifecycle of the cluster model: SUBSCRIBE, heartbeats, failover, refusals,
// disconnection and the failover timeout, TEARDOWN.
#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

std::size_t count(const std::vector<Event>& events, Event::Type type) {
  return of_type(events, type).size();
}

TEST_CASE("subscribe sends SUBSCRIBED then HEARTBEAT and names the framework masterId-0000") {
  Harness h;
  const ConnectionId connection = h.subscribe(framework_info());
  const auto events = h.take(connection);
  REQUIRE(events.size() == 2);
  CHECK(events[0].type() == Event::SUBSCRIBED);
  CHECK(events[0].subscribed().framework_id().value() == "master-0000");
  CHECK(events[0].subscribed().heartbeat_interval_seconds() == doctest::Approx(15.0));
  CHECK(events[0].subscribed().master_info().id() == "master");
  CHECK(events[0].subscribed().master_info().port() == 5050);
  CHECK(events[1].type() == Event::HEARTBEAT);
  CHECK_FALSE(h.closed(connection));
  CHECK(h.cluster().framework_state("master-0000") == FrameworkState::connected);
  CHECK_FALSE(h.cluster().stream_id(connection).empty());
  CHECK(h.cluster().framework_stream_id("master-0000") == h.cluster().stream_id(connection));

  // A second framework gets the next number and its own stream id.
  const auto second = h.add_framework();
  CHECK(second.id == "master-0001");
  CHECK(h.cluster().stream_id(second.connection) != h.cluster().stream_id(connection));
}

TEST_CASE("heartbeats follow every heartbeat_interval while the framework is connected") {
  Config config = test_config();
  config.heartbeat_interval = seconds(5);
  Harness h(config);
  const ConnectionId connection = h.subscribe(framework_info());
  const auto first = h.take(connection);
  REQUIRE(first.size() == 2);
  CHECK(first[0].subscribed().heartbeat_interval_seconds() == doctest::Approx(5.0));

  h.run_for(seconds(5) - milliseconds(1));
  CHECK(count(h.take(connection), Event::HEARTBEAT) == 0);
  h.run_for(milliseconds(1));
  CHECK(count(h.take(connection), Event::HEARTBEAT) == 1);
  h.run_for(seconds(5));
  CHECK(count(h.take(connection), Event::HEARTBEAT) == 1);
  h.run_for(seconds(20));
  CHECK(count(h.take(connection), Event::HEARTBEAT) == 4);

  // None once the stream is gone.
  h.disconnect(connection);
  h.run_for(seconds(20));
  CHECK(count(h.take(connection), Event::HEARTBEAT) == 0);
}

TEST_CASE("a re-subscribe with the same id fails over the old connection") {
  Harness h;
  const auto framework = h.add_framework(framework_info(60));
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  const std::string old_stream = h.cluster().stream_id(framework.connection);

  v1::FrameworkInfo info = framework_info(60);
  info.mutable_id()->set_value(framework.id);
  const ConnectionId again = h.subscribe(info);

  const auto old_items = h.take_raw(framework.connection);
  REQUIRE(old_items.size() == 2);
  REQUIRE(old_items[0].has_value());
  CHECK(old_items[0]->type() == Event::ERROR);
  CHECK(old_items[0]->error().message() == "Framework failed over");
  CHECK_FALSE(old_items[1].has_value());
  CHECK(h.closed(framework.connection));

  const auto events = h.take(again);
  REQUIRE(events.size() >= 2);
  CHECK(events[0].type() == Event::SUBSCRIBED);
  CHECK(events[0].subscribed().framework_id().value() == framework.id);
  CHECK(events[1].type() == Event::HEARTBEAT);
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::connected);
  CHECK(h.cluster().framework_stream_id(framework.id) == h.cluster().stream_id(again));
  CHECK(h.cluster().framework_stream_id(framework.id) != old_stream);

  // The old offers were dropped without RESCIND: the resources are offered anew at once.
  h.settle();
  const auto fresh = h.take(again);
  CHECK(count(fresh, Event::RESCIND) == 0);
  const auto new_offers = offers_in(fresh);
  CHECK(new_offers.size() == 3);
  for (const auto& offer : new_offers) {
    for (const auto& old : offers) {
      CHECK(offer.id().value() != old.id().value());
    }
  }

  // The old stream hears nothing more, and its late disconnection changes nothing.
  h.run_for(seconds(40));
  CHECK(count(h.take(again), Event::HEARTBEAT) == 2);
  h.disconnect(framework.connection);
  h.run_for(seconds(100));
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::connected);
}

TEST_CASE("TEARDOWN closes the stream without ERROR and the id is removed for good") {
  Harness h;
  const auto framework = h.add_framework(framework_info(3600));
  h.handle(make_call(framework.id, Call::TEARDOWN));
  const auto items = h.take_raw(framework.connection);
  REQUIRE(items.size() == 1);
  CHECK_FALSE(items[0].has_value());
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::removed);

  v1::FrameworkInfo info = framework_info(3600);
  info.mutable_id()->set_value(framework.id);
  const ConnectionId again = h.subscribe(info);
  const auto refused = h.take_raw(again);
  REQUIRE(refused.size() == 2);
  REQUIRE(refused[0].has_value());
  CHECK(refused[0]->type() == Event::ERROR);
  CHECK(refused[0]->error().message() == "Framework has been removed");
  CHECK_FALSE(refused[1].has_value());
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::removed);
}

TEST_CASE("calls are counted per framework under the master's percent-encoded metric names") {
  Harness h;
  v1::FrameworkInfo info = framework_info(3600);
  // The name as a real master showed it: master/frameworks/Inverse%20Offer%20Framework%20
  // (C%2B%2B)/<id>/calls.
  info.set_name("Inverse Offer Framework (C++)");
  const auto framework = h.add_framework(info);
  h.handle(make_call(framework.id, Call::SUPPRESS));
  h.handle(make_call(framework.id, Call::REVIVE));
  h.handle(make_call(framework.id, Call::REVIVE));
  const auto metrics = h.cluster().metrics(h.now());
  const std::string prefix =
      "master/frameworks/Inverse%20Offer%20Framework%20(C%2B%2B)/" + framework.id + "/";
  CHECK(metrics.at(prefix + "calls") == 4);
  CHECK(metrics.at(prefix + "calls/subscribe") == 1);
  CHECK(metrics.at(prefix + "calls/suppress") == 1);
  CHECK(metrics.at(prefix + "calls/revive") == 2);
  // Every call type has its counter, used or not.
  CHECK(metrics.at(prefix + "calls/accept_inverse_offers") == 0);
  CHECK_FALSE(metrics.contains(prefix + "calls/unknown"));
}

TEST_CASE("a role missing from the master's roles is refused with an ERROR and a close") {
  Config config = test_config();
  config.roles = std::vector<std::string>{"a"};
  Harness h(config);

  v1::FrameworkInfo info = framework_info();
  info.set_role("x");
  const ConnectionId refused = h.subscribe(info);
  const auto items = h.take_raw(refused);
  REQUIRE(items.size() == 2);
  REQUIRE(items[0].has_value());
  CHECK(items[0]->type() == Event::ERROR);
  CHECK(items[0]->error().message() == "Roles { x } are not present in the master's --roles");
  CHECK_FALSE(items[1].has_value());
  CHECK(h.cluster().framework_state("master-0000") == FrameworkState::unknown);

  // Listed roles and "*" are fine, and the refusal used up no framework number.
  info.set_role("a");
  CHECK(h.add_framework(info).id == "master-0000");
  info.set_role("*");
  CHECK(h.add_framework(info).id == "master-0001");
}

TEST_CASE("a disconnected framework with failover_timeout 0 is removed at the next advance") {
  Harness h;
  const auto framework = h.add_framework(framework_info(0));
  h.disconnect(framework.connection);
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::disconnected);
  h.settle();
  CHECK(h.cluster().framework_state(framework.id) == FrameworkState::removed);

  v1::FrameworkInfo info = framework_info(0);
  info.mutable_id()->set_value(framework.id);
  const ConnectionId again = h.subscribe(info);
  const auto events = h.take(again);
  REQUIRE(events.size() == 1);
  CHECK(events[0].error().message() == "Framework has been removed");
}

TEST_CASE("a disconnected framework lives for its failover_timeout") {
  Harness h;
  const auto framework = h.add_framework(framework_info(10));
  h.disconnect(framework.connection);

  SUBCASE("and is removed once it expires") {
    h.run_for(seconds(5));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::disconnected);
    h.run_for(seconds(5) - nanoseconds(1));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::disconnected);
    h.run_for(nanoseconds(1));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::removed);
  }

  SUBCASE("unless it re-subscribes in between") {
    h.run_for(seconds(5));
    v1::FrameworkInfo info = framework_info(10);
    info.mutable_id()->set_value(framework.id);
    const auto again = h.add_framework(info);
    CHECK(again.id == framework.id);
    h.run_for(seconds(30));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::connected);

    // A later disconnection starts a fresh timeout.
    h.disconnect(again.connection);
    h.run_for(seconds(9));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::disconnected);
    h.run_for(seconds(1));
    CHECK(h.cluster().framework_state(framework.id) == FrameworkState::removed);
  }
}

TEST_CASE("the offers of a disconnected framework go to another framework") {
  Harness h;
  const auto first = h.add_framework(framework_info(100));
  h.settle();
  REQUIRE(offers_in(h.take(first.connection)).size() == 3);
  const auto second = h.add_framework();
  h.run_for(seconds(2));
  CHECK(offers_in(h.take(second.connection)).empty());

  h.disconnect(first.connection);
  h.run_for(seconds(1));
  CHECK(offers_in(h.take(second.connection)).size() == 3);
  CHECK(h.cluster().framework_state(first.id) == FrameworkState::disconnected);
}

}  // namespace
}  // namespace iof::sim::test
