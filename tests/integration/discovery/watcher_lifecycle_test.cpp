// LeaderWatcher through what happens to ZooKeeper and to the watcher itself: a server that is
// not up yet, a session that expires, credentials, and destruction, also from another thread.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "watch_harness.hpp"
#include "zk_client.hpp"
#include "zk_server.hpp"

using iof::test::Loop;
using iof::test::master_info_json;
using iof::test::Watch;
using iof::test::ZkClient;
using iof::test::ZkServer;
using namespace std::chrono_literals;

TEST_CASE("a server that starts after the watcher: no leader yet, then the leader") {
  const unsigned short port = iof::test::free_loopback_port();
  const std::string hosts = "127.0.0.1:" + std::to_string(port);
  Loop loop;
  Watch watch(loop, "zk://" + hosts + "/mesos", {1s, 200ms});
  REQUIRE_MESSAGE(watch.until_error("no leader yet: cannot reach ZooKeeper at " + hosts),
                  watch.history());
  ZkServer server(port);
  ZkClient masters(server.hosts());
  masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  CHECK_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());
}

TEST_CASE("an expired session is replaced and the leader found through the new one") {
  ZkServer server;
  auto old_masters = std::make_unique<ZkClient>(server.hosts());
  old_masters->register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  Watch watch(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(watch.until_leader("10.0.0.1:5050"), watch.history());

  // A server that lost its data knows no session: it expires the watcher's on reconnection,
  // once its own transaction ids have passed those the watcher saw.
  const auto seen = server.last_zxid();
  server.start(true);
  old_masters.reset();
  ZkClient masters(server.hosts());
  masters.register_master("/mesos", master_info_json("10.0.0.2", 5051));
  masters.advance_zxid_past(seen);
  CHECK_MESSAGE(watch.until_leader("10.0.0.2:5051"), watch.history());
  CHECK_MESSAGE(watch.reported("error: ZooKeeper session expired"), watch.history());
}

TEST_CASE("digest credentials open a group that only their user may read") {
  ZkServer server;
  ZkClient owner(server.hosts(), iof::test::Digest{"mesos", "secret"});
  owner.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  const std::string hosts = server.hosts();

  Watch anonymous(loop, "zk://" + hosts + "/mesos");
  CHECK_MESSAGE(anonymous.until_error("ZooKeeper denied listing /mesos"), anonymous.history());
  CHECK(anonymous.reports().back().find("no credentials") != std::string::npos);

  Watch wrong(loop, "zk://mesos:guess@" + hosts + "/mesos");
  CHECK_MESSAGE(wrong.until_error("ZooKeeper denied listing /mesos"), wrong.history());

  Watch right(loop, "zk://mesos:secret@" + hosts + "/mesos");
  CHECK_MESSAGE(right.until_leader("10.0.0.1:5050"), right.history());
}

TEST_CASE("no report reaches a destroyed watcher") {
  ZkServer server;
  ZkClient masters(server.hosts());
  const std::string leader = masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  Watch stopped(loop, "zk://" + server.hosts() + "/mesos");
  Watch control(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(stopped.until_leader("10.0.0.1:5050"), stopped.history());
  REQUIRE_MESSAGE(control.until_leader("10.0.0.1:5050"), control.history());
  masters.remove(leader);
  stopped.stop();
  masters.register_master("/mesos", master_info_json("10.0.0.2", 5050));
  // Once the watcher still running has seen both changes, the stopped one would have too.
  REQUIRE_MESSAGE(control.until_leader("10.0.0.2:5050"), control.history());
  CHECK_MESSAGE(stopped.reports().size() == 1, stopped.history());
}

TEST_CASE("a watcher may destroy itself from its callback") {
  ZkServer server;
  ZkClient masters(server.hosts());
  const std::string leader = masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  Loop loop;
  Watch once(loop, "zk://" + server.hosts() + "/mesos", iof::test::quick_options, true);
  Watch control(loop, "zk://" + server.hosts() + "/mesos");
  REQUIRE_MESSAGE(once.until_leader("10.0.0.1:5050"), once.history());
  REQUIRE_MESSAGE(control.until_leader("10.0.0.1:5050"), control.history());
  masters.remove(leader);
  masters.register_master("/mesos", master_info_json("10.0.0.2", 5050));
  REQUIRE_MESSAGE(control.until_leader("10.0.0.2:5050"), control.history());
  CHECK_MESSAGE(once.reports().size() == 1, once.history());
}

TEST_CASE("a watcher on a multi-threaded io_context stops from another thread") {
  ZkServer server;
  ZkClient masters(server.hosts());
  std::string leader = masters.register_master("/mesos", master_info_json("10.0.0.1", 5050));
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&io] { io.run(); });
  }
  std::mutex mutex;
  std::condition_variable reported;
  std::vector<std::string> reports;
  std::atomic<bool> destroyed{false};
  std::atomic<int> late{0};
  auto url = iof::discovery::parse_zk_url("zk://" + server.hosts() + "/mesos");
  REQUIRE(url.has_value());
  auto watcher = iof::discovery::LeaderWatcher::start(
      io.get_executor(), *url,
      [&](iof::Result<iof::discovery::LeaderAddress> report) {
        if (destroyed) {
          ++late;
        }
        std::lock_guard lock(mutex);
        reports.push_back(report ? to_string(*report) : "error: " + report.error().message);
        reported.notify_all();
      },
      iof::test::quick_options);
  REQUIRE(watcher.has_value());
  {
    std::unique_lock lock(mutex);
    CHECK(reported.wait_for(lock, 20s, [&] { return !reports.empty(); }));
  }
  // Failovers keep handlers running on the pool while the test's thread destroys the watcher.
  for (int round = 0; round < 20; ++round) {
    const std::string next = masters.register_master(
        "/mesos", master_info_json("10.0.0." + std::to_string(round + 2), 5050));
    masters.remove(leader);
    leader = next;
    if (round == 10) {
      watcher->reset();
      destroyed = true;
    }
  }
  work.reset();
  io.stop();
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(late == 0);
  std::lock_guard lock(mutex);
  REQUIRE_FALSE(reports.empty());
  CHECK(reports.front() == "10.0.0.1:5050");
}
