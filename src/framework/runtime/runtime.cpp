#include "iof/framework/runtime.hpp"

#include <optional>
#include <random>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "iof/discovery/leader_watcher.hpp"
#include "iof/discovery/zk_url.hpp"
#include "iof/framework/session.hpp"
#include "iof/framework/state_file.hpp"
#include "iof/http/client.hpp"
#include "iof/wire/base64.hpp"
#include "iof/wire/codec.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework {

namespace asio = boost::asio;
using v1::scheduler::Call;
using v1::scheduler::Event;
using namespace std::chrono_literals;

namespace {

constexpr const char* scheduler_path = "/api/v1/scheduler";
constexpr auto connect_timeout = 5s;
constexpr auto call_timeout = 75s;  // what the Mesos docs suggest for ordinary calls

}  // namespace

struct Runtime::Impl {
  Impl(asio::any_io_executor executor, Flags flags_in, MasterSpec master, const std::string& user,
       std::optional<Snapshot> saved)
      : strand(asio::make_strand(executor)),
        flags(std::move(flags_in)),
        zookeeper(std::move(master.zookeeper)),
        session(session_options(flags, std::move(master.candidates), user, std::random_device{}()),
                core(flags, saved)),
        calls(strand),
        wake_opener(strand),
        wake_sender(strand),
        wakeup(strand) {}

  static SchedulerState core(const Flags& flags, const std::optional<Snapshot>& saved) {
    Recovery recovery;
    recovery.allow_new_framework = flags.allow_new_framework;
    recovery.reconcile_interval = flags.reconcile_interval;
    SchedulerState state(flags.policy, flags.num_tasks, flags.role, flags.task, recovery,
                         flags.evacuation);
    if (saved) {
      state.restore(*saved);
    }
    return state;
  }

  asio::strand<asio::any_io_executor> strand;
  Flags flags;
  std::optional<std::string> zookeeper;  // zk:// URL: the watcher names the leader
  std::unique_ptr<discovery::LeaderWatcher> watcher;
  Session session;

  // The session's actions waiting for their coroutine.
  std::optional<session::OpenStream> to_open;
  std::optional<session::SendCall> to_send;
  std::shared_ptr<http::ClientConnection> stream;  // the current SUBSCRIBE's connection
  std::uint64_t stream_number = 0;                 // its OpenStream id
  http::ClientConnection calls;
  std::optional<Endpoint> calls_endpoint;  // where `calls` is connected
  asio::steady_timer wake_opener;
  asio::steady_timer wake_sender;
  asio::steady_timer wakeup;  // the session's next_wakeup()
  bool done = false;
  int exit_status = 0;

  std::vector<http::Header> headers() const {
    const std::string media(wire::media_type(flags.content_type));
    std::vector<http::Header> out{{"Content-Type", media}, {"Accept", media}};
    if (flags.authenticate && flags.secret) {
      out.push_back({"Authorization",
                     "Basic " + wire::base64::encode(flags.principal + ":" + *flags.secret)});
    }
    return out;
  }

  std::optional<http::TlsOptions> tls(const Endpoint& endpoint) const {
    if (!endpoint.tls) {
      return std::nullopt;
    }
    return http::TlsOptions{flags.tls_verify, flags.tls_ca_file};
  }

  static Time now() {
    return std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  }

