#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "iof/framework/flags.hpp"
#include "iof/framework/master_spec.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/framework/state_store.hpp"

// The framework's I/O shell, shaped as the design card says: a subscribe-and-retry coroutine
// with a one-second backoff, an event-stream reader, and one handler task per event, all on one
// strand that owns the SchedulerState. A handler task awaits the state's save before its calls
// are released. Calls go out in order on a second connection, as libmesos does it.
namespace iof::framework {

class Runtime : public std::enable_shared_from_this<Runtime> {
 public:
  // `saved` comes from --state_file: the framework ID and tasks of an earlier run. `store` is
  // where the state goes before calls that depend on it leave; by default the --state_file, and
  // none without it (the calls then leave at once).
  static std::shared_ptr<Runtime> create(boost::asio::any_io_executor executor, Flags flags,
                                         MasterSpec master, std::string user,
                                         std::optional<Snapshot> saved = std::nullopt,
                                         std::shared_ptr<StateStore> store = nullptr);

  // Runs until the master sends ERROR, a save fails, leader discovery cannot start (status 1),
  // or stop() completes (status 0). It returns once every task it started has ended.
  boost::asio::awaitable<int> run();
  // Disconnects, leaving the tasks to a restarted framework (TEARDOWN first with
  // --teardown_on_exit, the example's behaviour); then run() returns 0.
  void stop();
  // High availability: while `held`, no call and no SUBSCRIBE leaves (the leader lost its
  // ZooKeeper session and a standby may take over); they go on once released.
  void hold_calls(bool held);
  // Ends at once without a word to the master, TEARDOWN never: another instance leads now.
  // run() returns `status`.
  void abdicate(int status);

  // Runs `observer` on the strand after the runtime's frames (an event decided, a call answered,
  // a timer), at most once per `interval` and always once after the last frame of a burst. The
  // endpoints publish what they serve from it, so they never wait for the strand while a large
  // event is decided. Set it before run().
  void observe_frames(std::function<void(const SchedulerState&)> observer,
                      std::chrono::milliseconds interval);

  // Read on the strand only (/state posts there).
  const SchedulerState& state() const;
  boost::asio::any_io_executor strand() const;

  struct Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);
  ~Runtime();

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace iof::framework
