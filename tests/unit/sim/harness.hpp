#pragma once

// A small harness around the pure cluster model: a Cluster with a fixed seed and an explicit
// Config, a fake clock that only moves when a test says so, and the outbox sorted into one
// queue of events per connection.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "iof/sim/cluster.hpp"
#include "iof/sim/config.hpp"

namespace iof::sim::test {

namespace v1 = mesos::v1;
using Call = v1::scheduler::Call;
using Event = v1::scheduler::Event;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Every test's clock starts at a whole second, so that allocations fall on whole seconds.
inline constexpr Time start_time = seconds(1'700'000'000);

inline Config test_config() {
  Config config;
  config.master_id = "master";
  config.seed = 7;
  config.agents = 3;
  config.allocation_interval = seconds(1);
  config.heartbeat_interval = seconds(15);
  config.launch_latency = milliseconds(100);
  config.kill_latency = milliseconds(100);
  config.status_update_retry = seconds(10);
  return config;
}

inline v1::FrameworkInfo framework_info(
    double failover_timeout = 0,
    const std::vector<v1::FrameworkInfo::Capability::Type>& capabilities = {}) {
  v1::FrameworkInfo info;
  info.set_user("tester");
  info.set_name("test framework");
  info.set_failover_timeout(failover_timeout);
  for (const auto type : capabilities) {
    info.add_capabilities()->set_type(type);
  }
  return info;
}

class Harness {
 public:
  struct Framework {
    ConnectionId connection = 0;
    std::string id;
  };

  explicit Harness(Config config = test_config(), Time start = start_time)
      : cluster_(make(std::move(config), start)), now_(start) {
    drain();
  }
  // Wraps a cluster made elsewhere (Cluster::recover) whose clock reads `start`.
  Harness(Cluster cluster, Time start) : cluster_(std::move(cluster)), now_(start) { drain(); }

  Cluster& cluster() { return cluster_; }
  Time now() const { return now_; }

  // Moves the clock to `until`, stopping at every wakeup on the way so that each allocation,
  // heartbeat and timer runs at its own time.
  void run_until(Time until) {
    REQUIRE(until >= now_);
    for (int steps = 0;; ++steps) {
      const auto next = cluster_.next_wakeup();
      if (!next || *next > until) {
        break;
      }
      if (steps > 1'000'000) {
        FAIL("next_wakeup() does not move past " << next->count());
      }
      now_ = std::max(now_, *next);
      cluster_.advance(now_);
      drain();
    }
    now_ = until;
    cluster_.advance(now_);
    drain();
  }
  void run_for(Duration duration) { run_until(now_ + duration); }
  // Runs what is due now, as the shell does right after a call.
  void settle() { run_until(now_); }

  // What reached a connection since the last take: events, with std::nullopt for a close.
  std::vector<std::optional<Event>> take_raw(ConnectionId connection) {
    drain();
    return std::exchange(streams_[connection], {});
  }
  // The events alone.
  std::vector<Event> take(ConnectionId connection) {
    std::vector<Event> events;
    for (auto& item : take_raw(connection)) {
      if (item) {
        events.push_back(std::move(*item));
      }
    }
    return events;
  }
  bool closed(ConnectionId connection) const { return closed_.contains(connection); }

  ConnectionId subscribe(const v1::FrameworkInfo& info,
                         const std::vector<std::string>& suppressed_roles = {}) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    *call.mutable_subscribe()->mutable_framework_info() = info;
    for (const auto& role : suppressed_roles) {
      call.mutable_subscribe()->add_suppressed_roles(role);
    }
    const ConnectionId connection = cluster_.subscribe(call, std::nullopt, now_);
    drain();
    return connection;
  }

  // Subscribes, checks SUBSCRIBED and HEARTBEAT arrived and consumes them.
  Framework add_framework(const v1::FrameworkInfo& info = framework_info(),
                          const std::vector<std::string>& suppressed_roles = {}) {
    Framework framework;
    framework.connection = subscribe(info, suppressed_roles);
    auto events = take(framework.connection);
    REQUIRE(events.size() >= 2);
    REQUIRE(events[0].type() == Event::SUBSCRIBED);
    REQUIRE(events[1].type() == Event::HEARTBEAT);
    framework.id = events[0].subscribed().framework_id().value();
    // Anything after them (resent updates) stays for the test to see.
    events.erase(events.begin(), events.begin() + 2);
    for (auto& event : events) {
      streams_[framework.connection].emplace_back(std::move(event));
    }
    return framework;
  }

  void handle(const Call& call) {
    cluster_.handle(call, now_);
    drain();
  }
  void disconnect(ConnectionId connection) {
    cluster_.disconnected(connection, now_);
    drain();
  }

  void drain() {
    for (auto& outgoing : cluster_.take_outbox()) {
      if (closed_.contains(outgoing.connection)) {
        FAIL_CHECK("event after the close of connection " << outgoing.connection);
      }
      if (!outgoing.event) {
        closed_.insert(outgoing.connection);
      }
      streams_[outgoing.connection].push_back(
          outgoing.event ? std::optional<Event>(outgoing.event->message()) : std::nullopt);
    }
  }

 private:
  static Cluster make(Config config, Time start) {
    auto created = Cluster::create(std::move(config), start);
    REQUIRE(created.has_value());
    return std::move(*created);
  }

  Cluster cluster_;
  Time now_;
  std::map<ConnectionId, std::vector<std::optional<Event>>> streams_;
  std::set<ConnectionId> closed_;
};

}  // namespace iof::sim::test
