// One connection's exchange: the TLS handshake, then requests read and handed to the handler and
// replies written, until the peer leaves, a reply ends the connection, or a stream takes it over.
#include "connection.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "response_bytes.hpp"

// gcc 12 mistakes the sized delete of Asio's awaitable frames for a mismatch (gcc PR 109224, see
// server.cpp): a false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::http::detail {

namespace bhttp = boost::beast::http;
using asio::awaitable;

namespace {

constexpr std::uint64_t max_body_bytes = 64ull << 20;
constexpr std::uint32_t max_header_bytes = 1u << 20;
// After an error reply or Connection: close, read and discard what the client still sends (so
// that closing does not reset the connection before the client reads the reply), up to this
// much and this long.
constexpr std::size_t linger_bytes = 1u << 20;
constexpr auto linger_time = std::chrono::seconds(2);
// A client that connects but never completes a TLS handshake is dropped after this long.
constexpr auto handshake_time = std::chrono::seconds(10);

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

}  // namespace

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

}  // namespace iof::http::detail
