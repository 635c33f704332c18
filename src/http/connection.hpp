#pragma once

#include <chrono>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "iof/http/message.hpp"

#include "tls_stream.hpp"

// The server's side of one connection, shared by the files that drive it: the listener
// (server.cpp), the request/reply exchange (connection.cpp) and event streams (stream.cpp).
//
// Ownership: Server owns a shared Impl (acceptor, handler, weak list of connections). Every
// coroutine holds a shared_ptr to what it touches (the accept loop to Impl, connection coroutines
// to their Connection, which holds Impl), so destroying the Server while coroutines unwind is
// safe. A StreamSink holds only a weak_ptr to its Connection: it never keeps a socket alive past
// its io_context and turns into a no-op once the connection is gone.
//
// Threading: everything, sink calls included, runs on the server's executor, one thread at a
// time; there is no locking.
//
// TLS: a Connection reads and writes through its MaybeTlsStream, which is TLS when the server has
// a certificate; the socket itself is used only to shut down, close and for options. A stream's
// reader (watch_peer) and writer (pump_stream) run at once, which Asio's TLS stream allows (one
// read and one write). Ends are TCP ones, without close_notify: every body is framed (length or
// last chunk), so a client loses nothing, and waiting for the peer's close_notify could hang.
namespace iof::http::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

class Connection;

// Exceptions from user callbacks (on_open, on_closed) must not vanish inside a detached
// coroutine: rethrowing here makes io_context::run() throw them.
inline void rethrow(std::exception_ptr failure) {
  if (failure)
    std::rethrow_exception(failure);
}

inline std::string format_endpoint(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  auto host = address.is_v6() ? '[' + address.to_string() + ']' : address.to_string();
  return host + ':' + std::to_string(endpoint.port());
}

// What the Server shares with its coroutines. Server::Impl is private, so the coroutines name this.
struct State {
  State(asio::any_io_executor ex, Handler h)
      : executor(std::move(ex)), handler(std::move(h)), acceptor(executor) {}

  asio::any_io_executor executor;
  Handler handler;
  tcp::acceptor acceptor;
  // Set when serving HTTPS; shared by every connection.
  std::unique_ptr<asio::ssl::context> tls;
  std::vector<std::weak_ptr<Connection>> connections;
  bool stopped = false;
  // Set by ~Server: the owner is gone, so no callback of its may run any more.
  bool detached = false;
};

class Connection {
 public:
  Connection(std::shared_ptr<State> owner, tcp::socket s)
      : server(std::move(owner)),
        socket(std::move(s)),
        stream(socket),
        wake(socket.get_executor()) {
    if (server->tls)
      stream.enable_tls(*server->tls);
    error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (!ec)
      remote = format_endpoint(endpoint);
    // Stream chunks are small and latency matters more than packet count.
    socket.set_option(tcp::no_delay(true), ec);
  }

  void stop() {
    stopping = true;
    error_code ec;
    socket.close(ec);
    wake.cancel();
  }

  // Wakes the stream writer after the sink changed the state it waits on.
  void notify() { wake.cancel(); }

  std::shared_ptr<State> server;
  tcp::socket socket;
  detail::MaybeTlsStream<tcp::socket> stream;
  boost::beast::flat_buffer buffer;
  std::string remote;
  bool stopping = false;
  bool handshaking = false;

  // Streaming state, driven by the sink and the peer watcher, drained by the stream writer.
  asio::steady_timer wake;
  std::deque<std::string> queue;
  bool close_requested = false;
  bool stalled = false;
  bool peer_gone = false;
  bool ended = false;
};

// Serves one accepted connection (after the TLS handshake, when there is one): requests in,
// replies out, until either side ends it (connection.cpp).
asio::awaitable<void> serve(std::shared_ptr<Connection> c);

// Writes a stream's head and initial chunks, hands the handler its sink, and keeps writing until
// the stream ends; then closes the connection and runs on_closed (stream.cpp).
asio::awaitable<void> run_stream(std::shared_ptr<Connection> c, StreamResponse reply);

}  // namespace iof::http::detail
