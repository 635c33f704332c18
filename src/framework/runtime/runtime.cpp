#include "iof/framework/runtime.hpp"

#include <deque>
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
#include "iof/framework/backoff.hpp"
#include "iof/framework/state_file.hpp"
#include "iof/http/client.hpp"
#include "iof/wire/base64.hpp"
#include "iof/wire/codec.hpp"
#include "iof/wire/recordio.hpp"

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
constexpr const char* framework_name = "Inverse Offer Framework (C++)";
constexpr auto connect_timeout = 5s;
constexpr auto call_timeout = 75s;  // what the Mesos docs suggest for ordinary calls

}  // namespace

struct Runtime::Impl {
  Impl(asio::any_io_executor executor, Flags flags_in, MasterSpec master_in, std::string user_in,
       std::optional<Snapshot> saved)
      : strand(asio::make_strand(executor)),
        flags(std::move(flags_in)),
        masters(master_in.candidates),
        zookeeper(std::move(master_in.zookeeper)),
        user(std::move(user_in)),
        state(flags.policy, flags.num_tasks, flags.role, flags.task, recovery(flags),
              flags.evacuation),
        calls(strand),
        wake_sender(strand),
        backoff(strand),
        wakeup(strand),
        retry(std::chrono::milliseconds(1000), flags.max_backoff, std::random_device{}()) {
    if (saved) {
      state.restore(*saved);
      written_version = state.version();
    }
  }

  static Recovery recovery(const Flags& flags) {
    Recovery out;
    out.allow_new_framework = flags.allow_new_framework;
    out.reconcile_interval = flags.reconcile_interval;
    return out;
  }

  asio::strand<asio::any_io_executor> strand;
  Flags flags;
  MasterCandidates masters;
  std::optional<std::string> zookeeper;  // zk:// URL: the watcher names the leader
  std::unique_ptr<discovery::LeaderWatcher> watcher;
  bool skip_backoff = false;  // the leader changed: subscribe to the new one at once
  std::string user;
  SchedulerState state;

  http::ClientConnection calls;
  std::optional<Endpoint> calls_endpoint;            // where `calls` is connected
  std::optional<Endpoint> leader;                    // where the current stream is subscribed
  std::deque<std::pair<std::uint64_t, Call>> queue;  // (stream epoch, call)
  asio::steady_timer wake_sender;
  asio::steady_timer backoff;
  asio::steady_timer wakeup;  // the core's next_wakeup()
  Backoff retry;
  std::shared_ptr<http::ClientConnection> stream;
  std::uint64_t written_version = 0;

  std::string stream_id;
  std::uint64_t epoch = 0;  // bumped per stream: events and calls of an older one are dropped
  double heartbeat_seconds = 15;
  bool stopping = false;
  std::optional<int> exit_status;

  std::vector<http::Header> headers() const {
    const std::string media(wire::media_type(flags.content_type));
    std::vector<http::Header> out{{"Content-Type", media}, {"Accept", media}};
    if (flags.authenticate && flags.secret) {
      out.push_back({"Authorization",
                     "Basic " + wire::base64::encode(flags.principal + ":" + *flags.secret)});
    }
    return out;
  }

