#pragma once

// What the cluster model's tests send and read, over the Harness (harness.hpp): calls, the
// events picked out of a connection's queue, maintenance schedules, and a framework with a
// running task.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

#include "harness.hpp"

namespace iof::sim::test {

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
