// --ha_zk against a real ZooKeeper server: a leader killed, stopped, cut off from ZooKeeper
// through a stalling proxy, ZooKeeper itself restarted, and instances started together. Every
// scenario watches all instances and the master throughout (ha_watch.hpp): never two acting
// instances, never a broken e2e invariant, and no task ever relaunched.
#include <csignal>
#include <cstdio>
#include <memory>
#include <set>

#include "framework_fixture.hpp"
#include "ha_watch.hpp"
#include "invariants.hpp"
#include "stall_proxy.hpp"
#include "zk_server.hpp"

using namespace iof::test::framework;

namespace {

constexpr std::size_t tasks = 2;
// The test server's tickTime is 200 ms, so it grants at most 20 ticks: 4 s.
constexpr auto session_timeout = 4s;

std::set<std::string> every_task(unsigned short port) {
  std::set<std::string> out;
  for (const auto& life : task_history(port)) {
    out.insert(life.id);
  }
  return out;
}

std::unique_ptr<Framework> instance(const TestCluster& cluster, unsigned short zk_port) {
  return std::make_unique<Framework>(std::vector<std::string>{
      cluster.master_flag(), "--num_tasks=" + std::to_string(tasks),
      "--ha_zk=zk://127.0.0.1:" + std::to_string(zk_port) + "/iof-ha",
      "--ha_zk_session_timeout=" + std::to_string(session_timeout.count()) + "secs"});
}

std::string address_of(const Framework& framework) {
  return "127.0.0.1:" + std::to_string(framework.port());
}

void report(const char* what, std::chrono::milliseconds took) {
  MESSAGE(std::string(what) << ": " << took.count() << " ms");
  std::printf("ha: %s: %lld ms\n", what, static_cast<long long>(took.count()));
}

// After a takeover: reconciliation and new offers come, where a relaunch would happen. Give
// them time, then compare the master's whole history and the framework ID.
void nothing_relaunched(unsigned short port, const std::set<std::string>& before,
                        const std::string& framework_id) {
  std::this_thread::sleep_for(2s);
  CHECK(every_task(port) == before);
  CHECK(running_tasks(port).size() == tasks);
  CHECK(framework_id_of(port) == framework_id);
  CHECK(master_state(port).at("frameworks").as_array().size() == 1);
}

struct Started {
  std::unique_ptr<TestCluster> cluster;
  std::set<std::string> tasks_before;
  std::string framework_id;
};

Started cluster_with_tasks() {
  iof::test::ClusterOptions options;
  options.agents = 4;
  return Started{start_cluster(options), {}, {}};
}

}  // namespace

TEST_CASE(
    "ha: SIGTERM hands over within 1 s, SIGKILL within the session timeout + 1 s, and no "
    "task is relaunched") {
  iof::test::ZkServer zk;
  auto started = cluster_with_tasks();
  const auto port = started.cluster->port();
  HaWatch watch(port, tasks + 1);
  std::vector<std::unique_ptr<Framework>> instances;
  for (std::size_t i = 0; i < 3; ++i) {
    instances.push_back(instance(*started.cluster, zk.port()));
    watch.watch(i, instances.back()->port());
    // One at a time, so that they join in this order and each succeeds the one before.
    REQUIRE(eventually([&] {
      const auto view = leader_view(instances[i]->port());
      return i == 0 ? acting(view) : view.role == "standby";
    }));
  }
  REQUIRE(eventually([&] { return running_tasks(port).size() == tasks; }, 30s));
  const auto before = every_task(port);
  const auto framework_id = framework_id_of(port);
  for (std::size_t i = 1; i < 3; ++i) {
    REQUIRE(eventually([&] { return leader_view(instances[i]->port()).role == "standby"; }));
    const auto health = instances[i]->get("/health");
    CHECK(health.status == 503);
    CHECK(health.body == "standby; leader is " + address_of(*instances[0]) + "\n");
    CHECK(leader_view(instances[i]->port()).leader == address_of(*instances[0]));
  }

  // SIGTERM: the leader stops, its session closes, its successor leads.
  const auto term_at = watch.elapsed();
  CHECK(instances[0]->process().stop(SIGTERM) == 0);
  watch.watch(0, 0);
  REQUIRE_MESSAGE(eventually([&] { return watch.first_acting(1).has_value(); }, 5s),
                  instances[0]->process().stderr_text() << "\n--- the successor:\n"
                                                        << instances[1]->process().stderr_text());
  const auto after_term = *watch.first_acting(1) - term_at;
  report("SIGTERM to a subscribed successor", after_term);
  CHECK(after_term <= 1s);
  nothing_relaunched(port, before, framework_id);
  CHECK(leader_view(instances[2]->port()).leader == address_of(*instances[1]));

  // SIGKILL: nothing closes the session; the server expires it after the timeout.
  const auto kill_at = watch.elapsed();
  instances[1]->process().stop(SIGKILL);
  watch.watch(1, 0);
  REQUIRE(eventually([&] { return watch.first_acting(2).has_value(); }, 15s));
  const auto after_kill = *watch.first_acting(2) - kill_at;
  report("SIGKILL to a subscribed successor", after_kill);
  CHECK(after_kill <= session_timeout + 1s);
  nothing_relaunched(port, before, framework_id);
  CHECK(watch.violation() == "");
  CHECK(watch.samples() > 100);
}

