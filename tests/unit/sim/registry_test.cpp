// The registry of the cluster model and a restarted master's recovery from it.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

const v1::MachineID agent2 = machine("agent2", "127.0.0.3");
const v1::MachineID agent3 = machine("agent3", "127.0.0.4");

Harness recovered(const registry::Registry& registry, Time at) {
  Config config = test_config();
  config.master_id = "";  // taken from the registry
  config.seed = 12345;
  config.agents = 7;  // the agents come from the registry
  auto cluster = Cluster::recover(config, registry, at);
  REQUIRE(cluster.has_value());
  return Harness(std::move(*cluster), at);
}

v1::FrameworkInfo with_id(v1::FrameworkInfo info, const std::string& id) {
  info.mutable_id()->set_value(id);
  return info;
}

TEST_CASE("a recovered master keeps its id, agents, frameworks, tasks, schedule and modes") {
  Config config = test_config();
  config.master_id = "";  // drawn from the seed
  Harness h(config);
  const std::string master_id = h.cluster().master_info().id();
  CHECK(master_id.size() == 36);

  // A framework running t1 on agent1, with the other offers refused for long.
  const auto framework = h.add_framework(framework_info(0));
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  std::set<std::string> agent_ids;
  std::set<std::string> offer_ids;
  for (const auto& offer : offers) {
    agent_ids.insert(offer.agent_id().value());
    offer_ids.insert(offer.id().value());
  }
  const auto on_agent1 = offer_on(offers, "agent1");
  h.handle(launch(framework.id, {on_agent1.id().value()},
                  {command_task("t1", on_agent1.agent_id().value())}, 600));
  h.handle(decline(framework.id, {offer_on(offers, "agent2"), offer_on(offers, "agent3")}, 600));
  const auto starting = updates_in(h.take(framework.connection));
  REQUIRE(starting.size() == 1);
  h.handle(acknowledge(framework.id, starting[0]));
  h.run_for(milliseconds(100));
  const auto running = updates_in(h.take(framework.connection));
  REQUIRE(running.size() == 1);
  h.handle(acknowledge(framework.id, running[0]));

  // A removed framework, agent2 draining and agent3 down.
  const auto removed = h.add_framework(framework_info(0), {"*"});
  h.handle(make_call(removed.id, Call::TEARDOWN));
  const auto maintenance = schedule_of({agent2, agent3}, unavailability(h.now(), seconds(600)));
  REQUIRE(h.cluster().update_schedule(maintenance, h.now()).has_value());
  REQUIRE(h.cluster().start_maintenance({agent3}, h.now()).has_value());
  h.run_for(seconds(1));

  const registry::Registry registry = h.cluster().registry();
  Harness r = recovered(registry, h.now() + seconds(30));
  CHECK(r.cluster().master_info().id() == master_id);
  CHECK_FALSE(r.cluster().take_registry_changed());
  CHECK(r.cluster().framework_state(framework.id) == FrameworkState::disconnected);
  CHECK(r.cluster().framework_state(removed.id) == FrameworkState::removed);
  CHECK(same(r.cluster().schedule(), maintenance));
  const auto status = r.cluster().maintenance_status();
  REQUIRE(status.draining_machines_size() == 1);
  CHECK(same(status.draining_machines(0).id(), agent2));
  REQUIRE(status.down_machines_size() == 1);
  CHECK(same(status.down_machines(0), agent3));

  // A recovered framework is not removed by its failover timeout.
  r.run_for(seconds(120));
  CHECK(r.cluster().framework_state(framework.id) == FrameworkState::disconnected);

  // The removed framework stays removed.
  const ConnectionId refused = r.subscribe(with_id(framework_info(0), removed.id));
  const auto refusal = r.take(refused);
  REQUIRE(refusal.size() == 1);
  CHECK(refusal[0].error().message() == "Framework has been removed");

  // The framework comes back under its id, to the same agents and its task.
  const auto back = r.add_framework(with_id(framework_info(0), framework.id));
  CHECK(back.id == framework.id);
  CHECK(r.cluster().framework_state(framework.id) == FrameworkState::connected);
  r.settle();
  const auto events = r.take(back.connection);
  const auto offered = offers_in(events);
  REQUIRE(offered.size() == 2);  // agent3 is down
  const auto again1 = offer_on(offered, "agent1");
  const auto again2 = offer_on(offered, "agent2");
  CHECK(again1.agent_id().value() == on_agent1.agent_id().value());
  CHECK(agent_ids.contains(again2.agent_id().value()));
  CHECK(scalar(again1, "cpus") == doctest::Approx(1));  // t1 still holds one
  CHECK(scalar(again2, "cpus") == doctest::Approx(2));
  CHECK(again2.has_unavailability());
  for (const auto& offer : offered) {
    CHECK_FALSE(offer_ids.contains(offer.id().value()));  // the offer counter went on
  }
  // Inverse offers for the draining agent2, where it now holds an offer.
  CHECK(inverse_offers_in(events).size() == 1);

  r.handle(reconcile(framework.id));
  const auto reconciled = updates_in(r.take(back.connection));
  REQUIRE(reconciled.size() == 1);
  CHECK(reconciled[0].task_id().value() == "t1");
  CHECK(reconciled[0].state() == v1::TASK_RUNNING);

  // New frameworks go on with the numbering.
  CHECK(r.add_framework().id == master_id + "-0002");

  // Once it has subscribed again, the failover timeout applies to it as usual.
  r.disconnect(back.connection);
  r.settle();
  CHECK(r.cluster().framework_state(framework.id) == FrameworkState::removed);
}

