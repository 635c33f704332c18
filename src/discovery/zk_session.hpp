#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "iof/common/result.hpp"
#include "iof/discovery/zk_url.hpp"

// The C client's handle type (zhandle_t), declared as zookeeper.h does.
struct _zhandle;

// One handle of the ZooKeeper C client (multi-threaded flavour) whose callbacks become plain
// events. Only zk_session.cpp includes the C client's headers.
namespace iof::discovery::detail {

enum class SessionState { connected, connecting, expired, auth_failed, other };

// How a request ended, in the terms the watcher decides on. `lost` covers every way the session
// itself failed (connection loss, closing, expiry): the session's own events say what comes next.
enum class Status { ok, no_node, no_auth, lost, other };

struct Outcome {
  Status status = Status::other;
  std::string text;  // the client's own words, for error reports
};

struct StateChanged {
  SessionState state;
};
// A watch fired on this path (children changed, or the node was created or deleted).
struct NodeChanged {
  std::string path;
};
struct ChildrenListed {
  Outcome outcome;
  std::vector<std::string> children;
};
struct NodeRead {
  Outcome outcome;
  std::string node;
  std::string data;
};
struct ExistenceChecked {
  Outcome outcome;
};
using SessionEvent =
    std::variant<StateChanged, NodeChanged, ChildrenListed, NodeRead, ExistenceChecked>;

class ZkSession {
 public:
  // Called on the client's own thread, also while the destructor runs: it must only hand the
  // event on (post it), never block and never call into the session.
  using Sink = std::function<void(SessionEvent)>;

  // Starts connecting in the background. Fails only when the client cannot start at all, for
  // example when no host name resolves.
  static Result<std::unique_ptr<ZkSession>> open(const std::string& hosts,
                                                 std::chrono::milliseconds timeout, Sink sink);
  // Closes the session and joins the client's threads: the sink is not called afterwards.
  ~ZkSession();
  ZkSession(const ZkSession&) = delete;
  ZkSession& operator=(const ZkSession&) = delete;

  // Each request answers with an event; a request the client refuses at once returns its error
  // (and sends no event).
  std::optional<Outcome> add_digest_auth(const DigestCredentials& credentials);
  std::optional<Outcome> list_children(const std::string& path);  // and watch them
  std::optional<Outcome> read(const std::string& path, const std::string& node);
  std::optional<Outcome> watch_existence(const std::string& path);

  struct Callbacks;

 private:
  explicit ZkSession(Sink sink);

  Sink sink_;
  ::_zhandle* handle_ = nullptr;
};

}  // namespace iof::discovery::detail