TEST_CASE(
    "ha: a leader cut off from ZooKeeper holds its calls before a standby takes over, and "
    "then exits without subscribing back") {
  iof::test::ZkServer zk;
  iof::test::StallProxy proxy(zk.port());
  auto started = cluster_with_tasks();
  const auto port = started.cluster->port();
  HaWatch watch(port, tasks + 1);
  auto leader = instance(*started.cluster, proxy.port());  // through the proxy
  watch.watch(0, leader->port());
  REQUIRE(eventually([&] { return acting(leader_view(leader->port())); }));
  auto standby = instance(*started.cluster, zk.port());
  watch.watch(1, standby->port());
  REQUIRE(eventually([&] { return running_tasks(port).size() == tasks; }, 30s));
  REQUIRE(eventually([&] { return leader_view(standby->port()).role == "standby"; }));
  const auto before = every_task(port);
  const auto framework_id = framework_id_of(port);

  const auto stalled_at = watch.elapsed();
  proxy.stall();
  REQUIRE(eventually([&] { return watch.first_acting(1).has_value(); }, 15s));
  const auto took_over = *watch.first_acting(1) - stalled_at;
  report("stalled ZooKeeper link to a subscribed standby", took_over);
  REQUIRE(watch.first_held(0).has_value());
  const auto held = *watch.first_held(0) - stalled_at;
  report("stalled ZooKeeper link to calls held", held);
  CHECK(held < took_over);
  CHECK(took_over <= session_timeout + 1s);

  // The master fails the old leader over; it must not subscribe back.
  CHECK_MESSAGE(leader->process().wait(10s) == 3, leader->process().stderr_text());
  watch.watch(0, 0);
  CHECK(leader->process().stderr_text().find("No longer the leader") != std::string::npos);
  nothing_relaunched(port, before, framework_id);
  const auto log = leader->process().stderr_text();
  std::size_t subscriptions = 0;
  for (auto at = log.find("Subscribed with ID"); at != std::string::npos;
       at = log.find("Subscribed with ID", at + 1)) {
    ++subscriptions;
  }
  CHECK(subscriptions == 1);
  CHECK(watch.violation() == "");
}

TEST_CASE("ha: ZooKeeper restarted: one leader acts afterwards and no task is relaunched") {
  iof::test::ZkServer zk;
  auto started = cluster_with_tasks();
  const auto port = started.cluster->port();
  HaWatch watch(port, tasks + 1);
  auto first = instance(*started.cluster, zk.port());
  watch.watch(0, first->port());
  REQUIRE(eventually([&] { return acting(leader_view(first->port())); }));
  auto second = instance(*started.cluster, zk.port());
  watch.watch(1, second->port());
  REQUIRE(eventually([&] { return running_tasks(port).size() == tasks; }, 30s));
  REQUIRE(eventually([&] { return leader_view(second->port()).role == "standby"; }));
  const auto before = every_task(port);
  const auto framework_id = framework_id_of(port);

  zk.stop();
  REQUIRE(eventually([&] { return leader_view(first->port()).role == "leader_calls_held"; }));
  zk.start();
  // Whichever leads afterwards (the same one if its session survived the restart), exactly one
  // acts and the tasks are the same.
  REQUIRE(eventually(
      [&] { return acting(leader_view(first->port())) || acting(leader_view(second->port())); },
      20s));
  nothing_relaunched(port, before, framework_id);
  CHECK(watch.violation() == "");
}

TEST_CASE("ha: instances started together elect one leader, which runs the N tasks") {
  iof::test::ZkServer zk;
  auto started = cluster_with_tasks();
  const auto port = started.cluster->port();
  HaWatch watch(port, tasks);
  std::vector<std::unique_ptr<Framework>> instances;
  for (std::size_t i = 0; i < 3; ++i) {
    instances.push_back(instance(*started.cluster, zk.port()));
  }
  for (std::size_t i = 0; i < 3; ++i) {
    watch.watch(i, instances[i]->port());
  }
  REQUIRE(eventually([&] { return running_tasks(port).size() == tasks; }, 30s));
  std::size_t leaders = 0;
  std::size_t standbys = 0;
  for (const auto& one : instances) {
    const auto view = leader_view(one->port());
    leaders += acting(view) ? 1U : 0U;
    standbys += view.role == "standby" ? 1U : 0U;
  }
  CHECK(leaders == 1);
  CHECK(standbys == 2);
  CHECK(master_state(port).at("frameworks").as_array().size() == 1);
  std::this_thread::sleep_for(1s);
  CHECK(every_task(port).size() == tasks);
  CHECK(watch.violation() == "");
}
