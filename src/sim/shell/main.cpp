// mesos-sim: runs a MasterServer until SIGINT or SIGTERM, then writes the registry and exits.
#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "iof/common/memory.hpp"

#include "flags.hpp"

int main(int argc, char** argv) {
  iof::retain_freed_memory();
  auto flags = iof::sim::parse_flags(argc, argv);
  if (!flags.options) {
    std::fputs(flags.output.c_str(), flags.exit_code == 0 ? stdout : stderr);
    return flags.exit_code;
  }
  const auto seed = flags.options->config.seed;
  const auto agents = flags.options->config.agents;

  boost::asio::io_context io;
  auto server = iof::sim::MasterServer::start(io.get_executor(), std::move(*flags.options));
  if (!server) {
    std::fprintf(stderr, "mesos-sim: %s\n", server.error().message.c_str());
    return 1;
  }
  // Tests and scripts read this first line to learn the port (with --port=0).
  std::printf("mesos-sim listening on %s (master id %s, %zu agents, seed %llu)\n",
              (*server)->url().c_str(), (*server)->service().cluster().master_info().id().c_str(),
              agents, static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  int status = 0;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) {
      return;
    }
    if (auto stopped = (*server)->stop(); !stopped) {
      std::fprintf(stderr, "mesos-sim: %s\n", stopped.error().message.c_str());
      status = 1;
    }
  });
  io.run();
  return status;
}
