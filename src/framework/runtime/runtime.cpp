// The Runtime's life: creation, run() and its one ending (finish), stop(), and how the session's
// actions are performed. The loops that perform them are in loops.cpp.
#include "iof/framework/runtime.hpp"

#include <exception>
#include <malloc.h>
#include <random>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "iof/discovery/zk_url.hpp"
#include "iof/framework/log_output.hpp"
#include "iof/wire/base64.hpp"

#include "runtime_impl.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework {

namespace asio = boost::asio;
using v1::scheduler::Event;

namespace {

SchedulerState initial_core(const Flags& flags, const std::optional<Snapshot>& saved) {
  Recovery recovery;
  recovery.allow_new_framework = flags.allow_new_framework;
  recovery.reconcile_interval = flags.reconcile_interval;
  recovery.crash_backoff = flags.crash_backoff;
  recovery.crash_backoff_max = flags.crash_backoff_max;
  recovery.agent_memory = flags.agent_memory;
  SchedulerState state(flags.policy, flags.num_tasks, flags.role, flags.task, recovery,
                       flags.evacuation);
  if (saved) {
    state.restore(*saved);
  }
  return state;
}

SessionOptions initial_options(const Flags& flags, std::vector<Endpoint> masters,
                               const std::string& user, bool persist) {
  auto options = session_options(flags, std::move(masters), user, std::random_device{}());
  options.persist = persist;  // whatever the store: the session holds calls for it the same way
  return options;
}

// The session's lines, with the framework ID once the master gave one.
void log(const session::Log& line, const std::optional<v1::FrameworkID>& framework) {
  logging::Fields fields{line.about, std::nullopt};
  if (framework) {
    fields.framework_id = framework->value();
  }
  logging::write(line.level, line.text, fields);
}

// One handler task per event, on the strand; the session drops events of an older stream. The
// task ends only once the state its decision changed is stored and its calls are released.
asio::awaitable<void> handle_event(Runtime::Impl& s, session::Deliver delivered) {
  // A JSON OFFERS event from every agent of a large cluster is over a hundred megabytes parsed
  // (50,000 offers: 121 MB), and even read down to summaries a protobuf one is tens. malloc keeps
  // what it freed, so without this the process would stay at its peak for good.
  const std::size_t offered =
      delivered.offers ? delivered.offers->size()
                       : static_cast<std::size_t>(delivered.event.offers().offers_size());
  const bool large = offered > 1000;
  auto actions = s.session.handle(delivered, Runtime::Impl::now());
  delivered = session::Deliver();
  co_await s.perform(std::move(actions));
  if (large) {
    ::malloc_trim(0);
  }
}

}  // namespace

Runtime::Impl::Impl(asio::any_io_executor executor, Flags flags_in, MasterSpec master,
                    const std::string& user, std::optional<Snapshot> saved,
                    std::shared_ptr<StateStore> store)
    : strand(asio::make_strand(executor)),
      flags(std::move(flags_in)),
      session(initial_options(flags, std::move(master.candidates), user, store != nullptr),
              initial_core(flags, saved)),
      persister(strand, std::move(store)),
      subscriber{std::nullopt, nullptr, 0, asio::steady_timer(strand)},
      sender(strand),
      wakeup(strand),
      zookeeper(std::move(master.zookeeper)),
      tasks_idle(strand),
      observer{{}, {}, {}, false, asio::steady_timer(strand)} {}

std::vector<http::Header> Runtime::Impl::headers() const {
  const std::string media(wire::media_type(flags.content_type));
  std::vector<http::Header> out{{"Content-Type", media}, {"Accept", media}};
  if (flags.authenticate && flags.secret) {
    out.push_back(
        {"Authorization", "Basic " + wire::base64::encode(flags.principal + ":" + *flags.secret)});
  }
  return out;
}

std::optional<http::TlsOptions> Runtime::Impl::tls(const Endpoint& endpoint) const {
  if (!endpoint.tls) {
    return std::nullopt;
  }
  return http::TlsOptions{flags.tls_verify, flags.tls_ca_file};
}

asio::awaitable<void> Runtime::Impl::perform(session::Actions actions) {
  for (auto& action : actions) {
    if (auto* open = std::get_if<session::OpenStream>(&action)) {
      subscriber.next = std::move(*open);
      subscriber.wake.cancel();
    } else if (auto* close = std::get_if<session::CloseStream>(&action)) {
      if (subscriber.stream && close->stream == subscriber.stream_number) {
        subscriber.stream->close();
      }
    } else if (auto* send = std::get_if<session::SendCall>(&action)) {
      sender.next.push_back(std::move(*send));
      sender.wake.cancel();
    } else if (auto* deliver = std::get_if<session::Deliver>(&action)) {
      spawn(handle_event(*this, std::move(*deliver)));
    } else if (auto* save = std::get_if<session::SaveState>(&action)) {
      const auto version = save->version;
      const auto saved = co_await persister.save(version, std::move(save->snapshot));
      auto after_save = session.persisted(version, saved, now());
      co_await perform(std::move(after_save));
    } else if (auto* line = std::get_if<session::Log>(&action)) {
      log(*line, session.core().framework_id());
    } else if (auto* finished = std::get_if<session::Finish>(&action)) {
      finish(finished->status);
    }
  }
  if (done) {
    co_return;
  }
  frame_done();
  if (const auto next = session.next_wakeup()) {
    wakeup.expires_after(std::max(*next - now(), Time{0}));
  } else {
    wakeup.expires_at(asio::steady_timer::time_point::max());
  }
}

