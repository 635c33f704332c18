#include "iof/discovery/leader_watcher.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "iof/config/address.hpp"
#include "iof/discovery/leader_node.hpp"

#include "zk_session.hpp"

namespace iof::discovery {

namespace asio = boost::asio;
using detail::Status;

// Runs on a strand. The ZooKeeper client's thread only posts events here (ZkSession's sink), each
// tagged with the generation of the session it came from, so that replies of a session that was
// replaced are dropped. The mutex is held by every handler and by stop(): once stop() has set
// `stopped_`, no handler calls `on_change_` again, whichever thread stop() runs on. It is
// recursive because `on_change_` may destroy the watcher, which calls stop().
class LeaderWatcher::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::any_io_executor executor, ZkUrl url, OnChange on_change, WatchOptions options)
      : strand_(asio::make_strand(std::move(executor))),
        url_(std::move(url)),
        on_change_(std::move(on_change)),
        options_(options),
        connect_deadline_(strand_),
        retry_timer_(strand_) {}

  void begin() {
    asio::post(strand_, [weak = weak_from_this()] {
      if (auto core = weak.lock()) {
        std::lock_guard lock(core->mutex_);
        if (!core->stopped_) {
          core->open_session();
        }
      }
    });
  }

  void stop() {
    std::unique_ptr<detail::ZkSession> session;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      session = std::move(session_);
    }
    // Outside the lock: closing waits for the client's threads, whose callbacks only post.
    session.reset();
  }

 private:
  enum class Retry { reopen, relist };

  void open_session() {
    session_.reset();
    ++generation_;
    connected_ = false;
    was_connected_ = false;
    leader_node_.clear();
    auto opened = detail::ZkSession::open(url_.hosts, options_.session_timeout, sink());
    if (!opened) {
      report_error(opened.error().message + " (retrying)");
      retry_later(Retry::reopen);
      return;
    }
    session_ = std::move(*opened);
    if (url_.credentials) {
      if (auto refused = session_->add_digest_auth(*url_.credentials)) {
        report_error("the ZooKeeper client refused the credentials: " + refused->text);
      }
    }
    arm_connect_deadline();
  }

  detail::ZkSession::Sink sink() {
    return [weak = weak_from_this(), strand = strand_,
            generation = generation_](detail::SessionEvent event) {
      asio::post(strand, [weak, generation, event = std::move(event)]() mutable {
        if (auto core = weak.lock()) {
          core->handle(generation, std::move(event));
        }
      });
    };
  }

  void handle(std::uint64_t generation, detail::SessionEvent event) {
    std::lock_guard lock(mutex_);
    if (stopped_ || generation != generation_) {
      return;
    }
    std::visit([this](auto& e) { on(e); }, event);
  }

  void on(const detail::StateChanged& event) {
    switch (event.state) {
      case detail::SessionState::connected:
        connected_ = true;
        was_connected_ = true;
        connect_deadline_.cancel();
        list();  // also after a reconnect: replies may have been lost with the connection
        break;
      case detail::SessionState::connecting:
        if (connected_) {
          connected_ = false;
          arm_connect_deadline();
        }
        break;
      case detail::SessionState::expired:
        report_error("ZooKeeper session expired; opening a new one");
        if (!stopped_) {
          open_session();
        }
        break;
      case detail::SessionState::auth_failed:
        report_error("ZooKeeper refused the credentials of user '" +
                     (url_.credentials ? url_.credentials->user : std::string()) + "'");
        retry_later(Retry::reopen);
        break;
      case detail::SessionState::other:
        break;
    }
  }

  // A watch fired on the masters' znode: its children changed, or it was created or deleted.
  void on(const detail::NodeChanged&) { list(); }

  void on(const detail::ChildrenListed& event) {
    switch (event.outcome.status) {
      case Status::ok:
        if (auto node = leader_node(event.children); !node) {
          report_error("no master registered under " + url_.path);
        } else if (*node != leader_node_) {
          leader_node_ = *node;
          read_leader();
        }
        break;
      case Status::no_node:
        report_error("no master registered under " + url_.path + " (the znode does not exist)");
        // Children cannot be watched on a missing node; its creation can.
        if (session_ && connected_) {
          session_->watch_existence(url_.path);
        }
        break;
      case Status::no_auth:
        report_error("ZooKeeper denied listing " + url_.path + ": " + event.outcome.text +
                     (url_.credentials ? "" : " (no credentials in the zk:// URL)"));
        retry_later(Retry::relist);
        break;
      case Status::lost:
        break;  // the session's events drive what comes next
      case Status::other:
        report_error("cannot list " + url_.path + " in ZooKeeper: " + event.outcome.text);
        retry_later(Retry::relist);
        break;
    }
  }

  void on(const detail::NodeRead& event) {
    if (event.node != leader_node_) {
      return;  // a leader that has been replaced since
    }
    const std::string where = url_.path + "/" + event.node;
    switch (event.outcome.status) {
      case Status::ok:
        if (auto address = leader_address(event.data)) {
          report(false, "leader " + event.node + " " + to_string(*address), std::move(*address));
        } else {
          report_error("the leading master's znode " + where +
                       " does not say where it is: " + address.error().message);
        }
        break;
      case Status::no_node:
        leader_node_.clear();  // gone between the listing and the read
        list();
        break;
      case Status::lost:
        leader_node_.clear();  // read again once reconnected
        break;
      case Status::no_auth:
      case Status::other:
        report_error("cannot read the leading master's znode " + where + ": " + event.outcome.text);
        retry_later(Retry::relist);
        break;
    }
  }

  void on(const detail::ExistenceChecked& event) {
    if (event.outcome.status == Status::ok) {
      list();  // created between the listing and the check
    } else if (event.outcome.status != Status::no_node && event.outcome.status != Status::lost) {
      retry_later(Retry::relist);
    }
  }

  void list() {
    if (!session_ || !connected_) {
      return;
    }
    if (auto refused = session_->list_children(url_.path);
        refused && refused->status != Status::lost) {
      report_error("cannot list " + url_.path + " in ZooKeeper: " + refused->text);
      retry_later(Retry::relist);
    }
  }

  void read_leader() {
    if (!session_) {
      return;
    }
    if (auto refused = session_->read(url_.path, leader_node_)) {
      leader_node_.clear();
      if (refused->status != Status::lost) {
        report_error("cannot read the leading master's znode: " + refused->text);
        retry_later(Retry::relist);
      }
    }
  }

  void arm_connect_deadline() {
    connect_deadline_.expires_after(options_.session_timeout);
    connect_deadline_.async_wait(
        [weak = weak_from_this(), generation = generation_](boost::system::error_code error) {
          auto core = weak.lock();
          if (error || !core) {
            return;
          }
          std::lock_guard lock(core->mutex_);
          if (!core->stopped_ && generation == core->generation_ && !core->connected_) {
            core->report_error(core->was_connected_
                                   ? "no leader: lost the connection to ZooKeeper at " +
                                         core->url_.hosts + " (reconnecting)"
                                   : "no leader yet: cannot reach ZooKeeper at " +
                                         core->url_.hosts + " (still trying)");
          }
        });
  }

  void retry_later(Retry what) {
    retry_timer_.expires_after(options_.retry_interval);
    retry_timer_.async_wait(
        [weak = weak_from_this(), generation = generation_, what](boost::system::error_code error) {
          auto core = weak.lock();
          if (error || !core) {
            return;
          }
          std::lock_guard lock(core->mutex_);
          if (core->stopped_ || generation != core->generation_) {
            return;
          }
          if (what == Retry::reopen) {
            core->open_session();
          } else {
            core->list();
          }
        });
  }

  void report_error(std::string message) {
    leader_node_.clear();  // whoever leads next is news, even the same node
    report(true, message, Error{std::move(message)});
  }

  // `key` tells states apart, so that only changes reach `on_change_`.
  void report(bool is_error, std::string key, Result<LeaderAddress> result) {
    key.insert(0, is_error ? "error " : "");
    if (last_ == key) {
      return;
    }
    last_ = std::move(key);
    if (!stopped_) {
      on_change_(std::move(result));
    }
  }

  asio::strand<asio::any_io_executor> strand_;
  const ZkUrl url_;
  const OnChange on_change_;
  const WatchOptions options_;

  std::recursive_mutex mutex_;
  bool stopped_ = false;
  std::unique_ptr<detail::ZkSession> session_;
  std::uint64_t generation_ = 0;
  bool connected_ = false;
  bool was_connected_ = false;  // in this session: decides between "cannot reach" and "lost"
  std::string leader_node_;     // the node being read, or the one last reported
  std::optional<std::string> last_;
  asio::steady_timer connect_deadline_;
  asio::steady_timer retry_timer_;
};

Result<std::unique_ptr<LeaderWatcher>> LeaderWatcher::start(asio::any_io_executor executor,
                                                            ZkUrl url, OnChange on_change,
                                                            WatchOptions options) {
  if (url.hosts.empty()) {
    return Error{"LeaderWatcher: no ZooKeeper servers given"};
  }
  for (const auto host : config::split(url.hosts, ',')) {
    if (!config::is_host_port(host)) {
      return Error{"LeaderWatcher: '" + std::string(host) + "' is not host:port"};
    }
  }
  if (auto problem = zk_path_problem(url.path)) {
    return Error{"LeaderWatcher: " + *problem};
  }
  if (!on_change) {
    return Error{"LeaderWatcher: no on_change callback"};
  }
  auto core =
      std::make_shared<Core>(std::move(executor), std::move(url), std::move(on_change), options);
  core->begin();
  return std::unique_ptr<LeaderWatcher>(new LeaderWatcher(std::move(core)));
}

LeaderWatcher::LeaderWatcher(std::shared_ptr<Core> core) : core_(std::move(core)) {}

LeaderWatcher::~LeaderWatcher() {
  core_->stop();
}

}  // namespace iof::discovery
