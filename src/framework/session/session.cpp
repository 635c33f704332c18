#include "iof/framework/session.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "iof/framework/session/offers_reader.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;
using namespace session;
using namespace std::chrono_literals;

namespace {

// Until SUBSCRIBED arrives a stream may be silent this long: Mesos's example resends SUBSCRIBE
// every second.
constexpr Time subscribe_timeout = 1s;

Log note(Level level, std::string text) {
  return Log{level, std::move(text), {}};
}

Time seconds(double value) {
  return std::chrono::duration_cast<Time>(std::chrono::duration<double>(value));
}

}  // namespace

Heartbeat session::clamp_heartbeat(double announced) {
  constexpr double fallback = 15;
  constexpr double shortest = 0.1;
  constexpr double longest = 3600;
  if (!std::isfinite(announced) || announced <= 0) {
    return {fallback, fmt::format("The master announced a heartbeat interval of {} s, which is "
                                  "not a positive number; assuming {} s",
                                  announced, fallback)};
  }
  if (announced < shortest || announced > longest) {
    const double held = std::clamp(announced, shortest, longest);
    return {held, fmt::format("The master announced a heartbeat interval of {} s, outside "
                              "[{}, {}] s; using {} s",
                              announced, shortest, longest, held)};
  }
  return {announced, std::nullopt};
}

Session::Session(SessionOptions options, SchedulerState core)
    : options_(std::move(options)),
      core_(std::move(core)),
      masters_(options_.masters),
      retry_(std::chrono::duration_cast<Backoff::Duration>(options_.backoff_base),
             std::chrono::duration_cast<Backoff::Duration>(options_.backoff_cap),
             options_.backoff_seed),
      saved_version_(core_.version()) {}

