// LeaderWatcher against a real ZooKeeper server whose znodes the test writes as Mesos masters
// would: which master leads, and what is reported when none does.
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "watch_harness.hpp"
#include "zk_client.hpp"
#include "zk_server.hpp"

using iof::test::Loop;
using iof::test::master_info_json;
using iof::test::Watch;
using iof::test::ZkClient;
using iof::test::ZkServer;

TEST_CASE("the leading master's address is reported") {
  ZkServer server;
  ZkClient masters(server.hosts());
  masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  CHECK_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
  CHECK_MESSAGE(watch.reports().size() == 1, watch.history());
}

TEST_CASE("a nested group path and a trailing slash work") {
  ZkServer server;
  ZkClient masters(server.hosts());
  masters.register_master("/prod/mesos", master_info_json("10.0.0.4", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/prod/mesos/");
  CHECK_MESSAGE(watch.until_leader("10.0.0.4:5050"), watch.history());
}

TEST_CASE("the lowest sequence leads and the next one leads when its master dies") {
  ZkServer server;
  auto first = std::make_unique<ZkClient>(server.hosts());
  first->register_master("/mesos", master_info_json("10.0.0.1", 5050));
  ZkClient second(server.hosts());
  second.register_master("/mesos", master_info_json("10.0.0.2", 5051));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
  CHECK_MESSAGE(watch.reports().size() == 1, watch.history());
  first.reset();  // its session ends and ZooKeeper removes its ephemeral znode
  CHECK_MESSAGE(watch.until_leader("10.0.0.2:5051"), watch.history());
  CHECK_MESSAGE(watch.reports().size() == 2, watch.history());
}

TEST_CASE("a deleted leader is reported gone, and its replacement found") {
  ZkServer server;
  ZkClient masters(server.hosts());
  const std::string leader = masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
  masters.remove(leader);
  CHECK_MESSAGE(watch.until_error("no master registered under /mesos"), watch.history());
  masters.register_master("/mesos", master_info_json("10.0.0.3", 5052));
  CHECK_MESSAGE(watch.until_leader("10.0.0.3:5052"), watch.history());
}

TEST_CASE("a master re-registering at the same address is reported again") {
  ZkServer server;
  ZkClient masters(server.hosts());
  const std::string old_node =
      masters.register_master("/mesos", master_info_json("10.0.0.1", 5050, "before-restart"));
  masters.register_master("/mesos", master_info_json("10.0.0.1", 5050, "after-restart"));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
  masters.remove(old_node);
  // Another master instance is another leader to subscribe to, though its address is the same.
  REQUIRE_MESSAGE(watch.until_count(2), watch.history());
  CHECK(watch.reports().back() == "10.0.0.1:5050");
}

TEST_CASE("children that are not json.info_ masters are ignored") {
  ZkServer server;
  ZkClient masters(server.hosts());
  masters.create("/mesos/log_replicas");
  // An old-format node with a lower sequence number than the JSON master that follows.
  masters.create("/mesos/info_", "\x0a\x03pb!", true);
  masters.register_master("/mesos", master_info_json("10.0.0.7", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  CHECK_MESSAGE(watch.until_leader("10.0.0.7:5050"), watch.history());
  CHECK_MESSAGE(watch.reports().size() == 1, watch.history());
}

TEST_CASE("no master registered is reported, then the first one to register") {
  ZkServer server;
  ZkClient masters(server.hosts());
  masters.create("/mesos/log_replicas");
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_error("no master registered under /mesos"), watch.history());
  masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  CHECK_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
}

TEST_CASE("a missing group znode is reported, and its masters found once it exists") {
  ZkServer server;
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_error("no master registered under /mesos (the znode does not exist)"),
                  watch.history());
  ZkClient masters(server.hosts());
  masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  CHECK_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
}

TEST_CASE("a leader whose data is not MasterInfo JSON is an error until it goes") {
  ZkServer server;
  ZkClient masters(server.hosts());
  const std::string broken = masters.register_master("/mesos", "master@10.0.0.1:5050");
  masters.register_master("/mesos", master_info_json("10.0.0.2", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_error("does not say where it is"), watch.history());
  CHECK(watch.reports().back().find(broken) != std::string::npos);
  CHECK(watch.reports().back().find("syntax error") != std::string::npos);
  masters.remove(broken);
  CHECK_MESSAGE(watch.until_leader("10.0.0.2:5050"), watch.history());
}
