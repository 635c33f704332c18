#pragma once

#include <functional>
#include <memory>
#include <signal.h>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/signal_set.hpp>

// SIGCHLD for one owner of child processes (the task runner, the health prober): each arrival
// calls the owner's reaper, which must look at every child of its own, since signals coalesce,
// and only at its own, since the other owner's children are not its to wait for.
namespace iof::sim {

class ChildSignals {
 public:
  explicit ChildSignals(boost::asio::any_io_executor executor)
      : state_(std::make_shared<State>(std::move(executor))) {}
  ~ChildSignals() { stop(); }
  ChildSignals(const ChildSignals&) = delete;
  ChildSignals& operator=(const ChildSignals&) = delete;

  // Calls `reap` on every SIGCHLD from now until stop().
  void start(std::function<void()> reap) {
    state_->reap = std::move(reap);
    wait(state_);
  }
  void stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->signals.cancel(ignored);
  }

 private:
  struct State {
    explicit State(boost::asio::any_io_executor executor) : signals(std::move(executor), SIGCHLD) {}
    boost::asio::signal_set signals;
    std::function<void()> reap;
    bool stopped = false;
  };

  static void wait(const std::shared_ptr<State>& state) {
    state->signals.async_wait(
        [weak = std::weak_ptr<State>(state)](const boost::system::error_code& error, int) {
          auto self = weak.lock();
          if (error || !self || self->stopped) {
            return;
          }
          self->reap();
          wait(self);
        });
  }

  std::shared_ptr<State> state_;
};

}  // namespace iof::sim
