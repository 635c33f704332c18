#include "iof/framework/runtime.hpp"

#include <deque>
#include <optional>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "iof/framework/backoff.hpp"
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
  Impl(asio::any_io_executor executor, Flags flags_in, MasterAddress master_in, std::string user_in)
      : strand(asio::make_strand(executor)),
        flags(std::move(flags_in)),
        master(std::move(master_in)),
        user(std::move(user_in)),
        state(flags.policy, flags.num_tasks, flags.role, flags.task),
        calls(strand),
        wake_sender(strand),
        backoff(strand),
        retry(std::chrono::milliseconds(1000), flags.max_backoff, std::random_device{}()) {}

  asio::strand<asio::any_io_executor> strand;
  Flags flags;
  MasterAddress master;
  std::string user;
  SchedulerState state;

  http::ClientConnection calls;
  std::deque<std::pair<std::uint64_t, Call>> queue;  // (stream epoch, call)
  asio::steady_timer wake_sender;
  asio::steady_timer backoff;
  Backoff retry;
  std::shared_ptr<http::ClientConnection> stream;

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
    info->add_capabilities()->set_type(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
    if (flags.authenticate) {
      info->set_principal(flags.principal);
    }
    if (state.framework_id()) {
      *info->mutable_id() = *state.framework_id();
      *call.mutable_framework_id() = *state.framework_id();
    }
    return call;
  }

  void apply(const Decision& decision) {
    for (const auto& line : decision.log) {
      spdlog::info("{}", line);
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
  }

  void shut_down() {
    stopping = true;
    backoff.cancel();
    wake_sender.cancel();
    if (stream) {
      stream->close();
    }
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(asio::any_io_executor executor, Flags flags,
                                         MasterAddress master, std::string user) {
  return std::make_shared<Runtime>(std::make_unique<Impl>(std::move(executor), std::move(flags),
                                                          std::move(master), std::move(user)));
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
  s.apply(s.state.handle(event));
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
    if (!s.calls.is_open()) {
      auto connected = co_await s.calls.connect(s.master.host, s.master.port, connect_timeout);
      if (!connected) {
        spdlog::warn("Dropping {}: {}", Call::Type_Name(call.type()), connected.error().message);
        continue;
      }
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

// One SUBSCRIBE and its event stream, until the stream ends for any reason.
asio::awaitable<void> subscribe_once(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  auto connection = std::make_shared<http::ClientConnection>(s.strand);
  s.stream = connection;
  auto connected = co_await connection->connect(s.master.host, s.master.port, connect_timeout);
  if (!connected) {
    spdlog::warn("{}", connected.error().message);
    co_return;
  }
  http::ClientRequest request;
  request.target = scheduler_path;
  request.headers = s.headers();
  request.body = wire::encode(s.subscribe_call(), s.flags.content_type);
  auto head = co_await connection->open_stream(std::move(request), connect_timeout);
  if (!head) {
    spdlog::warn("SUBSCRIBE failed: {}", head.error().message);
    co_return;
  }
  if (head->status != 200) {
    std::string body;
    while (true) {
      auto piece = co_await connection->read_some(connect_timeout);
      if (!piece || piece->empty()) {
        break;
      }
      body += *piece;
    }
    if (head->status == 401) {
      // Retrying cannot fix credentials: say so and stop, like an ERROR from the master.
      s.apply(Decision{{},
                       Decision::Exit{1, "The master refused the credentials of principal '" +
                                             s.flags.principal + "' (401 " + body + ")"},
                       {}});
      co_return;
    }
    spdlog::warn("SUBSCRIBE answered {}: {}", head->status, body);
    co_return;
  }
  s.stream_id = std::string(head->header("Mesos-Stream-Id").value_or(""));
  const std::uint64_t epoch = ++s.epoch;
  wire::recordio::Decoder decoder;
  bool subscribed = false;
  while (!s.stopping) {
    // Until SUBSCRIBED, one second (the example resends SUBSCRIBE every second); then
    // --heartbeat_misses heartbeat intervals of silence mean the stream is dead.
    const auto timeout =
        subscribed
            ? std::chrono::milliseconds(static_cast<long long>(s.heartbeat_seconds * 5 * 1000))
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
}

// SUBSCRIBE, stream, and again after a backoff, until stopped.
asio::awaitable<void> subscribe_loop(std::shared_ptr<Runtime> self, Runtime::Impl& s) {
  while (!s.stopping) {
    co_await subscribe_once(self, s);
    if (s.stopping) {
      break;
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
  // Both end on a stop; the sender last, once what was queued (the TEARDOWN) is out.
  co_await (subscribe_loop(self, s) && send_calls(self, s));
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
    // The example tears its framework down on exit; the TEARDOWN goes out before the sender
    // stops.
    for (const auto& call : s.state.teardown().calls) {
      s.queue.emplace_back(s.epoch, call);
    }
    s.stopping = true;
    s.wake_sender.cancel();
  });
}

}  // namespace iof::framework