void Runtime::Impl::frame_done() {
  if (!observer.run || observer.scheduled) {
    return;
  }
  const auto now_steady = std::chrono::steady_clock::now();
  if (now_steady - observer.last >= observer.interval) {
    observer.last = now_steady;
    observer.run(session.core());
    return;
  }
  // A burst of frames (an update storm) is seen once per interval, and once after its last.
  observer.scheduled = true;
  observer.timer.expires_at(observer.last + observer.interval);
  observer.timer.async_wait([this, keep_alive = owner.lock()](boost::system::error_code ec) {
    observer.scheduled = false;
    if (!ec && !done) {
      observer.last = std::chrono::steady_clock::now();
      observer.run(session.core());
    }
  });
}

void Runtime::Impl::spawn(asio::awaitable<void> task) {
  ++tasks;
  auto ended = [this, keep_alive = owner.lock()](std::exception_ptr failure) {
    if (--tasks == 0) {
      tasks_idle.cancel();
    }
    if (failure) {
      std::rethrow_exception(failure);  // a bug: out of io_context::run(), not swallowed
    }
  };
  asio::co_spawn(strand, std::move(task), std::move(ended));
}

asio::awaitable<void> Runtime::Impl::tasks_finished() {
  while (tasks > 0) {
    co_await nudged(tasks_idle);
  }
}

void Runtime::Impl::finish(int status) {
  if (done) {
    return;
  }
  done = true;
  exit_status = status;
  subscriber.wake.cancel();
  sender.wake.cancel();
  wakeup.cancel();
  observer.timer.cancel();
  // Pending reads and requests complete at once with an error; the loops then see `done`.
  if (subscriber.stream) {
    subscriber.stream->close();
  }
  sender.close();
  watcher.reset();  // no leader report runs after this
  persister.abandon();
}

Result<void> Runtime::Impl::start_watcher() {
  auto url = discovery::parse_zk_url(*zookeeper);
  if (!url) {
    return url.error();
  }
  spdlog::info("Finding the leading master through {}", discovery::redacted(*url));
  // Runs on the strand; the watcher is destroyed (by finish) before the Impl.
  auto on_change = [this](Result<discovery::LeaderAddress> named) {
    if (done) {
      return;
    }
    session::Actions actions;
    if (named) {
      const Endpoint leader{false, named->host, std::to_string(named->port)};
      actions = session.leader_changed(leader, "", now());
    } else {
      actions = session.leader_changed(std::nullopt, named.error().message, now());
    }
    spawn(perform(std::move(actions)));
  };
  auto started = discovery::LeaderWatcher::start(strand, *url, std::move(on_change));
  if (!started) {
    return started.error();
  }
  watcher = std::move(*started);
  return {};
}

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

std::shared_ptr<Runtime> Runtime::create(asio::any_io_executor executor, Flags flags,
                                         MasterSpec master, std::string user,
                                         std::optional<Snapshot> saved,
                                         std::shared_ptr<StateStore> store) {
  if (!store && flags.state_file) {
    store = file_state_store(*flags.state_file);
  }
  auto runtime = std::make_shared<Runtime>(
      std::make_unique<Impl>(std::move(executor), std::move(flags), std::move(master), user,
                             std::move(saved), std::move(store)));
  runtime->impl_->owner = runtime;
  return runtime;
}

void Runtime::observe_frames(std::function<void(const SchedulerState&)> observer,
                             std::chrono::milliseconds interval) {
  impl_->observer.run = std::move(observer);
  impl_->observer.interval = interval;
}

const SchedulerState& Runtime::state() const {
  return impl_->session.core();
}

asio::any_io_executor Runtime::strand() const {
  return impl_->strand;
}

asio::awaitable<int> Runtime::run() {
  using namespace asio::experimental::awaitable_operators;
  const auto keep_alive = shared_from_this();
  Impl& s = *impl_;
  co_await asio::post(s.strand, asio::use_awaitable);
  if (s.zookeeper && !s.done) {
    if (auto started = s.start_watcher(); !started) {
      spdlog::error("{}", started.error().message);
      s.finish(1);
    }
  }
  if (!s.done) {
    auto first = s.session.start(Impl::now());
    co_await s.perform(std::move(first));
  }
  // All three end once the runtime is done: after a stop, once the TEARDOWN is out.
  co_await (subscribe_loop(s) && send_calls(s) && run_timers(s));
  co_await s.tasks_finished();
  co_return s.exit_status;
}

void Runtime::stop() {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self] {
    Impl& s = *self->impl_;
    if (!s.done) {
      s.spawn(s.perform(s.session.stop(Impl::now())));
    }
  });
}

void Runtime::hold_calls(bool held) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, held] {
    Impl& s = *self->impl_;
    s.calls_held = held;
    if (!held) {
      s.subscriber.wake.cancel();
      s.sender.wake.cancel();
    }
  });
}

void Runtime::abdicate(int status) {
  auto self = shared_from_this();
  asio::post(impl_->strand, [self, status] { self->impl_->finish(status); });
}

}  // namespace iof::framework
