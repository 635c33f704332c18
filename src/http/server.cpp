#include "iof/http/server.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "response_bytes.hpp"
#include "tls.hpp"
#include "tls_stream.hpp"

// gcc 12 with -fsanitize=address inlines Asio's recycling frame allocator and then mistakes the
// sized operator delete of awaitable frames for a mismatch (gcc PR 109224, also reported against
// Asio): a false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

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
namespace iof::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t max_body_bytes = 64ull << 20;
constexpr std::uint32_t max_header_bytes = 1u << 20;
// After an error reply or Connection: close, read and discard what the client still sends (so
// that closing does not reset the connection before the client reads the reply), up to this
// much and this long.
constexpr std::size_t linger_bytes = 1u << 20;
constexpr auto linger_time = std::chrono::seconds(2);
// A client that connects but never completes a TLS handshake is dropped after this long.
constexpr auto handshake_time = std::chrono::seconds(10);
constexpr std::string_view crlf = "\r\n";

class Connection;

// Exceptions from user callbacks (on_open, on_closed) must not vanish inside a detached
// coroutine: rethrowing here makes io_context::run() throw them.
void rethrow(std::exception_ptr failure) {
  if (failure)
    std::rethrow_exception(failure);
}

std::string format_endpoint(const tcp::endpoint& endpoint) {
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

class Sink final : public StreamSink {
 public:
  explicit Sink(const std::shared_ptr<Connection>& connection) : connection_(connection) {}

  void send(std::string chunk) override {
    auto c = connection_.lock();
    // An empty chunk would be the last chunk, ending the body.
    if (!c || c->ended || c->close_requested || c->stalled || chunk.empty())
      return;
    c->queue.push_back(std::move(chunk));
    c->notify();
  }

  void close() override {
    auto c = connection_.lock();
    if (!c || c->ended)
      return;
    c->close_requested = true;
    c->notify();
  }

  void stall() override {
    auto c = connection_.lock();
    if (!c || c->ended)
      return;
    c->stalled = true;
    c->queue.clear();
  }

  bool closed() const override {
    auto c = connection_.lock();
    return !c || c->ended || c->close_requested;
  }

 private:
  std::weak_ptr<Connection> connection_;
};

// Builds the gather list for a run of chunks; `sizes` owns the size lines it points into.
std::vector<asio::const_buffer> chunk_buffers(const std::vector<std::string>& chunks,
                                              std::vector<std::string>& sizes) {
  std::vector<asio::const_buffer> buffers;
  sizes.clear();
  sizes.reserve(chunks.size());  // no reallocation: the buffers point into these strings
  for (const auto& chunk : chunks) {
    if (chunk.empty())
      continue;
    sizes.push_back(detail::chunk_size_line(chunk.size()));
    buffers.push_back(asio::buffer(sizes.back()));
    buffers.push_back(asio::buffer(chunk));
    buffers.push_back(asio::buffer(crlf));
  }
  return buffers;
}

// While streaming, the client sends nothing we need, but its EOF or an error ends the stream.
awaitable<void> watch_peer(std::shared_ptr<Connection> c) {
  std::array<char, 4096> discard;
  for (;;) {
    auto [ec, n] = co_await c->stream.async_read_some(asio::buffer(discard), use_tuple);
    if (ec)
      break;
  }
  c->peer_gone = true;
  c->notify();
}

// Writes queued chunks until the stream ends; returns once it has.
awaitable<void> pump_stream(std::shared_ptr<Connection> c) {
  std::vector<std::string> batch;
  std::vector<std::string> sizes;
  for (;;) {
    if (c->stopping || c->peer_gone || c->server->stopped)
      co_return;
    if (!c->queue.empty()) {
      batch.assign(std::make_move_iterator(c->queue.begin()),
                   std::make_move_iterator(c->queue.end()));
      c->queue.clear();
      auto buffers = chunk_buffers(batch, sizes);
      auto [ec, n] = co_await asio::async_write(c->stream, buffers, use_tuple);
      if (ec)
        co_return;
      continue;
    }
    if (c->close_requested) {
      if (!c->stalled) {
        static constexpr std::string_view last_chunk = "0\r\n\r\n";
        co_await asio::async_write(c->stream, asio::buffer(last_chunk), use_tuple);
        error_code ec;
        c->socket.shutdown(tcp::socket::shutdown_send, ec);
      }
      co_return;
    }
    c->wake.expires_at(asio::steady_timer::time_point::max());
    co_await c->wake.async_wait(use_tuple);
  }
}

awaitable<void> run_stream(std::shared_ptr<Connection> c, StreamResponse reply) {
  auto on_closed = std::move(reply.on_closed);
  std::exception_ptr failure;
  std::vector<std::string> sizes;
  auto head = detail::response_head(reply.status, reply.headers, std::nullopt);
  auto buffers = chunk_buffers(reply.initial_chunks, sizes);
  buffers.insert(buffers.begin(), asio::buffer(head));
  auto [ec, n] = co_await asio::async_write(c->stream, buffers, use_tuple);
  if (!ec && !c->stopping && !c->server->stopped) {
    co_spawn(c->socket.get_executor(), watch_peer(c), rethrow);
    try {
      if (reply.on_open)
        reply.on_open(std::make_shared<Sink>(c));
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure)
      co_await pump_stream(c);
  }
  c->ended = true;
  c->queue.clear();
  c->stop();
  if (on_closed && !c->server->detached)
    on_closed();
  if (failure)
    std::rethrow_exception(failure);
}

awaitable<error_code> write_response(std::shared_ptr<Connection> c, Response response) {
  auto head = detail::response_head(response.status, response.headers, response.body.size());
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body)};
  auto [ec, n] = co_await asio::async_write(c->stream, buffers, use_tuple);
  co_return ec;
}

