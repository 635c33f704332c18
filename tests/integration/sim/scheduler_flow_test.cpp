// A framework's life over real HTTP: offers, decline filters, launch, status updates with
// acknowledgements and resends, reconciliation, kill, and the protobuf encoding.
#include <doctest/doctest.h>

#include "golden_http.hpp"
#include "master_under_test.hpp"
#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::Event;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;

namespace {

const std::vector<std::string> fast = {"--allocation_interval=50ms", "--status_update_retry=300ms",
                                       "--task_launch_latency=20ms", "--task_kill_latency=20ms"};

const v1::Offer& on(const std::vector<v1::Offer>& offers, const std::string& host) {
  for (const auto& offer : offers) {
    if (offer.hostname() == host) {
      return offer;
    }
  }
  FAIL("no offer for " << host);
  return offers.front();
}

}  // namespace

TEST_CASE("offers come for every agent, and a declined agent stays away for refuse_seconds" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  auto offers = framework.offers_for({"agent1", "agent2", "agent3"});
  REQUIRE(offers.size() >= 3);
  const auto& offer = on(offers, "agent3");
  CHECK(offer.url().address().ip() == "127.0.0.4");
  CHECK(offer.url().path() == "/slave(1)");
  CHECK(offer.agent_id().value().starts_with(iof::test::master_id_of(port) + "-S"));
  CHECK(offer.id().value().starts_with(iof::test::master_id_of(port) + "-O"));

  // agent3 for an hour, the others for nothing: they come back at once, agent3 does not.
  REQUIRE(framework.decline({on(offers, "agent3")}, 3600) == 202);
  REQUIRE(framework.decline({on(offers, "agent1"), on(offers, "agent2")}, 0) == 202);
  const auto again = framework.offers_for({"agent1", "agent2"}, 2s);
  std::set<std::string> hosts;
  for (const auto& o : again) {
    hosts.insert(o.hostname());
  }
  CHECK(hosts.contains("agent1"));
  CHECK(hosts.contains("agent2"));
  CHECK_FALSE(hosts.contains("agent3"));

  // REVIVE clears the filter.
  v1::scheduler::Call revive;
  revive.set_type(v1::scheduler::Call::REVIVE);
  REQUIRE(framework.send(revive) == 202);
  const auto revived = framework.offers_for({"agent3"}, 2s);
  CHECK_FALSE(revived.empty());
}

TEST_CASE("a task's updates: STARTING resent until acknowledged, then RUNNING, then a kill") {
  SimProcess sim(fast);
  SimFramework framework(sim.port(), SimFramework::info());
  const auto offers = framework.offers_for({"agent1"});
  REQUIRE(framework.launch(on(offers, "agent1"), "t1") == 202);

  const auto starting = framework.next_update();
  CHECK(starting.state() == v1::TASK_STARTING);
  CHECK(starting.uuid().size() == 16);
  CHECK(starting.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(starting.executor_id().value() == "t1");

  // Unacknowledged, the agent resends STARTING and holds RUNNING back.
  const auto resent = framework.next_update(2s);
  CHECK(resent.state() == v1::TASK_STARTING);
  CHECK(resent.uuid() == starting.uuid());

  REQUIRE(framework.acknowledge(starting) == 202);
  const auto running = framework.next_update();
  CHECK(running.state() == v1::TASK_RUNNING);
  CHECK(running.uuid() != starting.uuid());
  REQUIRE(framework.acknowledge(running) == 202);

  // Implicit reconciliation: the latest state, from the master, without uuid.
  v1::scheduler::Call reconcile;
  reconcile.set_type(v1::scheduler::Call::RECONCILE);
  reconcile.mutable_reconcile();
  REQUIRE(framework.send(reconcile) == 202);
  const auto reconciled = framework.next_update();
  CHECK(reconciled.state() == v1::TASK_RUNNING);
  CHECK(reconciled.reason() == v1::TaskStatus::REASON_RECONCILIATION);
  CHECK(reconciled.source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK_FALSE(reconciled.has_uuid());

  v1::scheduler::Call kill;
  kill.set_type(v1::scheduler::Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  REQUIRE(framework.send(kill) == 202);
  const auto killing = framework.next_update();
  CHECK(killing.state() == v1::TASK_KILLING);
  REQUIRE(framework.acknowledge(killing) == 202);
  const auto killed = framework.next_update();
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.message() == "Command terminated with signal Terminated");
  REQUIRE(framework.acknowledge(killed) == 202);

  // Acknowledged as terminal, the task is gone from the master, and its resources are free.
  const auto state = iof::test::request(sim.port(), {"GET", "/master/state", {}, ""});
  CHECK(state.body.find(R"("tasks":[])") != std::string::npos);
  CHECK(state.body.find(R"("used_resources":{"disk":0.0,"mem":0.0,"gpus":0.0,"cpus":0.0})") !=
        std::string::npos);
}

TEST_CASE("launching on a stale offer loses the task, without uuid" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  const auto offers = framework.offers_for({"agent1"});
  const v1::Offer offer = on(offers, "agent1");
  REQUIRE(framework.decline({offer}, 0) == 202);
  REQUIRE(framework.launch(offer, "late") == 202);
  const auto lost = framework.next_update();
  CHECK(lost.state() == v1::TASK_LOST);
  CHECK(lost.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
  CHECK(lost.message() ==
        "Task launched with invalid offers: Offer " + offer.id().value() + " is no longer valid");
  CHECK_FALSE(lost.has_uuid());
}

TEST_CASE("a protobuf SUBSCRIBE gets a protobuf stream" * doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::SUBSCRIBE);
  *call.mutable_subscribe()->mutable_framework_info() = SimFramework::info();
  iof::test::EventStream stream(
      port,
      {"POST",
       "/api/v1/scheduler",
       {{"Content-Type", "application/x-protobuf"}, {"Accept", "application/x-protobuf"}},
       call.SerializeAsString()},
      true);
  CHECK(stream.head().header("Content-Type") == "application/x-protobuf");
  const auto subscribed = stream.next();
  REQUIRE(subscribed);
  CHECK(subscribed->type() == Event::SUBSCRIBED);
  CHECK(subscribed->subscribed().heartbeat_interval_seconds() == 15.0);
  CHECK(subscribed->subscribed().master_info().id() == iof::test::master_id_of(port));
  const auto heartbeat = stream.next();
  REQUIRE(heartbeat);
  CHECK(heartbeat->type() == Event::HEARTBEAT);
}

TEST_CASE("heartbeats follow --heartbeat_interval, and a re-subscription fails over the old one") {
  SimProcess sim({"--heartbeat_interval=100ms"});
  SimFramework first(sim.port(), SimFramework::info(3600));
  REQUIRE(first.events().next_of(Event::HEARTBEAT, 1s));  // the immediate one
  REQUIRE(first.events().next_of(Event::HEARTBEAT, 1s));  // and a periodic one

  v1::FrameworkInfo again = SimFramework::info(3600);
  again.mutable_id()->set_value(first.id());
  SimFramework second(sim.port(), again);
  CHECK(second.id() == first.id());
  const auto error = first.events().next_of(Event::ERROR, 2s);
  REQUIRE(error);
  CHECK(error->error().message() == "Framework failed over");
  while (first.events().next(1s)) {
  }
  CHECK(first.events().ended());
}
