// inverse-offer-framework: flags, an embedded mesos-sim for --master=local, the metrics, /state
// and /health endpoints, signals, and the Runtime.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "iof/common/memory.hpp"
#include "iof/discovery/zk_url.hpp"
#include "iof/framework/advertise.hpp"
#include "iof/framework/flags.hpp"
#include "iof/framework/ha/leadership.hpp"
#include "iof/framework/log_output.hpp"
#include "iof/framework/runtime.hpp"
#include "iof/framework/state_file.hpp"
#include "iof/sim/master_server.hpp"

#include "endpoint_server.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace asio = boost::asio;
using namespace iof::framework;

namespace {

int fail(const std::string& message) {
  if (logging::installed_format() == LogFormat::json) {
    spdlog::error("{}", message);  // every stderr line stays JSON
  } else {
    std::fprintf(stderr, "inverse-offer-framework: %s\n", message.c_str());
  }
  return 1;
}

// This machine's name, for an --http_address on a wildcard host.
std::string machine_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  iof::retain_freed_memory();
  auto parsed = parse_flags(argc, argv);
  if (!parsed.flags) {
    std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  Flags flags = std::move(*parsed.flags);
  logging::install(flags.log_format, flags.log_level);

  std::optional<Snapshot> saved;
  if (flags.state_file) {
    auto loaded = load_state_file(*flags.state_file);
    if (!loaded) {
      return fail(loaded.error().message);
    }
    saved = std::move(*loaded);
    if (saved && saved->framework_id) {
      spdlog::info("Resuming framework {} with {} tasks from {}", *saved->framework_id,
                   saved->sleepers.size() + saved->migrating.size(), *flags.state_file);
    }
  }

  asio::io_context io;
  // Registered first: a signal that arrives while starting up is kept for the handler below.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::unique_ptr<iof::sim::MasterServer> local;
  MasterSpec master;
  if (flags.master == "local") {
    iof::sim::SimOptions options;
    options.config.port = 0;
    options.config.agents = flags.local_agents;
    // --master=local runs the tasks for real on this machine (mesos-sim --execute).
    options.config.execute = true;
    if (flags.log_format == LogFormat::json) {
      options.notify = [](const std::string& line) { spdlog::info("mesos-sim: {}", line); };
    }
    options.config.seed =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    auto started = iof::sim::MasterServer::start(io.get_executor(), std::move(options));
    if (!started) {
      return fail("Failed to start the embedded master: " + started.error().message);
    }
    local = std::move(*started);
    master.candidates = {Endpoint{false, "127.0.0.1", std::to_string(local->port())}};
    // Printed, not only logged: the walk-through's curl needs this address.
    std::printf("inverse-offer-framework: embedded mesos-sim master at %s with %u agents\n",
                local->url().c_str(), flags.local_agents);
    std::fflush(stdout);
  } else {
    auto named = read_master_file(flags.master);
    if (!named) {
      return fail(named.error().message);
    }
    if (auto problem = master_problem(*named)) {
      return fail(*problem);
    }
    auto spec = parse_master(*named);
    if (!spec) {
      return fail(spec.error().message);
    }
    master = std::move(*spec);
  }

  // The endpoints answer from their own thread, from what the leader's Runtime publishes; with
  // --ha_zk there is none while a standby.
  std::shared_ptr<Runtime> runtime;
  std::unique_ptr<iof::framework::ha::Leadership> leadership;
  EndpointServer endpoints(std::chrono::steady_clock::now());
  {
    const auto colon = flags.http_address.rfind(':');
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(flags.http_address.substr(0, colon), ec);
    if (ec) {
      return fail("Invalid --http_address '" + flags.http_address + "': " + ec.message());
    }
    const auto port = static_cast<unsigned short>(std::stoul(flags.http_address.substr(colon + 1)));
    if (auto listening = endpoints.listen({address, port}); !listening) {
      return fail(listening.error().message);
    }
    // Scripts and tests read this line to find the port (with --http_address=HOST:0).
    std::printf("inverse-offer-framework: metrics on http://%s:%u/metrics/snapshot\n",
                address.to_string().c_str(), endpoints.port());
    std::fflush(stdout);
  }
  // Where the Mesos UI (FrameworkInfo's webui_url) and other instances reach this one: the
  // runtime, created below, reads it from the flags.
  flags.advertise_address = advertised_address(flags, machine_hostname(), endpoints.port());
  endpoints.describe(*flags.advertise_address);
  spdlog::info("Advertising {} as this framework's web UI", web_url(*flags.advertise_address));

  if (flags.ha_zk) {
    iof::framework::ha::Options options;
    options.url = iof::discovery::parse_zk_url(*flags.ha_zk).value();  // checked by the flags
    options.session_timeout = flags.ha_session_timeout;
    options.advertise = *flags.advertise_address;
    auto lead = [&](std::optional<Snapshot> state, std::shared_ptr<StateStore> store) {
      auto elected = Runtime::create(io.get_executor(), flags, master, flags.task_user,
                                     std::move(state), std::move(store));
      endpoints.attach(*elected);
      return elected;
    };
    leadership = std::make_unique<iof::framework::ha::Leadership>(io.get_executor(),
                                                                  std::move(options), lead);
  } else {
    runtime = Runtime::create(io.get_executor(), flags, master, flags.task_user, std::move(saved));
    endpoints.attach(*runtime);
    endpoints.board().set_serving(runtime, std::nullopt);
  }
  // With --ha_zk, who serves follows the election: the board is told every 50 ms.
  asio::steady_timer election_watch(io);
  std::function<void()> watch_election = [&] {
    if (!leadership) {
      return;
    }
    endpoints.board().set_serving(leadership->runtime(), leadership->view());
    election_watch.expires_after(std::chrono::milliseconds(50));
    election_watch.async_wait([&](const boost::system::error_code& error) {
      if (!error) {
        watch_election();
      }
    });
  };
  watch_election();
  endpoints.start();

  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (!error) {
      spdlog::info("Stopping");
      if (leadership) {
        leadership->stop();
      } else {
        runtime->stop();
      }
    }
  });

  int status = 0;
  auto drive = [&]() -> asio::awaitable<void> {
    status = leadership ? co_await leadership->run() : co_await runtime->run();
    signals.cancel();
    election_watch.cancel();
    endpoints.stop();
    if (local) {
      (void)local->stop();
    }
  };
  asio::co_spawn(io, std::move(drive), asio::detached);
  io.run();
  return status;
}
