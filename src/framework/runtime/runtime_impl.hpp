#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "iof/discovery/leader_watcher.hpp"
#include "iof/framework/runtime.hpp"
#include "iof/framework/session.hpp"
#include "iof/http/client.hpp"

#include "persister.hpp"

// The runtime's shared state, grouped by the coroutine that owns each part. Everything runs on
// `strand`; the session decides, the coroutines perform.
namespace iof::framework {

struct Runtime::Impl {
  Impl(boost::asio::any_io_executor executor, Flags flags_in, MasterSpec master,
       const std::string& user, std::optional<Snapshot> saved, std::shared_ptr<StateStore> store);

  static Time now() {
    return std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  }

  // Performs what the session asked for, then re-arms the session's timer. A SaveState is
  // awaited and its persisted() performed before the actions after it: the calls that the state
  // covers are released only once the store has it.
  boost::asio::awaitable<void> perform(session::Actions actions);
  // Starts a task on the strand that run() waits for before it returns (an event's handler,
  // actions decided outside any coroutine).
  void spawn(boost::asio::awaitable<void> task);
  // The one way the runtime ends, whatever ends it: the session's Finish, or a ZooKeeper URL or
  // watcher that cannot start. Wakes every loop, drops both connections and the watcher.
  void finish(int status);
  // Starts following the leader through ZooKeeper, with a zk:// master.
  Result<void> start_watcher();
  boost::asio::awaitable<void> tasks_finished();
  // After a frame: runs the frame observer now, or once its interval has passed.
  void frame_done();

  std::vector<http::Header> headers() const;
  std::optional<http::TlsOptions> tls(const Endpoint& endpoint) const;

  boost::asio::strand<boost::asio::any_io_executor> strand;
  const Flags flags;
  Session session;
  Persister persister;
  std::weak_ptr<Runtime> owner;  // spawned tasks keep the Runtime alive until they end

  // The subscribe-and-retry loop's: the SUBSCRIBE the session asked for, and the stream.
  struct Subscriber {
    std::optional<session::OpenStream> next;
    std::shared_ptr<http::ClientConnection> stream;
    std::uint64_t stream_number = 0;  // the stream's OpenStream id
    boost::asio::steady_timer wake;   // cancelled when `next` is set
  } subscriber;

  // The call sender's: the calls the session released, and the calls connection, where they are
  // written back to back while their answers are read in order (HTTP/1.1 pipelining).
  struct CallsLink {
    explicit CallsLink(const boost::asio::any_io_executor& executor, Endpoint to)
        : connection(executor), endpoint(std::move(to)) {}
    http::ClientConnection connection;
    Endpoint endpoint;
    std::deque<std::uint64_t> written;  // calls written and not yet answered, in order
    bool broken = false;                // its unanswered calls were reported failed
  };
  struct Sender {
    explicit Sender(const boost::asio::any_io_executor& strand)
        : executor(strand), wake(strand), written(strand) {}
    // Drops the connection: a pending write or read ends at once with an error.
    void close() {
      if (link) {
        link->connection.close();
      }
      written.cancel();
    }
    boost::asio::any_io_executor executor;
    std::deque<session::SendCall> next;  // released, not yet written
    std::shared_ptr<CallsLink> link;     // the connection the next call goes on, while it works
    boost::asio::steady_timer wake;      // cancelled when `next` grows
    boost::asio::steady_timer written;   // cancelled when a call is written: the reader waits
  } sender;

  // The session timer loop's: the session's next_wakeup().
  boost::asio::steady_timer wakeup;

  // Leader discovery, with a zk:// master.
  std::optional<std::string> zookeeper;
  std::unique_ptr<discovery::LeaderWatcher> watcher;

  // Set while an HA leader has no ZooKeeper session: no call and no SUBSCRIBE leaves, since a
  // standby may be about to take over; events are still read and decided.
  bool calls_held = false;

  // Set by finish() only.
  bool done = false;
  int exit_status = 0;

  // Spawned tasks still running; `tasks_idle` is cancelled when the last one ends.
  std::size_t tasks = 0;
  boost::asio::steady_timer tasks_idle;

  // observe_frames(): what runs after frames, how often at most, and when it last ran.
  struct Observer {
    std::function<void(const SchedulerState&)> run;
    std::chrono::steady_clock::duration interval{};
    std::chrono::steady_clock::time_point last{};
    bool scheduled = false;  // `timer` will run it
    boost::asio::steady_timer timer;
  } observer;
};

// The runtime's long-lived coroutines; each ends once the runtime is done.
boost::asio::awaitable<void> subscribe_loop(Runtime::Impl& s);
boost::asio::awaitable<void> send_calls(Runtime::Impl& s);
boost::asio::awaitable<void> run_timers(Runtime::Impl& s);
// Waits on `timer` until something cancels it (a new action) or the runtime is done.
boost::asio::awaitable<void> nudged(boost::asio::steady_timer& timer);

}  // namespace iof::framework
