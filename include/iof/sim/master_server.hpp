#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "iof/common/result.hpp"
#include "iof/http/server.hpp"
#include "iof/sim/config.hpp"
#include "iof/sim/service.hpp"

// mesos-sim's I/O shell: an HTTP server on Config::ip:port, a timer that drives the cluster by
// the system clock, and the registry in --work_dir. The same code runs as the mesos-sim binary
// and inside the framework for --master=local.
namespace iof::sim {

struct SimOptions {
  Config config;  // config.port 0 picks a free port
  ServiceOptions service;
  // Where the registry lives; a restart with the same directory recovers the cluster.
  std::optional<std::string> work_dir;
  // Serve HTTPS only, with this certificate.
  std::optional<http::TlsServerFiles> tls;
  // Where the shell's notices go, a line each (where the sandboxes are, a registry write that
  // failed). Unset: stderr, after "mesos-sim: ". A framework embedding the master passes its
  // logger, so that --log_format=json keeps every line JSON.
  std::function<void(const std::string&)> notify;
};

class MasterServer {
 public:
  // Binds, recovers or creates the cluster, and starts serving on `executor`. Errors name the
  // address or the file at fault.
  static Result<std::unique_ptr<MasterServer>> start(boost::asio::any_io_executor executor,
                                                     SimOptions options);
  ~MasterServer();
  MasterServer(const MasterServer&) = delete;
  MasterServer& operator=(const MasterServer&) = delete;

  unsigned short port() const;
  // "http://ip:port", or "https://ip:port" when serving TLS
  std::string url() const;
  MasterService& service();

  // Writes the registry (if there is a work dir), closes every stream and connection and stops
  // the timer; the executor then runs out of work.
  Result<void> stop();

  struct Impl;

 private:
  explicit MasterServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace iof::sim
