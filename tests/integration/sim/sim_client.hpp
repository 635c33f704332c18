#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "http_client.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

// A tiny JSON scheduler for integration tests: subscribes, then sends calls on the stream's id.
namespace iof::test {

namespace v1 = mesos::v1;
using v1::scheduler::Call;
using v1::scheduler::Event;

class SimFramework {
 public:
  SimFramework(unsigned short port, v1::FrameworkInfo info) : port_(port) {
    Call call;
    call.set_type(Call::SUBSCRIBE);
    if (info.has_id()) {
      *call.mutable_framework_id() = info.id();
    }
    *call.mutable_subscribe()->mutable_framework_info() = std::move(info);
    stream_ =
        std::make_unique<EventStream>(port, HttpRequest{"POST",
                                                        "/api/v1/scheduler",
                                                        {{"Content-Type", "application/json"}},
                                                        wire::json::write(call)});
    REQUIRE(stream_->head().status == 200);
    const auto subscribed = stream_->next();
    REQUIRE(subscribed);
    REQUIRE(subscribed->type() == Event::SUBSCRIBED);
    id_ = subscribed->subscribed().framework_id().value();
    stream_id_ = *stream_->head().header("Mesos-Stream-Id");
  }

  static v1::FrameworkInfo info(double failover_timeout = 0, bool killing_capability = true) {
    v1::FrameworkInfo info;
    info.set_user("root");
    info.set_name("integration test");
    info.set_failover_timeout(failover_timeout);
    if (killing_capability) {
      info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
    }
    return info;
  }

  const std::string& id() const { return id_; }
  const std::string& stream_id() const { return stream_id_; }
  EventStream& events() { return *stream_; }

  // Sends a call (framework id filled in) and returns the HTTP status.
  unsigned send(Call call) {
    call.mutable_framework_id()->set_value(id_);
    return request(port_, {"POST",
                           "/api/v1/scheduler",
                           {{"Content-Type", "application/json"}, {"Mesos-Stream-Id", stream_id_}},
                           wire::json::write(call)})
        .status;
  }

  // Offers seen until every hostname in `hosts` has one (or the time is up).
  std::vector<v1::Offer> offers_for(const std::set<std::string>& hosts,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::vector<v1::Offer> offers;
    std::set<std::string> missing = hosts;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!missing.empty() && std::chrono::steady_clock::now() < deadline) {
      auto event =
          stream_->next_of(Event::OFFERS, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              deadline - std::chrono::steady_clock::now()));
      if (!event) {
        break;
      }
      for (const auto& offer : event->offers().offers()) {
        offers.push_back(offer);
        missing.erase(offer.hostname());
      }
    }
    return offers;
  }

  unsigned decline(const std::vector<v1::Offer>& offers, double refuse_seconds) {
    Call call;
    call.set_type(Call::DECLINE);
    for (const auto& offer : offers) {
      *call.mutable_decline()->add_offer_ids() = offer.id();
    }
    call.mutable_decline()->mutable_filters()->set_refuse_seconds(refuse_seconds);
    return send(std::move(call));
  }

  unsigned launch(const v1::Offer& offer, const std::string& task_id) {
    Call call;
    call.set_type(Call::ACCEPT);
    *call.mutable_accept()->add_offer_ids() = offer.id();
    auto* operation = call.mutable_accept()->add_operations();
    operation->set_type(v1::Offer::Operation::LAUNCH);
    auto* task = operation->mutable_launch()->add_task_infos();
    task->set_name("task " + task_id);
    task->mutable_task_id()->set_value(task_id);
    *task->mutable_agent_id() = offer.agent_id();
    task->mutable_command()->set_value("sleep 1000");
    for (const char* resource : {"cpus", "mem"}) {
      auto* r = task->add_resources();
      r->set_name(resource);
      r->set_type(v1::Value::SCALAR);
      r->mutable_scalar()->set_value(resource == std::string("cpus") ? 0.2 : 32);
    }
    call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
    return send(std::move(call));
  }

  unsigned acknowledge(const v1::TaskStatus& status) {
    Call call;
    call.set_type(Call::ACKNOWLEDGE);
    *call.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *call.mutable_acknowledge()->mutable_task_id() = status.task_id();
    call.mutable_acknowledge()->set_uuid(status.uuid());
    return send(std::move(call));
  }

  // The next UPDATE event's status; fails the test when none comes.
  v1::TaskStatus next_update(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    auto event = stream_->next_of(Event::UPDATE, timeout);
    REQUIRE(event);
    return event->update().status();
  }

 private:
  unsigned short port_;
  std::unique_ptr<EventStream> stream_;
  std::string id_;
  std::string stream_id_;
};

}  // namespace iof::test
