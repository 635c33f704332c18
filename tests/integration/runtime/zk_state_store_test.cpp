// The HA state store against a real ZooKeeper server: a leader's saves are conditional on the
// version it last wrote, so once another instance claims the node, the old leader's next save
// fails (the fence) and says why.
#include "iof/framework/ha/zk_state_store.hpp"

#include <optional>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "iof/framework/ha/state_node.hpp"
#include "iof/framework/ha/zk_client.hpp"

#include "runtime_harness.hpp"
#include "zk_server.hpp"

namespace iof::test::runtime {

namespace {

using framework::ha::CreateMode;
using framework::ha::ZkClient;
using framework::ha::ZkSessionState;

std::unique_ptr<ZkClient> connected_client(asio::io_context& io, const ZkServer& server) {
  bool up = false;
  ZkClient::Handlers handlers;
  handlers.session = [&up](ZkSessionState state) { up = up || state == ZkSessionState::connected; };
  discovery::ZkUrl url{server.hosts(), std::nullopt, "/iof"};
  auto client = ZkClient::open(io.get_executor(), url, std::chrono::seconds(4), handlers);
  REQUIRE(client.has_value());
  for (int i = 0; i < 100 && !up; ++i) {
    std::this_thread::sleep_for(100ms);  // the session's events come from the client's thread
    io.restart();
    io.poll();
  }
  REQUIRE(up);
  return std::move(*client);
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> out;
  asio::co_spawn(io, std::move(task), [&out](std::exception_ptr failure, T value) {
    REQUIRE_FALSE(failure);
    out = std::move(value);
  });
  for (int i = 0; i < 1000 && !out; ++i) {
    std::this_thread::sleep_for(10ms);  // the replies come from the client's thread
    io.restart();
    io.poll();
  }
  REQUIRE(out.has_value());
  return std::move(*out);
}

Snapshot with_next_id(std::uint64_t id) {
  Snapshot snapshot;
  snapshot.framework_id = "fw";
  snapshot.next_task_id = id;
  return snapshot;
}

}  // namespace

TEST_CASE(
    "ha: a deposed leader's save fails on the version once another instance claimed the "
    "state") {
  ZkServer server;
  asio::io_context io;
  auto old_leader = connected_client(io, server);
  auto new_leader = connected_client(io, server);
  const std::string path = "/iof/state";
  REQUIRE(run(io, old_leader->create_path(path)).ok());
  const auto [read, node] = run(io, old_leader->get(path));
  REQUIRE(read.ok());

  framework::ha::ZkStateStore store(*old_leader, path, node.version);
  REQUIRE(run(io, store.save(with_next_id(1))).has_value());
  REQUIRE(run(io, store.save(with_next_id(2))).has_value());

  // The new leader reads what the old one wrote and claims the node by rewriting it.
  const auto [seen, latest] = run(io, new_leader->get(path));
  REQUIRE(seen.ok());
  const auto decoded = framework::ha::decode_state_node(latest.data);
  REQUIRE(decoded.has_value());
  CHECK((*decoded)->next_task_id == 2);
  REQUIRE(run(io, new_leader->set(path, latest.data, latest.version)).first.ok());

  const auto fenced = run(io, store.save(with_next_id(3)));
  REQUIRE_FALSE(fenced.has_value());
  CHECK(fenced.error().message.find("no longer the leader") != std::string::npos);
  CHECK(store.deposed());
  const auto [after, kept] = run(io, new_leader->get(path));
  CHECK((*framework::ha::decode_state_node(kept.data))->next_task_id == 2);
}

}  // namespace iof::test::runtime
