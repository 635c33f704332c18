// The runtime's long-lived coroutines: the subscribe-and-retry loop with its event-stream
// reader, the call sender, and the session's timer. Each performs what the session decided and
// ends once the runtime is done.
#include <string>
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "iof/wire/codec.hpp"

#include "runtime_impl.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr const char* scheduler_path = "/api/v1/scheduler";
constexpr auto connect_timeout = 5s;
constexpr auto call_timeout = 75s;  // what the Mesos docs suggest for ordinary calls

// Reads a non-200 SUBSCRIBE response's body for the log; it is short.
asio::awaitable<std::string> read_body(http::ClientConnection& connection) {
  std::string body;
  while (body.size() < 64 * 1024) {
    auto piece = co_await connection.read_some(connect_timeout);
    if (!piece || piece->empty()) {
      break;
    }
    body += *piece;
  }
  co_return body;
}

// Performs the session's answer to what a stream or a call did, unless the runtime ended meanwhile
// (finish() closed the connections: a finished session has nothing more to do).
asio::awaitable<void> report(Runtime::Impl& s, session::Actions actions) {
  if (!s.done) {
    co_await s.perform(std::move(actions));
  }
}

// One SUBSCRIBE and its event stream, until the stream ends for any reason. The session decides
// what the head means and when a silent stream is dead (it then closes the connection).
asio::awaitable<void> subscribe_once(Runtime::Impl& s, session::OpenStream open) {
  auto connection = std::make_shared<http::ClientConnection>(s.strand);
  s.subscriber.stream = connection;
  s.subscriber.stream_number = open.stream;
  const auto now = &Runtime::Impl::now;
  auto connected = co_await connection->connect(open.target.host, open.target.port, connect_timeout,
                                                s.tls(open.target));
  if (!connected) {
    co_await report(s, s.session.stream_failed(open.stream, connected.error().message, now()));
    co_return;
  }
  http::ClientRequest request;
  request.target = scheduler_path;
  request.headers = s.headers();
  request.body = wire::encode(open.subscribe, s.flags.content_type);
  auto head = co_await connection->open_stream(std::move(request), connect_timeout);
  if (!head) {
    co_await report(s, s.session.stream_failed(open.stream, head.error().message, now()));
    co_return;
  }
  session::StreamHead seen;
  seen.status = head->status;
  if (auto location = head->header("Location")) {
    seen.location = std::string(*location);
  }
  if (auto stream_id = head->header("Mesos-Stream-Id")) {
    seen.stream_id = std::string(*stream_id);
  }
  if (head->status != 200 && head->status != 307) {
    seen.body = co_await read_body(*connection);
  }
  co_await report(s, s.session.stream_opened(open.stream, seen, now()));
  while (connection->is_open() && !s.done) {
    auto piece = co_await connection->read_some();
    if (!piece) {
      co_await report(s, s.session.stream_ended(open.stream, piece.error().message, now()));
      break;
    }
    if (piece->empty()) {
      co_await report(
          s, s.session.stream_ended(open.stream, "The master ended the event stream", now()));
      break;
    }
    co_await report(s, s.session.stream_data(open.stream, *piece, now()));
  }
  connection->close();
}

}  // namespace

asio::awaitable<void> nudged(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

// The subscribe-and-retry loop: each SUBSCRIBE the session asks for (at once after a redirect,
// after its backoff otherwise), with its event stream read until it ends.
asio::awaitable<void> subscribe_loop(Runtime::Impl& s) {
  while (!s.done) {
    if (!s.subscriber.next || s.calls_held) {
      co_await nudged(s.subscriber.wake);
      continue;
    }
    session::OpenStream open = std::move(*s.subscriber.next);
    s.subscriber.next.reset();
    co_await subscribe_once(s, std::move(open));
  }
}

// Sends each call the session releases on the second connection, one at a time, in order.
asio::awaitable<void> send_calls(Runtime::Impl& s) {
  auto& sender = s.sender;
  while (!s.done) {
    if (!sender.next || s.calls_held) {
      co_await nudged(sender.wake);
      continue;
    }
    session::SendCall send = std::move(*sender.next);
    sender.next.reset();
    session::CallOutcome outcome;
    if (sender.connection.is_open() && sender.endpoint != send.target) {
      sender.connection.close();  // the leader moved: calls follow the stream
    }
    if (!sender.connection.is_open()) {
      auto connected = co_await sender.connection.connect(send.target.host, send.target.port,
                                                          connect_timeout, s.tls(send.target));
      if (!connected) {
        outcome.message = "not sent: " + connected.error().message;
        co_await report(s, s.session.call_done(send.id, outcome, Runtime::Impl::now()));
        continue;
      }
      sender.endpoint = send.target;
    }
    http::ClientRequest request;
    request.target = scheduler_path;
    request.headers = s.headers();
    request.headers.push_back({"Mesos-Stream-Id", send.stream_id});
    request.body = wire::encode(send.call, s.flags.content_type);
    auto response = co_await sender.connection.request(std::move(request), call_timeout);
    if (!response) {
      outcome.message = response.error().message;
    } else {
      outcome.status = response->status;
      outcome.message = response->body;
    }
    co_await report(s, s.session.call_done(send.id, outcome, Runtime::Impl::now()));
  }
}

// Runs the session's timers: the backoff, a silent stream's deadline, the core's retries.
asio::awaitable<void> run_timers(Runtime::Impl& s) {
  while (!s.done) {
    boost::system::error_code ec;
    co_await s.wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      co_await report(s, s.session.tick(Runtime::Impl::now()));
    }
  }
}

}  // namespace iof::framework
