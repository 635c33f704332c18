// The Runtime's own behaviour against an in-process mesos-sim: how it ends (stop, ERROR, a failed
// save), that it leaves nothing running, and that a handler's calls wait for the state's save.
#include <boost/asio/ip/tcp.hpp>

#include "runtime_harness.hpp"

namespace iof::test::runtime {

namespace {

// A port on 127.0.0.1 where nothing listens (bound once, then released).
std::string unused_port(asio::io_context& io) {
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  return std::to_string(port);
}

}  // namespace

TEST_CASE("stop() while subscribed makes run() return 0 promptly, with nothing left running") {
  RuntimeHarness harness;
  harness.start(RuntimeHarness::flags(), harness.master_spec());
  REQUIRE(harness.run_until([&] { return harness.master_tasks() == 1; }, 10s));
  REQUIRE(harness.runtime->state().subscribed());

  harness.runtime->stop();
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 5s));
  CHECK(*harness.status == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 1s);
  harness.expect_nothing_left_running();
}

TEST_CASE("stop() while the master is unreachable makes run() return 0 during the backoff") {
  RuntimeHarness harness;
  MasterSpec nowhere;
  nowhere.candidates = {Endpoint{false, "127.0.0.1", unused_port(harness.io)}};
  harness.start(RuntimeHarness::flags(), nowhere);
  harness.run_for(1500ms);  // refused at once, then backing off (1 s, growing)
  REQUIRE_FALSE(harness.status.has_value());

  harness.runtime->stop();
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 5s));
  CHECK(*harness.status == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 500ms);
  harness.expect_nothing_left_running();
}

TEST_CASE("an ERROR from the master ends run() with status 1") {
  RuntimeHarness harness;
  auto flags = RuntimeHarness::flags();
  flags.role = "no/such/role";  // the master refuses the FrameworkInfo with an ERROR event
  harness.start(flags, harness.master_spec());
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 10s));
  CHECK(*harness.status == 1);
  harness.expect_nothing_left_running();
}

TEST_CASE("a zk:// master with a bad URL ends run() with status 1 through the same path") {
  RuntimeHarness harness;
  MasterSpec spec;
  spec.zookeeper = "zk://";  // no hosts: parse_zk_url refuses it
  harness.start(RuntimeHarness::flags(), spec);
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 5s));
  CHECK(*harness.status == 1);
  harness.expect_nothing_left_running();
}

TEST_CASE("a failed save ends run() with status 1 and its calls never leave") {
  RuntimeHarness harness;
  auto store = std::make_shared<GatedStore>(harness.io.get_executor());
  store->failure = "disk full";
  harness.start(RuntimeHarness::flags(), harness.master_spec(), store);
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 10s));
  CHECK(*harness.status == 1);
  CHECK(store->started == 1);  // the session exits on the first failure: nothing else is saved
  CHECK(harness.master_tasks() == 0);
  harness.expect_nothing_left_running();
}

TEST_CASE("a handler's LAUNCH waits until the store has saved the state that names its task") {
  RuntimeHarness harness;
  auto store = std::make_shared<GatedStore>(harness.io.get_executor());
  store->held = true;
  harness.start(RuntimeHarness::flags(), harness.master_spec(), store);
  // Offers come every 100 ms: the core decides the launch while the first save is held.
  REQUIRE(harness.run_until(
      [&] { return harness.runtime->state().snapshot().sleepers.size() == 1; }, 10s));
  harness.run_for(1s);
  CHECK(store->in_progress == 1);  // one save at a time, the later state waits its turn
  CHECK(harness.master_tasks() == 0);

  store->release();
  REQUIRE(harness.run_until([&] { return harness.master_tasks() == 1; }, 5s));
  REQUIRE_FALSE(store->stored.empty());
  CHECK(store->stored.back().sleepers.size() == 1);  // the task was stored before its LAUNCH left

  harness.runtime->stop();
  REQUIRE(harness.run_until([&] { return harness.status.has_value(); }, 5s));
  CHECK(*harness.status == 0);
  harness.expect_nothing_left_running();
}

}  // namespace iof::test::runtime
