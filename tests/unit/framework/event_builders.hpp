#pragma once

// Events shaped like a real master's, for the framework core's unit tests.
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::test::events {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
namespace v1 = mesos::v1;

inline const std::string framework = "fw-0000";

inline Event subscribed() {
  Event event;
  event.set_type(Event::SUBSCRIBED);
  event.mutable_subscribed()->mutable_framework_id()->set_value(framework);
  return event;
}

// An offer as a real master makes it for a RESERVATION_REFINEMENT framework: no role, no
// allocation.
inline v1::Offer offer(const std::string& id, const std::string& agent, std::int64_t window = 0,
                       double cpus = 2, double mem = 1024) {
  v1::Offer offer;
  offer.mutable_id()->set_value(id);
  offer.mutable_framework_id()->set_value(framework);
  offer.mutable_agent_id()->set_value(agent);
  offer.set_hostname(agent);
  for (const auto& [name, amount] : {std::pair{"cpus", cpus}, std::pair{"mem", mem}}) {
    auto* resource = offer.add_resources();
    resource->set_name(name);
    resource->set_type(v1::Value::SCALAR);
    resource->mutable_scalar()->set_value(amount);
  }
  if (window > 0) {
    offer.mutable_unavailability()->mutable_start()->set_nanoseconds(window);
  }
  return offer;
}

inline Event offers(const std::vector<v1::Offer>& list) {
  Event event;
  event.set_type(Event::OFFERS);
  for (const auto& o : list) {
    *event.mutable_offers()->add_offers() = o;
  }
  return event;
}

inline Event inverse_offer(const std::string& id, const std::string& agent, std::int64_t window) {
  Event event;
  event.set_type(Event::INVERSE_OFFERS);
  auto* offer = event.mutable_inverse_offers()->add_inverse_offers();
  offer->mutable_id()->set_value(id);
  offer->mutable_framework_id()->set_value(framework);
  offer->mutable_agent_id()->set_value(agent);
  offer->mutable_unavailability()->mutable_start()->set_nanoseconds(window);
  return event;
}

inline Event update(const std::string& task, const std::string& agent, v1::TaskState state,
                    bool with_uuid = true) {
  Event event;
  event.set_type(Event::UPDATE);
  auto* status = event.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value(task);
  status->mutable_agent_id()->set_value(agent);
  status->set_state(state);
  if (with_uuid) {
    status->set_uuid(std::string(16, 'u'));
  }
  return event;
}

}  // namespace iof::test::events

namespace doctest {
template <>
struct StringMaker<std::vector<mesos::v1::scheduler::Call::Type>> {
  static String convert(const std::vector<mesos::v1::scheduler::Call::Type>& types) {
    std::string out = "{";
    for (const auto type : types) {
      out += (out.size() > 1 ? ", " : "") + mesos::v1::scheduler::Call::Type_Name(type);
    }
    return (out + "}").c_str();
  }
};
}  // namespace doctest

namespace iof::test::events {

inline std::vector<Call::Type> types(const std::vector<Call>& calls) {
  std::vector<Call::Type> out;
  for (const auto& call : calls) {
    out.push_back(call.type());
  }
  return out;
}

// The master's answer to a reconciliation: no uuid, REASON_RECONCILIATION.
inline Event reconciled(const std::string& task, const std::string& agent, v1::TaskState state) {
  Event event = update(task, agent, state, false);
  event.mutable_update()->mutable_status()->set_reason(v1::TaskStatus::REASON_RECONCILIATION);
  return event;
}

inline Event error(const std::string& message) {
  Event event;
  event.set_type(Event::ERROR);
  event.mutable_error()->set_message(message);
  return event;
}

}  // namespace iof::test::events

namespace iof::test::events {

// An update the master or agent sends when something other than the task ended it.
inline Event update(const std::string& task, const std::string& agent, v1::TaskState state,
                    v1::TaskStatus::Reason reason, bool with_uuid = false) {
  Event event = update(task, agent, state, with_uuid);
  event.mutable_update()->mutable_status()->set_reason(reason);
  return event;
}

// FAILURE{agent_id}: the master removed the agent.
inline Event agent_failure(const std::string& agent) {
  Event event;
  event.set_type(Event::FAILURE);
  event.mutable_failure()->mutable_agent_id()->set_value(agent);
  return event;
}

}  // namespace iof::test::events
