#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

// A TCP proxy on loopback that delays every byte by a fixed time each way, keeping their order:
// a network with a round trip, so that what pipelining saves is measured, not just loopback's.
namespace iof::bench {

class DelayProxy {
 public:
  // Forwards a free loopback port to 127.0.0.1:`target_port`, on `io`.
  DelayProxy(boost::asio::io_context& io, unsigned short target_port,
             std::chrono::microseconds one_way);
  ~DelayProxy();
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  unsigned short port() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace iof::bench
