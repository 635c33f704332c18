// The listening side of the HTTP server: the acceptor and its loop, and stopping every
// connection. Each accepted connection is served by connection.cpp.
#include "iof/http/server.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection.hpp"
#include "tls.hpp"

// gcc 12 with -fsanitize=address inlines Asio's recycling frame allocator and then mistakes the
// sized operator delete of awaitable frames for a mismatch (gcc PR 109224, also reported against
// Asio): a false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::http {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using error_code = boost::system::error_code;
using detail::Connection;
using detail::format_endpoint;
using detail::rethrow;
using detail::serve;
using detail::State;
using detail::use_tuple;

namespace {

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

Result<void> Server::listen(const tcp::endpoint& endpoint, std::optional<TlsServerFiles> tls) {
  auto& acceptor = impl_->acceptor;
  auto fail = [&](const std::string& why) {
    return Error{"cannot listen on " + format_endpoint(endpoint) + ": " + why};
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
