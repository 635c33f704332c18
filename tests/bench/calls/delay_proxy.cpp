// The delaying proxy: per connection and direction, a reader that stamps each piece with when it
// may go on, and a writer that sends the pieces in order once their time has come.
#include "delay_proxy.hpp"

#include <deque>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

// gcc 12 mistakes the sized delete of Asio's awaitable frames for a mismatch (gcc PR 109224): a
// false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// One direction of one connection.
struct Pipe {
  explicit Pipe(const asio::any_io_executor& executor) : wake(executor) {}
  std::deque<std::pair<Clock::time_point, std::string>> queue;
  asio::steady_timer wake;
  bool ended = false;
};

asio::awaitable<void> read_side(std::shared_ptr<tcp::socket> from, std::shared_ptr<Pipe> pipe,
                                std::chrono::microseconds delay) {
  std::string buffer(64 * 1024, '\0');
  for (;;) {
    auto [ec, n] = co_await from->async_read_some(asio::buffer(buffer), use_tuple);
    if (ec) {
      break;
    }
    pipe->queue.emplace_back(Clock::now() + delay, buffer.substr(0, n));
    pipe->wake.cancel();
  }
  pipe->ended = true;
  pipe->wake.cancel();
}

asio::awaitable<void> write_side(std::shared_ptr<tcp::socket> to, std::shared_ptr<Pipe> pipe) {
  for (;;) {
    if (pipe->queue.empty()) {
      if (pipe->ended) {
        break;
      }
      pipe->wake.expires_at(Clock::time_point::max());
      co_await pipe->wake.async_wait(use_tuple);
      continue;
    }
    if (pipe->queue.front().first > Clock::now()) {
      pipe->wake.expires_at(pipe->queue.front().first);
      co_await pipe->wake.async_wait(use_tuple);
      continue;
    }
    auto [ec, n] =
        co_await asio::async_write(*to, asio::buffer(pipe->queue.front().second), use_tuple);
    if (ec) {
      break;
    }
    pipe->queue.pop_front();
  }
  boost::system::error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

struct DelayProxy::State {
  State(asio::io_context& io, unsigned short target, std::chrono::microseconds one_way)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        target_port(target),
        delay(one_way) {}
  tcp::acceptor acceptor;
  unsigned short target_port;
  std::chrono::microseconds delay;
};

namespace {

asio::awaitable<void> accept_loop(std::shared_ptr<DelayProxy::State> state) {
  for (;;) {
    auto [ec, accepted] = co_await state->acceptor.async_accept(use_tuple);
    if (ec) {
      co_return;
    }
    auto client = std::make_shared<tcp::socket>(std::move(accepted));
    auto server = std::make_shared<tcp::socket>(client->get_executor());
    auto [connect_ec] = co_await server->async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), state->target_port), use_tuple);
    if (connect_ec) {
      continue;  // the client sees its connection closed
    }
    client->set_option(tcp::no_delay(true));
    server->set_option(tcp::no_delay(true));
    const auto executor = client->get_executor();
    auto up = std::make_shared<Pipe>(executor);
    auto down = std::make_shared<Pipe>(executor);
    asio::co_spawn(executor, read_side(client, up, state->delay), asio::detached);
    asio::co_spawn(executor, write_side(server, up), asio::detached);
    asio::co_spawn(executor, read_side(server, down, state->delay), asio::detached);
    asio::co_spawn(executor, write_side(client, down), asio::detached);
  }
}

}  // namespace

DelayProxy::DelayProxy(asio::io_context& io, unsigned short target_port,
                       std::chrono::microseconds one_way)
    : state_(std::make_shared<State>(io, target_port, one_way)) {
  asio::co_spawn(io, accept_loop(state_), asio::detached);
}

DelayProxy::~DelayProxy() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

unsigned short DelayProxy::port() const {
  return state_->acceptor.local_endpoint().port();
}

}  // namespace iof::bench
