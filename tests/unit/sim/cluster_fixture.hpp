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
#include "iof/wire/mesos_text.hpp"

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
      streams_[outgoing.connection].push_back(std::move(outgoing.event));
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

// ---- Calls
// ---------------------------------------------------------------------------------------

inline Call make_call(const std::string& framework_id, Call::Type type) {
  Call call;
  call.set_type(type);
  call.mutable_framework_id()->set_value(framework_id);
  return call;
}

inline Call decline(const std::string& framework_id, const std::vector<v1::Offer>& offers,
                    std::optional<double> refuse_seconds) {
  Call call = make_call(framework_id, Call::DECLINE);
  for (const auto& offer : offers) {
    *call.mutable_decline()->add_offer_ids() = offer.id();
  }
  if (refuse_seconds) {
    call.mutable_decline()->mutable_filters()->set_refuse_seconds(*refuse_seconds);
  }
  return call;
}

inline std::vector<v1::Resource> resources(const std::string& text) {
  auto parsed = wire::text::parse_resources(text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

inline v1::TaskInfo command_task(const std::string& task_id, const std::string& agent_id,
                                 const std::string& resource_text = "cpus:1;mem:128") {
  v1::TaskInfo task;
  task.set_name(task_id);
  task.mutable_task_id()->set_value(task_id);
  task.mutable_agent_id()->set_value(agent_id);
  if (!resource_text.empty()) {
    for (const auto& resource : resources(resource_text)) {
      *task.add_resources() = resource;
    }
  }
  task.mutable_command()->set_value("sleep 1000");
  return task;
}

inline Call launch(const std::string& framework_id, const std::vector<std::string>& offer_ids,
                   const std::vector<v1::TaskInfo>& tasks,
                   std::optional<double> refuse_seconds = std::nullopt) {
  Call call = make_call(framework_id, Call::ACCEPT);
  for (const auto& id : offer_ids) {
    call.mutable_accept()->add_offer_ids()->set_value(id);
  }
  auto* operation = call.mutable_accept()->add_operations();
  operation->set_type(v1::Offer::Operation::LAUNCH);
  for (const auto& task : tasks) {
    *operation->mutable_launch()->add_task_infos() = task;
  }
  if (refuse_seconds) {
    call.mutable_accept()->mutable_filters()->set_refuse_seconds(*refuse_seconds);
  }
  return call;
}

inline Call acknowledge(const std::string& framework_id, const v1::TaskStatus& status) {
  Call call = make_call(framework_id, Call::ACKNOWLEDGE);
  *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
  *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
  call.mutable_acknowledge()->set_uuid(status.uuid());
  return call;
}

inline Call kill(const std::string& framework_id, const std::string& task_id) {
  Call call = make_call(framework_id, Call::KILL);
  call.mutable_kill()->mutable_task_id()->set_value(task_id);
  return call;
}

// RECONCILE of these tasks (implicit when empty), each with an agent id when it is not empty.
inline Call reconcile(const std::string& framework_id,
                      const std::vector<std::pair<std::string, std::string>>& tasks = {}) {
  Call call = make_call(framework_id, Call::RECONCILE);
  call.mutable_reconcile();
  for (const auto& [task_id, agent_id] : tasks) {
    auto* entry = call.mutable_reconcile()->add_tasks();
    entry->mutable_task_id()->set_value(task_id);
    if (!agent_id.empty()) {
      entry->mutable_agent_id()->set_value(agent_id);
    }
  }
  return call;
}

// ---- Events
// --------------------------------------------------------------------------------------

inline std::vector<Event> of_type(const std::vector<Event>& events, Event::Type type) {
  std::vector<Event> out;
  for (const auto& event : events) {
    if (event.type() == type) {
      out.push_back(event);
    }
  }
  return out;
}

inline std::vector<v1::Offer> offers_in(const std::vector<Event>& events) {
  std::vector<v1::Offer> out;
  for (const auto& event : of_type(events, Event::OFFERS)) {
    out.insert(out.end(), event.offers().offers().begin(), event.offers().offers().end());
  }
  return out;
}

inline std::vector<v1::InverseOffer> inverse_offers_in(const std::vector<Event>& events) {
  std::vector<v1::InverseOffer> out;
  for (const auto& event : of_type(events, Event::INVERSE_OFFERS)) {
    out.insert(out.end(), event.inverse_offers().inverse_offers().begin(),
               event.inverse_offers().inverse_offers().end());
  }
  return out;
}

inline std::vector<v1::TaskStatus> updates_in(const std::vector<Event>& events) {
  std::vector<v1::TaskStatus> out;
  for (const auto& event : of_type(events, Event::UPDATE)) {
    out.push_back(event.update().status());
  }
  return out;
}

inline std::vector<v1::Offer> offers_on(const std::vector<v1::Offer>& offers,
                                        const std::string& hostname) {
  std::vector<v1::Offer> out;
  for (const auto& offer : offers) {
    if (offer.hostname() == hostname) {
      out.push_back(offer);
    }
  }
  return out;
}

// The one offer on `hostname`, failing the test when there is not exactly one.
inline v1::Offer offer_on(const std::vector<v1::Offer>& offers, const std::string& hostname) {
  auto found = offers_on(offers, hostname);
  REQUIRE(found.size() == 1);
  return found.front();
}

inline double scalar(const v1::Offer& offer, const std::string& name) {
  return wire::text::scalar({offer.resources().begin(), offer.resources().end()}, name);
}

inline std::vector<std::string> ids_of(const std::vector<v1::Offer>& offers) {
  std::vector<std::string> out;
  for (const auto& offer : offers) {
    out.push_back(offer.id().value());
  }
  return out;
}

// ---- Maintenance
// ---------------------------------------------------------------------------------

inline v1::MachineID machine(const std::string& hostname, const std::string& ip) {
  v1::MachineID id;
  if (!hostname.empty()) {
    id.set_hostname(hostname);
  }
  if (!ip.empty()) {
    id.set_ip(ip);
  }
  return id;
}

inline v1::Unavailability unavailability(Time start, Duration duration) {
  v1::Unavailability out;
  out.mutable_start()->set_nanoseconds(start.count());
  out.mutable_duration()->set_nanoseconds(duration.count());
  return out;
}

// One window holding `machines`.
inline v1::maintenance::Schedule schedule_of(const std::vector<v1::MachineID>& machines,
                                             const v1::Unavailability& when) {
  v1::maintenance::Schedule schedule;
  auto* window = schedule.add_windows();
  for (const auto& id : machines) {
    *window->add_machine_ids() = id;
  }
  *window->mutable_unavailability() = when;
  return schedule;
}

// ---- A framework with a task
// ---------------------------------------------------------------------------------

// A framework running t1 on agent1 that holds no offers (the rest of agent1 and every other
// agent are refused for 600 s).
struct Tenant {
  Harness::Framework framework;
  std::string agent_id;  // agent1's
  v1::TaskStatus running;
};

inline Tenant tenant(Harness& h, const v1::FrameworkInfo& info = framework_info()) {
  Tenant out;
  out.framework = h.add_framework(info);
  h.settle();
  const auto offers = offers_in(h.take(out.framework.connection));
  const auto on_agent1 = offer_on(offers, "agent1");
  out.agent_id = on_agent1.agent_id().value();
  std::vector<v1::Offer> others;
  for (const auto& offer : offers) {
    if (offer.hostname() != "agent1") {
      others.push_back(offer);
    }
  }
  h.handle(decline(out.framework.id, others, 600));
  h.handle(
      launch(out.framework.id, {on_agent1.id().value()}, {command_task("t1", out.agent_id)}, 600));
  const auto starting = updates_in(h.take(out.framework.connection));
  REQUIRE(starting.size() == 1);
  h.handle(acknowledge(out.framework.id, starting[0]));
  h.run_for(milliseconds(100));
  const auto running = updates_in(h.take(out.framework.connection));
  REQUIRE(running.size() == 1);
  REQUIRE(running[0].state() == v1::TASK_RUNNING);
  h.handle(acknowledge(out.framework.id, running[0]));
  out.running = running[0];
  return out;
}

inline bool same(const google::protobuf::Message& left, const google::protobuf::Message& right) {
  return left.SerializeAsString() == right.SerializeAsString();
}

}  // namespace iof::sim::test
