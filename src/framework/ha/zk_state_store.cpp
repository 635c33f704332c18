#include "iof/framework/ha/zk_state_store.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "iof/framework/ha/state_node.hpp"

// gcc 12 inlines Asio's recycling frame allocator and then mistakes the sized operator delete of
// awaitable frames for a mismatch (gcc PR 109224): a false positive, as in src/http.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework::ha {

namespace asio = boost::asio;

ZkStateStore::ZkStateStore(ZkClient& client, std::string path, std::int32_t version)
    : client_(client), path_(std::move(path)), version_(version) {}

asio::awaitable<Result<void>> ZkStateStore::save(Snapshot snapshot) {
  auto bytes = encode_state_node(snapshot);
  if (!bytes) {
    co_return bytes.error();
  }
  last_size_ = bytes->size();
  // The client queues requests while it reconnects, and fails them once the session is over;
  // only an answer lost with the connection needs a second look.
  while (true) {
    const auto [written, version] = co_await client_.set(path_, *bytes, version_);
    if (written.ok()) {
      version_ = version;
      co_return Result<void>();
    }
    if (written.code == ZkCode::bad_version) {
      deposed_ = true;
      co_return Error{"Another instance wrote the HA state in ZooKeeper (" + path_ +
                      "): this one is no longer the leader"};
    }
    if (written.code != ZkCode::connection_lost || abandoned_) {
      deposed_ = written.code == ZkCode::session_expired || written.code == ZkCode::closing;
      co_return Error{"Cannot write the HA state in ZooKeeper (" + path_ + "): " + written.text};
    }
    // Whether the write happened is unknown: the node says. Our bytes one version on mean it
    // did; our version unchanged means it did not; anything else is another writer.
    std::pair<ZkStatus, ZkNode> answer;
    do {
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::use_awaitable);
      answer = co_await client_.get(path_);
    } while (answer.first.code == ZkCode::connection_lost && !abandoned_);
    const auto& [read, node] = answer;
    if (!read.ok()) {
      deposed_ = true;
      co_return Error{"Cannot read back the HA state in ZooKeeper (" + path_ + "): " + read.text};
    }
    if (node.version == version_ + 1 && node.data == *bytes) {
      version_ = node.version;
      co_return Result<void>();
    }
    if (node.version != version_) {
      deposed_ = true;
      co_return Error{"Another instance wrote the HA state in ZooKeeper (" + path_ +
                      "): this one is no longer the leader"};
    }
  }
}

}  // namespace iof::framework::ha