TEST_CASE("pending status updates are resent after recovery") {
  Harness h;
  const auto framework = h.add_framework(framework_info(0));
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  const auto on_agent1 = offer_on(offers, "agent1");
  h.handle(launch(framework.id, {on_agent1.id().value()},
                  {command_task("t1", on_agent1.agent_id().value())}));
  const auto starting = updates_in(h.take(framework.connection));
  REQUIRE(starting.size() == 1);
  h.run_for(seconds(1));  // TASK_RUNNING is queued behind the unacknowledged TASK_STARTING

  const registry::Registry registry = h.cluster().registry();

  SUBCASE("to the framework that subscribes again") {
    Harness r = recovered(registry, h.now() + seconds(60));
    const auto back = r.add_framework(with_id(framework_info(0), framework.id));
    const auto resent = updates_in(r.take(back.connection));
    REQUIRE(resent.size() == 1);
    CHECK(resent[0].state() == v1::TASK_STARTING);
    CHECK(resent[0].uuid() == starting[0].uuid());
    r.handle(acknowledge(framework.id, resent[0]));
    const auto next = updates_in(r.take(back.connection));
    REQUIRE(next.size() == 1);
    CHECK(next[0].state() == v1::TASK_RUNNING);
  }

  SUBCASE("by the agent's retry, to a framework that came back before it") {
    const Time at = h.now() + seconds(60);
    Harness r = recovered(registry, at);
    const auto back = r.add_framework(with_id(framework_info(0), framework.id));
    const auto first = updates_in(r.take(back.connection));
    REQUIRE(first.size() == 1);
    r.run_until(at + seconds(10));
    const auto retried = updates_in(r.take(back.connection));
    REQUIRE(retried.size() == 1);
    CHECK(retried[0].uuid() == starting[0].uuid());
  }
}

TEST_CASE("a launched but not yet running task runs after recovery") {
  Harness h;
  const auto framework = h.add_framework(framework_info(0));
  h.settle();
  const auto on_agent1 = offer_on(offers_in(h.take(framework.connection)), "agent1");
  h.handle(launch(framework.id, {on_agent1.id().value()},
                  {command_task("t1", on_agent1.agent_id().value())}));
  const auto starting = updates_in(h.take(framework.connection));
  REQUIRE(starting.size() == 1);
  h.handle(acknowledge(framework.id, starting[0]));

  // Recovered before the executor reported TASK_RUNNING.
  Harness r = recovered(h.cluster().registry(), h.now() + seconds(5));
  const auto back = r.add_framework(with_id(framework_info(0), framework.id));
  r.settle();
  const auto updates = updates_in(r.take(back.connection));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].state() == v1::TASK_RUNNING);
}

TEST_CASE("registry changes are flagged for the shell to persist") {
  Harness h;
  CHECK(h.cluster().take_registry_changed());
  CHECK_FALSE(h.cluster().take_registry_changed());
  h.run_for(seconds(3));
  CHECK_FALSE(h.cluster().take_registry_changed());
  h.add_framework();
  CHECK(h.cluster().take_registry_changed());
}

}  // namespace
}  // namespace iof::sim::test