  Call subscribe_call() const {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    auto* info = call.mutable_subscribe()->mutable_framework_info();
    info->set_user(user);
    info->set_name(framework_name);
    info->set_checkpoint(flags.checkpoint);
    info->set_role(flags.role);
    info->set_failover_timeout(static_cast<double>(flags.failover_timeout.count()));
    info->add_capabilities()->set_type(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
    if (flags.policy != Policy::seed) {
      // A task being killed then reports TASK_KILLING instead of looking RUNNING until it is
      // gone, so the master and this framework can tell it apart from a live one. The seed's
      // FrameworkInfo stays the example's.
      info->add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
    }
    if (flags.authenticate) {
      info->set_principal(flags.principal);
    }
    if (state.framework_id()) {
      *info->mutable_id() = *state.framework_id();
      *call.mutable_framework_id() = *state.framework_id();
    }
    return call;
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

  void apply(const Decision& decision) {
    for (const auto& line : decision.log) {
      spdlog::info("{}", line);
    }
    // The state file first: a task whose LAUNCH is out must be known after a restart.
    if (flags.state_file && state.version() != written_version) {
      if (auto saved = save_state_file(*flags.state_file, state.snapshot()); !saved) {
        spdlog::error("{}", saved.error().message);
        exit_status = 1;
        shut_down();
        return;
      }
      written_version = state.version();
    }
    for (const auto& call : decision.calls) {
      queue.emplace_back(epoch, call);
    }
    if (!decision.calls.empty()) {
      wake_sender.cancel();
    }
    if (decision.exit) {
      spdlog::error("{}", decision.exit->message);
      exit_status = decision.exit->status;
      shut_down();
    }
    // Retries and rate-limited calls the core has scheduled.
    if (const auto next = state.next_wakeup()) {
      wakeup.expires_after(std::max(*next - now(), Time{0}));
    } else {
      wakeup.expires_at(asio::steady_timer::time_point::max());
    }
  }

  // ZooKeeper named a new leader, or said there is none.
  void leader_changed(wire::Result<discovery::LeaderAddress> named) {
    if (stopping) {
      return;
    }
    if (!named) {
      // A working stream to the old leader is kept: ZooKeeper being unreachable does not make
      // the master any less the leader.
      spdlog::warn("ZooKeeper: {}", named.error().message);
      masters.set_leader(std::nullopt);
      return;
    }
    const Endpoint endpoint{false, named->host, std::to_string(named->port)};
    spdlog::info("ZooKeeper: the leading master is {}", endpoint.url());
    masters.set_leader(endpoint);
    skip_backoff = true;
    backoff.cancel();
    if (stream && stream->is_open()) {
      stream->close();  // subscribe_once ends; the loop subscribes to the new leader
    }
  }

  // Moves the core's clock, then runs the event (if any) through it.
  void handle(const Event* event) {
    apply(state.advance(now()));
    if (event != nullptr && !stopping) {
      apply(state.handle(*event));
    }
  }

  void shut_down() {
    stopping = true;
    backoff.cancel();
    wake_sender.cancel();
    wakeup.cancel();
    if (stream) {
      stream->close();
    }
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(asio::any_io_executor executor, Flags flags,
                                         MasterSpec master, std::string user,
                                         std::optional<Snapshot> saved) {
  return std::make_shared<Runtime>(std::make_unique<Impl>(
      std::move(executor), std::move(flags), std::move(master), std::move(user), std::move(saved)));
}

const SchedulerState& Runtime::state() const {
  return impl_->state;
}

asio::any_io_executor Runtime::strand() const {
  return impl_->strand;
}

namespace {

// One handler task per event, on the strand: events of an older stream are ignored.
// Each coroutine takes `keep_alive` so that the Runtime outlives everything it started.
asio::awaitable<void> handle_event([[maybe_unused]] std::shared_ptr<Runtime> keep_alive,
                                   Runtime::Impl& s, Event event, std::uint64_t epoch) {
  if (epoch != s.epoch || s.stopping) {
    co_return;
  }
  s.handle(&event);
}

// Runs the core's retries (reconciliation, KILL, REVIVE) when they are due.
asio::awaitable<void> run_timers([[maybe_unused]] std::shared_ptr<Runtime> keep_alive,
                                 Runtime::Impl& s) {
  while (!s.stopping) {
    boost::system::error_code ec;
    co_await s.wakeup.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (s.stopping) {
      break;
    }
    if (!ec) {
      s.handle(nullptr);
    }
  }
}

// Sends queued calls in order on the second connection, with the current Mesos-Stream-Id.
asio::awaitable<void> send_calls([[maybe_unused]] std::shared_ptr<Runtime> keep_alive,
                                 Runtime::Impl& s) {
  const std::string media(wire::media_type(s.flags.content_type));
  while (true) {
    if (s.queue.empty()) {
      if (s.stopping) {
        // Everything queued before the stop (the TEARDOWN) is out: now end the stream.
        s.backoff.cancel();
        if (s.stream) {
          s.stream->close();
        }
        break;
      }
      s.wake_sender.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ignored;
      co_await s.wake_sender.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    auto [epoch, call] = std::move(s.queue.front());
    s.queue.pop_front();
    if (epoch != s.epoch) {
      continue;  // made for a stream that is gone; the master would refuse its stream id
    }
    if (!s.leader) {
      continue;
    }
    if (s.calls.is_open() && s.calls_endpoint != s.leader) {
      s.calls.close();  // the leader moved: calls follow the stream
    }
    if (!s.calls.is_open()) {
      const Endpoint target = *s.leader;
      auto connected =
          co_await s.calls.connect(target.host, target.port, connect_timeout, s.tls(target));
      if (!connected) {
        spdlog::warn("Dropping {}: {}", Call::Type_Name(call.type()), connected.error().message);
        continue;
      }
      s.calls_endpoint = target;
    }
    http::ClientRequest request;
    request.target = scheduler_path;
    request.headers = s.headers();
    request.headers.push_back({"Mesos-Stream-Id", s.stream_id});
    request.body = wire::encode(call, s.flags.content_type);
    auto response = co_await s.calls.request(std::move(request), call_timeout);
    if (!response) {
      spdlog::warn("{} failed: {}", Call::Type_Name(call.type()), response.error().message);
    } else if (response->status != 202 && response->status != 200) {
      spdlog::warn("{} answered {}: {}", Call::Type_Name(call.type()), response->status,
                   response->body);
    }
  }
}

enum class Attempt {
  ended,        // subscribed, then the stream ended: try the same master again after a backoff
  redirected,   // 307 to another master: try it now
  unavailable,  // unreachable, 503 or another refusal: move on to the next candidate
};

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

// One SUBSCRIBE and its event stream, until the stream ends for any reason.
asio::awaitable<Attempt> subscribe_once(std::shared_ptr<Runtime> self, Runtime::Impl& s,
                                        Endpoint target) {
  auto connection = std::make_shared<http::ClientConnection>(s.strand);
  s.stream = connection;
  auto connected =
      co_await connection->connect(target.host, target.port, connect_timeout, s.tls(target));
  if (!connected) {
    spdlog::warn("{}", connected.error().message);
    co_return Attempt::unavailable;
  }
  http::ClientRequest request;
  request.target = scheduler_path;
  request.headers = s.headers();
  request.body = wire::encode(s.subscribe_call(), s.flags.content_type);
  auto head = co_await connection->open_stream(std::move(request), connect_timeout);
  if (!head) {
    spdlog::warn("SUBSCRIBE to {} failed: {}", target.url(), head.error().message);
    co_return Attempt::unavailable;
  }
  if (head->status == 307) {
    const std::string location(head->header("Location").value_or(""));
    connection->close();
    auto next = redirect_target(location, target);
    if (!next) {
      spdlog::warn("{}", next.error().message);
      co_return Attempt::unavailable;
    }
    spdlog::info("{} is not the leading master; following its redirect to {}", target.url(),
                 next->url());
    co_return s.masters.redirected(*next) ? Attempt::redirected : Attempt::unavailable;
  }
  if (head->status != 200) {
    const std::string body = co_await read_body(*connection);
    connection->close();
    if (head->status == 401) {
      // Retrying cannot fix credentials: say so and stop, like an ERROR from the master.
      s.apply(Decision{{},
                       Decision::Exit{1, "The master refused the credentials of principal '" +
                                             s.flags.principal + "' (401 " + body + ")"},
                       {}});
      co_return Attempt::unavailable;
    }
    spdlog::warn("SUBSCRIBE to {} answered {}: {}", target.url(), head->status, body);
    co_return Attempt::unavailable;
  }
  s.stream_id = std::string(head->header("Mesos-Stream-Id").value_or(""));
  s.leader = target;
  const std::uint64_t epoch = ++s.epoch;
  wire::recordio::Decoder decoder;
  bool subscribed = false;
  while (!s.stopping) {
    // Until SUBSCRIBED, one second (the example resends SUBSCRIBE every second); then
    // --heartbeat_misses heartbeat intervals of silence mean the stream is dead.
    const auto timeout = subscribed ? std::chrono::milliseconds(static_cast<long long>(
                                          s.heartbeat_seconds * s.flags.heartbeat_misses * 1000))
                                    : std::chrono::milliseconds(1000);
    auto piece = co_await connection->read_some(timeout);
    if (!piece) {
      if (!s.stopping) {
        spdlog::warn("{}", piece.error().message);
      }
      break;
    }
    if (piece->empty()) {
      spdlog::warn("The master ended the event stream");
      break;
    }
    std::vector<std::string> records;
    if (auto fed = decoder.feed(*piece, records); !fed) {
      spdlog::warn("Undecodable event stream: {}", fed.error().message);
      break;
    }
    for (const auto& record : records) {
      Event event;
      if (auto decoded = wire::decode(record, s.flags.content_type, event); !decoded) {
        spdlog::warn("Undecodable event: {}", decoded.error().message);
        continue;
      }
      if (event.type() == Event::SUBSCRIBED) {
        subscribed = true;
        s.retry.reset();
        s.masters.subscribed();
        if (event.subscribed().heartbeat_interval_seconds() > 0) {
          s.heartbeat_seconds = event.subscribed().heartbeat_interval_seconds();
        }
      }
      asio::co_spawn(s.strand, handle_event(self, s, std::move(event), epoch), asio::detached);
    }
  }
  connection->close();
  s.state.disconnected();
  ++s.epoch;  // whatever is still queued for this stream is stale
  co_return subscribed ? Attempt::ended : Attempt::unavailable;
}

// SUBSCRIBE, stream, and again, until stopped: redirects at once, the next candidate after a
// failure, and a growing backoff after a stream ends or every candidate failed.
asio::awaitable<void> subscribe_loop(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  while (!s.stopping) {
    bool back_off = true;
    if (const Endpoint* target = s.masters.current()) {
      switch (co_await subscribe_once(self, s, *target)) {
        case Attempt::redirected:
          back_off = false;
          break;
        case Attempt::unavailable:
          back_off = s.masters.failed();
          break;
        case Attempt::ended:
          break;
      }
    }
    if (s.stopping) {
      break;
    }
    if (!back_off || std::exchange(s.skip_backoff, false)) {
      continue;
    }
    const auto wait = s.retry.next();
    spdlog::info("Subscribing again in {} ms", wait.count());
    s.backoff.expires_after(wait);
    boost::system::error_code ignored;
    co_await s.backoff.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
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
        s.strand, *url, [&s](wire::Result<discovery::LeaderAddress> leader) {
          s.leader_changed(std::move(leader));
        });
    if (!started) {
      spdlog::error("{}", started.error().message);
      co_return 1;
    }
    s.watcher = std::move(*started);
  }
  // Both end on a stop; the sender last, once what was queued (the TEARDOWN) is out.
  co_await (subscribe_loop(self, s) && send_calls(self, s) && run_timers(self, s));
  s.watcher.reset();  // no leader report runs after this
  s.calls.close();
  co_return s.exit_status.value_or(0);
}

void Runtime::stop() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    Impl& s = *self->impl_;
    if (s.stopping) {
      return;
    }
    // Without TEARDOWN the master keeps the tasks for --failover_timeout, so that a restarted
    // or upgraded framework adopts them. The example tears down; --teardown_on_exit does too, and
    // the TEARDOWN goes out before the sender stops.
    if (s.flags.teardown_on_exit) {
      for (const auto& call : s.state.teardown().calls) {
        s.queue.emplace_back(s.epoch, call);
      }
    }
    s.stopping = true;
    s.wake_sender.cancel();
    s.wakeup.cancel();
  });
}

}  // namespace iof::framework
