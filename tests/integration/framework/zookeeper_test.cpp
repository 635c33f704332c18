// --master=zk://: the framework follows the leading master through a real ZooKeeper server
// (Debian's, started by the test on a free loopback port), waits while none is registered, and
// moves to the next leader when the leading znode changes, keeping its framework and tasks.
#include "framework_fixture.hpp"
#include "zk_client.hpp"
#include "zk_server.hpp"

using namespace iof::test::framework;
using iof::test::ZkClient;
using iof::test::ZkServer;

TEST_CASE("zk://: the leader comes from ZooKeeper, and a new leader node moves the framework") {
  if (skipped_on_real_mesos(
          "mesos-sim's masters are registered in ZooKeeper by hand here; on real "
          "Mesos the master-restart scenario follows real masters through zk://")) {
    return;
  }
  ZkServer zookeeper;
  TempDir dir;
  auto first = std::make_unique<SimProcess>(std::vector<std::string>{
      "--agents=3", "--allocation_interval=100ms", "--work_dir=" + dir.path()});
  // Started before any master registered: it waits for one.
  Framework framework({"--master=zk://" + zookeeper.hosts() + "/mesos", "--num_tasks=2"});
  std::this_thread::sleep_for(300ms);
  CHECK(framework.metric("subscriptions") == 0);

  ZkClient masters(zookeeper.hosts());
  const auto first_node =
      masters.register_master("/mesos", iof::test::master_info_json("127.0.0.1", first->port()));
  REQUIRE(eventually([&] { return running_tasks(first->port()).size() == 2; }));
  const auto before = running_tasks(first->port());
  const auto id = framework_id_of(first->port());

  // The leader dies; its successor recovers the registry and registers; the old znode goes.
  const auto fault = std::chrono::steady_clock::now();
  CHECK(first->stop() == 0);
  first.reset();
  SimProcess second({"--allocation_interval=100ms", "--work_dir=" + dir.path()});
  masters.register_master("/mesos", iof::test::master_info_json("127.0.0.1", second.port()));
  masters.remove(first_node);
  std::optional<std::chrono::milliseconds> took;
  REQUIRE(eventually([&] { return framework.metric("subscriptions") == 2; }));
  took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               fault);
  MESSAGE("zk:// leader change: fault to re-subscribed in " << took->count() << " ms");
  std::printf("resilience: zk:// leader change: fault to re-subscribed in %lld ms\n",
              static_cast<long long>(took->count()));
  CHECK(*took < 5s);
  CHECK(framework_id_of(second.port()) == id);
  CHECK(eventually([&] { return running_tasks(second.port()).size() == 2; }));
  std::set<std::string> ids;
  for (const auto& task : running_tasks(second.port())) {
    ids.insert(task.id);
  }
  for (const auto& task : before) {
    CHECK(ids.contains(task.id));
  }
  CHECK(invariant_violation(second.port(), 3).empty());
  CHECK(framework.metric("tasks_launched") == 2);
  CHECK(
      eventually([&] { return master_metric(second.port(), "sim/updates_unacknowledged") == 0; }));
  CHECK(framework.process().stop() == 0);
  const auto log = framework.process().stderr_text();
  CHECK(log.find("ZooKeeper: the leading master is http://127.0.0.1:" +
                 std::to_string(second.port())) != std::string::npos);
}
