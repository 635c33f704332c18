#pragma once

// The Runtime in-process against an in-process mesos-sim, both on one io_context that the test
// thread runs in slices: between slices nothing runs, so the test reads the runtime's state and
// the master's model directly.
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>

#include "iof/framework/runtime.hpp"
#include "iof/framework/state_store.hpp"
#include "iof/sim/master_server.hpp"

namespace iof::test::runtime {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using iof::framework::Endpoint;
using iof::framework::Flags;
using iof::framework::MasterSpec;
using iof::framework::Runtime;
using iof::framework::Snapshot;
using iof::framework::StateStore;

// A StateStore that the test controls: while held, each save waits until release(); its answer
// is `failure` if set, success otherwise.
class GatedStore final : public StateStore {
 public:
  explicit GatedStore(asio::any_io_executor executor) : gate_(std::move(executor)) {
    gate_.expires_at(asio::steady_timer::time_point::max());
  }

  asio::awaitable<Result<void>> save(Snapshot snapshot) override {
    ++started;
    ++in_progress;
    while (held) {
      boost::system::error_code released;
      co_await gate_.async_wait(asio::redirect_error(asio::use_awaitable, released));
    }
    --in_progress;
    if (failure) {
      co_return Error{*failure};
    }
    stored.push_back(std::move(snapshot));
    co_return Result<void>{};
  }

  void release() {
    held = false;
    gate_.cancel();
  }

  bool held = false;
  std::optional<std::string> failure;
  int started = 0;
  int in_progress = 0;
  std::vector<Snapshot> stored;

 private:
  asio::steady_timer gate_;
};

class RuntimeHarness {
 public:
  explicit RuntimeHarness(std::size_t agents = 2) {
    sim::SimOptions options;
    options.config.port = 0;
    options.config.agents = agents;
    options.config.allocation_interval = 100ms;
    options.config.launch_latency = 50ms;
    options.config.launch_jitter = 0ms;
    auto started = sim::MasterServer::start(io.get_executor(), std::move(options));
    REQUIRE_MESSAGE(started.has_value(), started.error().message);
    master = std::move(*started);
  }

  ~RuntimeHarness() {
    if (master) {
      (void)master->stop();
    }
  }

  static Flags flags() {
    Flags out;
    out.num_tasks = 1;
    out.log_level = "warn";
    return out;
  }

  MasterSpec master_spec() const {
    MasterSpec spec;
    spec.candidates = {Endpoint{false, "127.0.0.1", std::to_string(master->port())}};
    return spec;
  }

  // Creates the Runtime and starts run(); `status` is set when it returns.
  void start(Flags flags, MasterSpec spec, std::shared_ptr<StateStore> store = nullptr) {
    runtime = Runtime::create(io.get_executor(), std::move(flags), std::move(spec), "tester",
                              std::nullopt, std::move(store));
    auto returned = [this](std::exception_ptr failure, int result) {
      const bool threw = failure != nullptr;
      REQUIRE_FALSE(threw);
      status = result;
    };
    asio::co_spawn(io, runtime->run(), std::move(returned));
  }

  // Runs the io_context until `condition` holds or `limit` has passed; says whether it holds.
  template <class Condition>
  bool run_until(Condition condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
      io.restart();
      io.run_for(5ms);
    }
    return condition();
  }

  void run_for(std::chrono::milliseconds duration) {
    run_until([] { return false; }, duration);
  }

  // Tasks of our framework that the master knows, in any state.
  std::size_t master_tasks() const {
    const auto& id = runtime->state().framework_id();
    return id ? master->service().cluster().task_summaries(id->value()).size() : 0;
  }

  // Once run() has returned: stops the master; then nothing may be left to run (no loop, handler
  // or timer of the runtime), and no task holds the runtime.
  void expect_nothing_left_running() {
    REQUIRE(master->stop().has_value());
    master.reset();
    io.restart();
    io.run_for(2s);
    CHECK(io.stopped());
    CHECK(runtime.use_count() == 1);
  }

  asio::io_context io;
  std::unique_ptr<sim::MasterServer> master;
  std::shared_ptr<Runtime> runtime;
  std::optional<int> status;
};

}  // namespace iof::test::runtime