// Half-closes, then drains the client's leftovers for a while before closing for good.
awaitable<void> linger_close(std::shared_ptr<Connection> c) {
  error_code ec;
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  auto expire = [c](error_code timer_ec) {
    if (!timer_ec)
      c->stop();
  };
  c->wake.expires_after(linger_time);
  c->wake.async_wait(expire);
  std::array<char, 4096> discard;
  for (std::size_t drained = 0; !ec && drained < linger_bytes;) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await c->stream.async_read_some(asio::buffer(discard), use_tuple);
    drained += n;
  }
  c->stop();
}

Response error_response(unsigned status, std::string body) {
  return Response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)};
}

// The reply to a request that could not be read, or nothing if the peer just went away.
std::optional<Response> read_failure_response(const error_code& ec) {
  if (ec.category() != bhttp::make_error_code(bhttp::error::need_more).category())
    return std::nullopt;
  switch (static_cast<bhttp::error>(ec.value())) {
    case bhttp::error::end_of_stream:
    case bhttp::error::partial_message:
    case bhttp::error::short_read:
      return std::nullopt;
    case bhttp::error::body_limit:
      return error_response(413, "Request body too large.");
    case bhttp::error::header_limit:
    case bhttp::error::buffer_overflow:
      return error_response(431, "Request header too large.");
    default:
      return error_response(400, "Malformed HTTP request: " + ec.message() + ".");
  }
}

Request to_request(bhttp::request<bhttp::string_body>&& message, const std::string& remote) {
  auto text = [](boost::core::string_view s) { return std::string(s.data(), s.size()); };
  Request request;
  request.method = text(message.method_string());
  request.target = text(message.target());
  for (const auto& field : message)
    request.headers.push_back({text(field.name_string()), text(field.value())});
  request.body = std::move(message.body());
  request.remote = remote;
  return request;
}

// Reads one request, answering Expect: 100-continue so that clients like curl do not stall.
awaitable<error_code> read_request(std::shared_ptr<Connection> c,
                                   bhttp::request_parser<bhttp::string_body>& parser) {
  auto [ec, n] = co_await bhttp::async_read_header(c->stream, c->buffer, parser, use_tuple);
  if (ec || parser.is_done())
    co_return ec;
  if (boost::beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    std::tie(ec, n) = co_await asio::async_write(c->stream, asio::buffer(go_on), use_tuple);
    if (ec)
      co_return ec;
  }
  std::tie(ec, n) = co_await bhttp::async_read(c->stream, c->buffer, parser, use_tuple);
  co_return ec;
}

