#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "child_process.hpp"

// A standalone ZooKeeper server from Debian's `zookeeper` package for one test: on 127.0.0.1,
// with its own configuration and data directory, stopped and removed when the test ends.
namespace iof::test {

// A TCP port nothing listens on right now (the system's choice for a socket bound to port 0).
unsigned short free_loopback_port();

class ZkServer {
 public:
  // Port 0 picks a free one. Throws, with the server's output, unless it serves within 30 s.
  explicit ZkServer(unsigned short port = 0);
  ~ZkServer();
  ZkServer(const ZkServer&) = delete;
  ZkServer& operator=(const ZkServer&) = delete;

  unsigned short port() const { return port_; }
  std::string hosts() const;  // "127.0.0.1:<port>", for zk:// URLs and clients

  // SIGTERM and wait. The port stays this server's for start().
  void stop();
  // Starts again on the same port and waits until it serves. With `forget_everything` the data
  // directory is emptied first: every session and znode is gone, as with a new ensemble.
  void start(bool forget_everything = false);

  // The last transaction id the server has applied ("srvr"'s Zxid).
  std::int64_t last_zxid() const;

 private:
  std::string directory_;
  unsigned short port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace iof::test
