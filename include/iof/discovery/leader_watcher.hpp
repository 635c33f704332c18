#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "iof/common/result.hpp"
#include "iof/discovery/master_info.hpp"
#include "iof/discovery/zk_url.hpp"

// Follows the leading Mesos master through ZooKeeper, as Mesos's own master detector does: a
// watch on the children of the masters' znode, the lowest json.info_ sequence leads, its data
// says where it is.
namespace iof::discovery {

struct WatchOptions {
  // The session timeout asked of ZooKeeper (which clamps it to 2 to 20 ticks). It is also how
  // long the watcher goes unconnected, at start or after losing its server, before it reports
  // that there is no leader. Mesos's detector uses 10 s.
  std::chrono::milliseconds session_timeout = std::chrono::seconds(10);
  // The pause before retrying what no ZooKeeper event will fix: a read the ACL refused, a client
  // that could not start (host names that do not resolve), refused credentials.
  std::chrono::milliseconds retry_interval = std::chrono::seconds(2);
};

class LeaderWatcher {
 public:
  // Called on the executor with each new state: the leader's address when a different znode
  // leads (also when a re-registered master kept its address), or an error saying why there is
  // none ("no master registered under /mesos", "ZooKeeper session expired...", a leader whose
  // data is unreadable). Consecutive identical errors are reported once.
  using OnChange = std::function<void(Result<LeaderAddress>)>;

  // Starts watching at once and keeps trying whatever fails: it never blocks on the servers.
  // Fails only for a URL that parse_zk_url() would not produce. Handlers run through a strand
  // of `executor`, so a multi-threaded io_context is fine.
  static Result<std::unique_ptr<LeaderWatcher>> start(boost::asio::any_io_executor executor,
                                                      ZkUrl url, OnChange on_change,
                                                      WatchOptions options = {});

  // Closes the ZooKeeper session, waiting for the client's threads (normally milliseconds);
  // `on_change` is never called once this returns. It may be called from `on_change` itself and
  // from any thread, but before the executor's execution context is destroyed.
  ~LeaderWatcher();
  LeaderWatcher(const LeaderWatcher&) = delete;
  LeaderWatcher& operator=(const LeaderWatcher&) = delete;

 private:
  class Core;
  explicit LeaderWatcher(std::shared_ptr<Core> core);

  std::shared_ptr<Core> core_;
};

}  // namespace iof::discovery