  // Performs what the session asked for, then re-arms the timer for its next wakeup.
  void perform(session::Actions actions, const std::shared_ptr<Runtime>& self);
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(asio::any_io_executor executor, Flags flags,
                                         MasterSpec master, std::string user,
                                         std::optional<Snapshot> saved) {
  return std::make_shared<Runtime>(std::make_unique<Impl>(
      std::move(executor), std::move(flags), std::move(master), user, std::move(saved)));
}

const SchedulerState& Runtime::state() const {
  return impl_->session.core();
}

asio::any_io_executor Runtime::strand() const {
  return impl_->strand;
}

namespace {

// One handler task per event, on the strand; the session drops events of an older stream.
// Each coroutine takes `keep_alive` so that the Runtime outlives everything it started.
asio::awaitable<void> handle_event(std::shared_ptr<Runtime> keep_alive, Runtime::Impl& s,
                                   Event event, std::uint64_t epoch) {
  s.perform(s.session.handle(epoch, event, Runtime::Impl::now()), keep_alive);
  co_return;
}

void log(const session::Log& line) {
  switch (line.level) {
    case session::Level::info:
      spdlog::info("{}", line.text);
      break;
    case session::Level::warn:
      spdlog::warn("{}", line.text);
      break;
    case session::Level::error:
      spdlog::error("{}", line.text);
      break;
  }
}

}  // namespace

void Runtime::Impl::perform(session::Actions actions, const std::shared_ptr<Runtime>& self) {
  for (auto& action : actions) {
    if (auto* open = std::get_if<session::OpenStream>(&action)) {
      to_open = std::move(*open);
      wake_opener.cancel();
    } else if (auto* close = std::get_if<session::CloseStream>(&action)) {
      if (stream && close->stream == stream_number) {
        stream->close();
      }
    } else if (auto* send = std::get_if<session::SendCall>(&action)) {
      to_send = std::move(*send);
      wake_sender.cancel();
    } else if (auto* deliver = std::get_if<session::Deliver>(&action)) {
      asio::co_spawn(strand, handle_event(self, *this, std::move(deliver->event), deliver->epoch),
                     asio::detached);
    } else if (auto* save = std::get_if<session::SaveState>(&action)) {
      // Synchronous: a handler does not release its calls before the state file has them.
      const auto saved = save_state_file(*flags.state_file, save->snapshot);
      perform(session.persisted(save->version, saved, now()), self);
    } else if (auto* line = std::get_if<session::Log>(&action)) {
      log(*line);
    } else if (auto* finish = std::get_if<session::Finish>(&action)) {
      done = true;
      exit_status = finish->status;
      wake_opener.cancel();
      wake_sender.cancel();
      wakeup.cancel();
    }
  }
  if (done) {
    return;
  }
  if (const auto next = session.next_wakeup()) {
    wakeup.expires_after(std::max(*next - now(), Time{0}));
  } else {
    wakeup.expires_at(asio::steady_timer::time_point::max());
  }
}

namespace {

// Waits on `timer` until something cancels it (a new action) or the runtime is done.
asio::awaitable<void> nudged(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

// Runs the session's timers: the backoff, a silent stream's deadline, the core's retries.
asio::awaitable<void> run_timers(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  while (!s.done) {
    boost::system::error_code ec;
    co_await s.wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (s.done) {
      break;
    }
    if (!ec) {
      s.perform(s.session.tick(Runtime::Impl::now()), self);
    }
  }
}

// Sends each call the session releases on the second connection, one at a time, in order.
asio::awaitable<void> send_calls(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  while (!s.done) {
    if (!s.to_send) {
      co_await nudged(s.wake_sender);
      continue;
    }
    session::SendCall send = std::move(*s.to_send);
    s.to_send.reset();
    session::CallOutcome outcome;
    if (s.calls.is_open() && s.calls_endpoint != send.target) {
      s.calls.close();  // the leader moved: calls follow the stream
    }
    if (!s.calls.is_open()) {
      auto connected = co_await s.calls.connect(send.target.host, send.target.port, connect_timeout,
                                                s.tls(send.target));
      if (!connected) {
        outcome.message = "not sent: " + connected.error().message;
        s.perform(s.session.call_done(send.id, outcome, Runtime::Impl::now()), self);
        continue;
      }
      s.calls_endpoint = send.target;
    }
    http::ClientRequest request;
    request.target = scheduler_path;
    request.headers = s.headers();
    request.headers.push_back({"Mesos-Stream-Id", send.stream_id});
    request.body = wire::encode(send.call, s.flags.content_type);
    auto response = co_await s.calls.request(std::move(request), call_timeout);
    if (!response) {
      outcome.message = response.error().message;
    } else {
      outcome.status = response->status;
      outcome.message = response->body;
    }
    s.perform(s.session.call_done(send.id, outcome, Runtime::Impl::now()), self);
  }
}

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

// One SUBSCRIBE and its event stream, until the stream ends for any reason. The session decides
// what the head means and when a silent stream is dead (it then closes the connection).
asio::awaitable<void> subscribe_once(std::shared_ptr<Runtime> self, Runtime::Impl& s,
                                     session::OpenStream open) {
  auto connection = std::make_shared<http::ClientConnection>(s.strand);
  s.stream = connection;
  s.stream_number = open.stream;
  const auto now = &Runtime::Impl::now;
  auto connected = co_await connection->connect(open.target.host, open.target.port, connect_timeout,
                                                s.tls(open.target));
  if (!connected) {
    s.perform(s.session.stream_failed(open.stream, connected.error().message, now()), self);
    co_return;
  }
  http::ClientRequest request;
  request.target = scheduler_path;
  request.headers = s.headers();
  request.body = wire::encode(open.subscribe, s.flags.content_type);
  auto head = co_await connection->open_stream(std::move(request), connect_timeout);
  if (!head) {
    s.perform(s.session.stream_failed(open.stream, head.error().message, now()), self);
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
  s.perform(s.session.stream_opened(open.stream, seen, now()), self);
  while (connection->is_open() && !s.done) {
    auto piece = co_await connection->read_some();
    if (!piece) {
      s.perform(s.session.stream_ended(open.stream, piece.error().message, now()), self);
      break;
    }
    if (piece->empty()) {
      s.perform(s.session.stream_ended(open.stream, "The master ended the event stream", now()),
                self);
      break;
    }
    s.perform(s.session.stream_data(open.stream, *piece, now()), self);
  }
  connection->close();
}

// The subscribe-and-retry loop: each SUBSCRIBE the session asks for (at once after a redirect,
// after its backoff otherwise), with its event stream read until it ends.
asio::awaitable<void> subscribe_loop(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  while (!s.done) {
    if (!s.to_open) {
      co_await nudged(s.wake_opener);
      continue;
    }
    session::OpenStream open = std::move(*s.to_open);
    s.to_open.reset();
    co_await subscribe_once(self, s, std::move(open));
  }
}

}  // namespace

asio::awaitable<int> Runtime::run() {
  using namespace asio::experimental::awaitable_operators;
  auto self = shared_from_this();
  Impl& s = *impl_;
  co_await asio::post(s.strand, asio::use_awaitable);
  if (s.zookeeper) {
    auto url = discovery::parse_zk_url(*s.zookeeper);
    if (!url) {
      spdlog::error("{}", url.error().message);
      co_return 1;
    }
    spdlog::info("Finding the leading master through {}", discovery::redacted(*url));
    auto started = discovery::LeaderWatcher::start(
        s.strand, *url, [&s, self](Result<discovery::LeaderAddress> named) {
          if (s.done) {
            return;
          }
          if (!named) {
            s.perform(s.session.leader_changed(std::nullopt, named.error().message, Impl::now()),
                      self);
            return;
          }
          const Endpoint leader{false, named->host, std::to_string(named->port)};
          s.perform(s.session.leader_changed(leader, "", Impl::now()), self);
        });
    if (!started) {
      spdlog::error("{}", started.error().message);
      co_return 1;
    }
    s.watcher = std::move(*started);
  }
  s.perform(s.session.start(Impl::now()), self);
  // All three end once the session finishes: after a stop, once the TEARDOWN is out.
  co_await (subscribe_loop(self, s) && send_calls(self, s) && run_timers(self, s));
  s.watcher.reset();  // no leader report runs after this
  s.calls.close();
  if (s.stream) {
    s.stream->close();
  }
  co_return s.exit_status;
}

void Runtime::stop() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    Impl& s = *self->impl_;
    s.perform(s.session.stop(Impl::now()), self);
  });
}

}  // namespace iof::framework
