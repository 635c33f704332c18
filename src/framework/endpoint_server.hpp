#pragma once

#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "iof/common/result.hpp"
#include "iof/http/server.hpp"

#include "endpoints.hpp"

// The framework's endpoint server on a thread of its own, answering from the board that runtimes
// publish to: a frame that takes seconds to decide (50,000 offers) does not delay /health.
namespace iof::framework {

class EndpointServer {
 public:
  explicit EndpointServer(std::chrono::steady_clock::time_point started_at);
  // Stops the server and joins its thread.
  ~EndpointServer();
  EndpointServer(const EndpointServer&) = delete;
  EndpointServer& operator=(const EndpointServer&) = delete;

  // Binds (port 0 picks one); the error names the address.
  Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  unsigned short port() const { return server_.port(); }
  // Set before start(): this instance's HOST:PORT, as /leader names it.
  void describe(std::string advertise);
  // Serves from its own thread from now on.
  void start();
  // Closes every connection and joins the thread; idempotent.
  void stop();

  // Publishes `runtime`'s state to the board now and after its frames (at most every 20 ms, and
  // after the last frame of a burst). Call before the runtime runs, on the thread that will run
  // it.
  void attach(Runtime& runtime);
  EndpointBoard& board() { return board_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;  // the server's
  EndpointBoard board_;
  EndpointContext context_;
  http::Server server_;
  std::thread thread_;
};

}  // namespace iof::framework
