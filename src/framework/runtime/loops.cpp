// The runtime's long-lived coroutines: the subscribe-and-retry loop with its event-stream
// reader, the call sender, and the session's timer. Each performs what the session decided and
// ends once the runtime is done.
#include <string>
#include <utility>

#include <boost/asio/experimental/awaitable_operators.hpp>
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
using namespace boost::asio::experimental::awaitable_operators;

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

namespace {

using CallsLink = Runtime::Impl::CallsLink;

// Gives up on a calls connection, once: it broke (a failed write or read, a timeout, the master
// closing it) or the leader moved. Every call written on it and not answered may or may not have
// reached the master; each is reported failed, in order, and the next call opens a new one.
asio::awaitable<void> give_up(Runtime::Impl& s, std::shared_ptr<CallsLink> link, std::string why) {
  if (link->broken) {
    co_return;
  }
  link->broken = true;
  link->connection.close();
  if (s.sender.link == link) {
    s.sender.link.reset();
  }
  const auto unanswered = std::exchange(link->written, {});
  session::CallOutcome failed;
  failed.message = std::move(why);
  for (const auto id : unanswered) {
    co_await report(s, s.session.call_done(id, failed, Runtime::Impl::now()));
  }
}

// Writes each call the session releases, in order, on the calls connection, without waiting for
// the answers before it: the session bounds how many are out (its call window).
asio::awaitable<void> write_calls(Runtime::Impl& s) {
  auto& sender = s.sender;
  while (!s.done) {
    if (sender.next.empty() || s.calls_held) {
      co_await nudged(sender.wake);
      continue;
    }
    session::SendCall send = std::move(sender.next.front());
    sender.next.pop_front();
    if (sender.link && sender.link->endpoint != send.target) {
      // The leader moved: calls follow the stream, and those still unanswered are given up.
      co_await give_up(s, sender.link, "the leading master moved to " + send.target.url());
    }
    auto link = sender.link;
    if (!link) {
      // Set before connecting, so that finish() can interrupt the connect.
      link = std::make_shared<CallsLink>(sender.executor, send.target);
      sender.link = link;
      auto connected = co_await link->connection.connect(send.target.host, send.target.port,
                                                         connect_timeout, s.tls(send.target));
      if (!connected) {
        link->broken = true;
        if (sender.link == link) {
          sender.link.reset();
        }
        session::CallOutcome outcome;
        outcome.message = "not sent: " + connected.error().message;
        co_await report(s, s.session.call_done(send.id, outcome, Runtime::Impl::now()));
        continue;
      }
    }
    http::ClientRequest request;
    request.target = scheduler_path;
    request.headers = s.headers();
    request.headers.push_back({"Mesos-Stream-Id", send.stream_id});
    request.body = wire::encode(send.call, s.flags.content_type);
    // Listed before the write: if the connection breaks meanwhile, this call fails with it.
    link->written.push_back(send.id);
    sender.written.cancel();
    auto sent = co_await link->connection.write_request(std::move(request), call_timeout);
    if (!sent) {
      co_await give_up(s, link, sent.error().message);
    }
  }
}

// Reads the answers on the calls connection, which come in the order the calls were written,
// and reports each to the session.
asio::awaitable<void> read_answers(Runtime::Impl& s) {
  auto& sender = s.sender;
  while (!s.done) {
    const auto link = sender.link;
    if (!link || link->written.empty()) {
      co_await nudged(sender.written);
      continue;
    }
    auto response = co_await link->connection.read_response(call_timeout);
    if (link->broken) {
      continue;  // given up meanwhile: its calls were reported
    }
    if (!response) {
      co_await give_up(s, link, response.error().message);
      continue;
    }
    const auto id = link->written.front();
    link->written.pop_front();
    session::CallOutcome outcome{response->status, std::move(response->body)};
    const bool ended = !link->connection.is_open();
    if (ended && sender.link == link) {
      sender.link.reset();  // the master ended the connection after this answer: calls go anew
    }
    co_await report(s, s.session.call_done(id, outcome, Runtime::Impl::now()));
    if (ended) {
      co_await give_up(s, link, "The master closed the calls connection");
    }
  }
}

}  // namespace

// Sends the calls the session releases: written back to back on one connection, answered in
// order (HTTP/1.1 pipelining, as a master answers a connection's requests).
asio::awaitable<void> send_calls(Runtime::Impl& s) {
  co_await (write_calls(s) && read_answers(s));
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