Call Session::subscribe_call() const {
  Call call;
  call.set_type(Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  *info = options_.framework;
  if (core_.framework_id()) {
    *info->mutable_id() = *core_.framework_id();
    *call.mutable_framework_id() = *core_.framework_id();
  }
  return call;
}

Actions Session::start(Time now) {
  Actions out;
  open(now, out);
  return out;
}

void Session::open(Time /*now*/, Actions& out) {
  const Endpoint* target = masters_.current();
  if (target == nullptr) {
    phase_ = Phase::idle;  // ZooKeeper names no leader yet: leader_changed() starts again
    return;
  }
  phase_ = Phase::connecting;
  target_ = *target;
  out.push_back(OpenStream{++stream_, *target, subscribe_call()});
}

Actions Session::stream_failed(std::uint64_t stream, std::string_view message, Time now) {
  Actions out;
  if (stream != stream_ || phase_ != Phase::connecting) {
    return out;
  }
  out.push_back(
      note(Level::warn, fmt::format("SUBSCRIBE to {} failed: {}", target_->url(), message)));
  end_attempt(Outcome::unavailable, now, out);
  return out;
}

Actions Session::stream_opened(std::uint64_t stream, const StreamHead& head, Time now) {
  Actions out;
  if (stream != stream_ || phase_ != Phase::connecting) {
    return out;
  }
  const std::string from = target_->url();
  if (head.status == 307) {
    out.push_back(CloseStream{stream});
    auto next = redirect_target(head.location.value_or(""), *target_);
    if (!next) {
      out.push_back(note(Level::warn, next.error().message));
      end_attempt(Outcome::unavailable, now, out);
      return out;
    }
    out.push_back(
        note(Level::info, fmt::format("{} is not the leading master; following its redirect to {}",
                                      from, next->url())));
    end_attempt(masters_.redirected(*next) ? Outcome::redirected : Outcome::unavailable, now, out);
    return out;
  }
  if (head.status == 401) {
    // Retrying cannot fix credentials: say so and stop, like an ERROR from the master.
    out.push_back(CloseStream{stream});
    out.push_back(note(Level::error,
                       fmt::format("The master refused the credentials of principal '{}' (401 {})",
                                   options_.framework.principal(), head.body)));
    phase_ = Phase::idle;
    shut_down(1, out);
    return out;
  }
  if (head.status != 200) {
    out.push_back(CloseStream{stream});
    out.push_back(note(
        Level::warn, fmt::format("SUBSCRIBE to {} answered {}: {}", from, head.status, head.body)));
    end_attempt(Outcome::unavailable, now, out);
    return out;
  }
  if (!head.stream_id || head.stream_id->empty()) {
    // Every later call would go out with an empty stream id and be refused: not subscribed.
    out.push_back(CloseStream{stream});
    out.push_back(note(Level::warn, fmt::format("SUBSCRIBE to {} answered 200 without a "
                                                "Mesos-Stream-Id header; not subscribed",
                                                from)));
    end_attempt(Outcome::unavailable, now, out);
    return out;
  }
  phase_ = Phase::streaming;
  stream_id_ = *head.stream_id;
  leader_ = target_;
  ++epoch_;
  subscribed_ = false;
  decoder_ = wire::recordio::Decoder{};
  silent_deadline_ = now + subscribe_timeout;
  pump(out);
  return out;
}

Actions Session::stream_data(std::uint64_t stream, std::string_view bytes, Time now) {
  Actions out;
  if (stream != stream_ || phase_ != Phase::streaming) {
    return out;
  }
  silent_deadline_ = now + (subscribed_ ? seconds(heartbeat_seconds_ * options_.heartbeat_misses)
                                        : subscribe_timeout);
  std::vector<std::string> records;
  if (auto fed = decoder_.feed(bytes, records); !fed) {
    out.push_back(CloseStream{stream});
    out.push_back(note(Level::warn, "Undecodable event stream: " + fed.error().message));
    end_attempt(subscribed_ ? Outcome::ended : Outcome::unavailable, now, out);
    return out;
  }
  for (auto& record : records) {
    Event event;
    std::optional<std::vector<OfferSummary>> offers;
    auto read = options_.content_type == wire::ContentType::protobuf
                    ? read_protobuf_event(record, core_.offer_reading())
                    : read_json_event(record, core_.offer_reading());
    if (!read) {
      out.push_back(note(Level::warn, "Undecodable event: " + read.error().message));
      continue;
    }
    event = std::move(read->event);
    offers = std::move(read->offers);
    std::string().swap(record);  // its bytes are read: not held while the event is decided
    if (event.type() == Event::SUBSCRIBED) {
      subscribed_ = true;
      retry_.reset();
      masters_.subscribed();
      if (event.subscribed().has_heartbeat_interval_seconds()) {
        const auto heartbeat = clamp_heartbeat(event.subscribed().heartbeat_interval_seconds());
        if (heartbeat.warning) {
          out.push_back(note(Level::warn, *heartbeat.warning));
        }
        heartbeat_seconds_ = heartbeat.seconds;
      }
      silent_deadline_ = now + seconds(heartbeat_seconds_ * options_.heartbeat_misses);
    }
    out.push_back(Deliver{epoch_, std::move(event), std::move(offers)});
  }
  return out;
}

Actions Session::stream_ended(std::uint64_t stream, std::string_view reason, Time now) {
  Actions out;
  if (stream != stream_ || phase_ != Phase::streaming) {
    return out;
  }
  if (!stopping_) {
    out.push_back(note(Level::warn, std::string(reason)));
  }
  end_attempt(subscribed_ ? Outcome::ended : Outcome::unavailable, now, out);
  return out;
}

void Session::end_attempt(Outcome outcome, Time now, Actions& out) {
  if (phase_ == Phase::streaming) {
    core_.disconnected();
    ++epoch_;  // whatever is still queued for this stream is stale
  }
  subscribed_ = false;
  phase_ = Phase::idle;
  if (stopping_) {
    pump(out);
    return;
  }
  bool back_off = true;
  if (outcome == Outcome::redirected) {
    back_off = false;
  } else if (outcome == Outcome::unavailable) {
    back_off = masters_.failed();
  }
  if (!back_off || std::exchange(skip_backoff_, false)) {
    open(now, out);
    return;
  }
  const auto wait = retry_.next();
  out.push_back(note(Level::info, fmt::format("Subscribing again in {} ms", wait.count())));
  phase_ = Phase::backing_off;
  retry_at_ = now + wait;
}

Actions Session::tick(Time now) {
  Actions out;
  if (phase_ == Phase::finished) {
    return out;
  }
  if (phase_ == Phase::backing_off && now >= retry_at_) {
    open(now, out);
  }
  if (phase_ == Phase::streaming && now >= silent_deadline_) {
    out.push_back(CloseStream{stream_});
    out.push_back(note(Level::warn, subscribed_
                                        ? fmt::format("No event from the master in {} heartbeat "
                                                      "intervals of {} s: the event stream is dead",
                                                      options_.heartbeat_misses, heartbeat_seconds_)
                                        : std::string("No SUBSCRIBED from the master within 1 s")));
    end_attempt(subscribed_ ? Outcome::ended : Outcome::unavailable, now, out);
  }
  if (!stopping_) {
    absorb(core_.advance(now), now, out);
  }
  return out;
}

Actions Session::leader_changed(std::optional<Endpoint> leader, std::string_view why, Time now) {
  Actions out;
  if (stopping_ || phase_ == Phase::finished) {
    return out;
  }
  if (!leader) {
    // A working stream to the old leader is kept: ZooKeeper being unreachable does not make the
    // master any less the leader.
    out.push_back(note(Level::warn, "ZooKeeper: " + std::string(why)));
    masters_.set_leader(std::nullopt);
    return out;
  }
  out.push_back(note(Level::info, "ZooKeeper: the leading master is " + leader->url()));
  masters_.set_leader(std::move(leader));
  skip_backoff_ = true;
  if (phase_ == Phase::streaming || phase_ == Phase::connecting) {
    out.push_back(CloseStream{stream_});
    end_attempt(subscribed() ? Outcome::ended : Outcome::unavailable, now, out);
  } else {
    skip_backoff_ = false;
    open(now, out);
  }
  return out;
}

std::optional<Time> Session::next_wakeup() const {
  if (phase_ == Phase::finished) {
    return std::nullopt;
  }
  std::optional<Time> next = stopping_ ? std::nullopt : core_.next_wakeup();
  const auto earliest = [&next](Time at) { next = next ? std::min(*next, at) : at; };
  if (phase_ == Phase::backing_off) {
    earliest(retry_at_);
  }
  if (phase_ == Phase::streaming) {
    earliest(silent_deadline_);
  }
  if (save_due_ && !saving_) {
    earliest(*save_due_);
  }
  return next;
}

}  // namespace iof::framework
