#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "iof/common/result.hpp"
#include "iof/discovery/zk_url.hpp"

// The ZooKeeper C client (multi-threaded flavour) as awaitable requests: each request completes
// on the caller's executor with a typed code, and session changes and watches arrive there as
// callbacks. Only zk_client.cpp includes the C client's headers.
struct _zhandle;

namespace iof::framework::ha {

// How a request ended. `connection_lost` means the outcome is unknown (the request may or may not
// have been applied); `session_expired` and `closing` mean the session is over.
enum class ZkCode {
  ok,
  no_node,
  node_exists,
  bad_version,
  not_empty,
  no_auth,
  connection_lost,
  session_expired,
  closing,
  other
};

struct ZkStatus {
  ZkCode code = ZkCode::other;
  std::string text;  // the client's own words, for the log
  bool ok() const { return code == ZkCode::ok; }
};

enum class ZkSessionState { connected, connecting, expired, auth_failed };

struct ZkNode {
  std::string data;
  std::int32_t version = 0;  // the znode's data version, for a conditional write
};

enum class CreateMode { persistent, ephemeral_sequential };

class ZkClient {
 public:
  struct Handlers {
    std::function<void(ZkSessionState)> session;   // the session's state changed
    std::function<void(const std::string&)> node;  // a watch fired on this path
  };

  // Starts connecting in the background; `handlers` run on `executor`, never after the client is
  // destroyed. Fails only when the client cannot start (no host name resolves).
  static Result<std::unique_ptr<ZkClient>> open(boost::asio::any_io_executor executor,
                                                const discovery::ZkUrl& url,
                                                std::chrono::milliseconds session_timeout,
                                                Handlers handlers);
  // Closes the session (its ephemeral znodes go at once) and joins the client's threads.
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  // The timeout the server granted (it clamps the asked one to its own bounds); 0 until the
  // first connection.
  std::chrono::milliseconds negotiated_timeout() const;

  // Creates `path`; with ephemeral_sequential the server appends a sequence number and the
  // result is the created path. Nodes are open to all, or to the URL's digest user only.
  boost::asio::awaitable<std::pair<ZkStatus, std::string>> create(std::string path,
                                                                  std::string data,
                                                                  CreateMode mode);
  // Creates every missing ancestor of `path` and `path` itself, as persistent empty nodes.
  boost::asio::awaitable<ZkStatus> create_path(std::string path);
  boost::asio::awaitable<std::pair<ZkStatus, ZkNode>> get(std::string path);
  // Writes `data` only if the node's version is still `version`; the result is the new version.
  boost::asio::awaitable<std::pair<ZkStatus, std::int32_t>> set(std::string path, std::string data,
                                                                std::int32_t version);
  // The children's names, and a watch that fires once when they change.
  boost::asio::awaitable<std::pair<ZkStatus, std::vector<std::string>>> children_watched(
      std::string path);
  // Whether the node exists, and a watch that fires once when it is created, changed or deleted.
  boost::asio::awaitable<std::pair<ZkStatus, bool>> exists_watched(std::string path);

  struct Relay;

 private:
  ZkClient(boost::asio::any_io_executor executor, std::shared_ptr<Relay> relay);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<Relay> relay_;
  ::_zhandle* handle_ = nullptr;
  bool restricted_ = false;  // digest credentials: nodes only for that user
};

}  // namespace iof::framework::ha
