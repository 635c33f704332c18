// Event streams: a reply whose chunked body stays open, written as the handler's sink queues
// chunks, while the peer is watched for leaving.
#include <array>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/write.hpp>

#include "connection.hpp"
#include "response_bytes.hpp"

// gcc 12 mistakes the sized delete of Asio's awaitable frames for a mismatch (gcc PR 109224, see
// server.cpp): a false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::http::detail {

using asio::awaitable;

namespace {

constexpr std::string_view crlf = "\r\n";

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

}  // namespace

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

}  // namespace iof::http::detail