Reply call_handler(State& server, const Request& request, bool& keep_alive) {
  try {
    return server.handler(request);
  } catch (const std::exception& e) {
    keep_alive = false;
    return error_response(500, std::string("Internal error: ") + e.what());
  } catch (...) {
    keep_alive = false;
    return error_response(500, "Internal error.");
  }
}

// The server's side of the TLS handshake, within handshake_time. False if the connection is done.
awaitable<bool> handshake(std::shared_ptr<Connection> c) {
  // The timer's expiry may already be queued when the handshake ends; the flag makes it harmless.
  auto expire = [c](error_code timer_ec) {
    if (!timer_ec && c->handshaking)
      c->stop();
  };
  c->handshaking = true;
  c->wake.expires_after(handshake_time);
  c->wake.async_wait(expire);
  auto [ec] = co_await c->stream.tls()->async_handshake(asio::ssl::stream_base::server, use_tuple);
  c->handshaking = false;
  c->wake.cancel();
  co_return !ec && !c->stopping && !c->server->stopped;
}

awaitable<void> serve(std::shared_ptr<Connection> c) {
  if (c->stream.tls() && !co_await handshake(c)) {
    c->stop();
    co_return;
  }
  for (;;) {
    // A parser serves one message; the buffer carries pipelined bytes over to the next.
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_body_bytes);
    auto ec = co_await read_request(c, parser);
    if (c->stopping || c->server->stopped)
      break;
    if (ec) {
      if (auto reply = read_failure_response(ec)) {
        if (!co_await write_response(c, std::move(*reply)))
          co_await linger_close(c);
      }
      break;
    }
    bool keep_alive = parser.get().keep_alive();
    auto request = to_request(parser.release(), c->remote);
    auto reply = call_handler(*c->server, request, keep_alive);
    if (auto* stream = std::get_if<StreamResponse>(&reply)) {
      co_await run_stream(c, std::move(*stream));
      break;
    }
    if (co_await write_response(c, std::move(std::get<Response>(reply))))
      break;
    if (!keep_alive) {
      co_await linger_close(c);
      break;
    }
  }
  c->stop();
}

awaitable<void> accept_loop(std::shared_ptr<State> server) {
  asio::steady_timer backoff(server->executor);
  for (;;) {
    auto [ec, socket] = co_await server->acceptor.async_accept(use_tuple);
    if (server->stopped || !server->acceptor.is_open())
      co_return;
    if (ec) {
      // Out of descriptors and the like: retry later rather than spin.
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    std::erase_if(server->connections, [](const auto& weak) { return weak.expired(); });
    auto connection = std::make_shared<Connection>(server, std::move(socket));
    server->connections.push_back(connection);
    co_spawn(server->executor, serve(std::move(connection)), rethrow);
  }
}

}  // namespace

struct Server::Impl : State {
  using State::State;
};

Server::Server(asio::any_io_executor executor, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(handler))) {}

Server::~Server() {
  stop();
  impl_->detached = true;
}

wire::Result<void> Server::listen(const tcp::endpoint& endpoint,
                                  std::optional<TlsServerFiles> tls) {
  auto& acceptor = impl_->acceptor;
  auto fail = [&](const std::string& why) {
    return wire::Error{"cannot listen on " + format_endpoint(endpoint) + ": " + why};
  };
  if (impl_->stopped)
    return fail("the server is stopped");
  if (acceptor.is_open())
    return fail("the server is already listening");
  impl_->tls.reset();
  if (tls) {
    auto context = detail::server_tls_context(*tls);
    if (!context)
      return fail(context.error().message);
    impl_->tls = std::move(*context);
  }
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(tcp::acceptor::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    return fail(ec.message());
  }
  co_spawn(impl_->executor, accept_loop(impl_), rethrow);
  return {};
}

unsigned short Server::port() const {
  error_code ec;
  auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void Server::stop() {
  impl_->stopped = true;
  error_code ec;
  impl_->acceptor.close(ec);
  // Lock first: stopping must not run into a connection's destruction mid-iteration.
  std::vector<std::shared_ptr<Connection>> live;
  for (const auto& weak : impl_->connections)
    if (auto connection = weak.lock())
      live.push_back(std::move(connection));
  impl_->connections.clear();
  for (const auto& connection : live)
    connection->stop();
}

}  // namespace iof::http
