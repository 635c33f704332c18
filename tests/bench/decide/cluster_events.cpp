#include "cluster_events.hpp"

namespace iof::bench {

namespace v1 = mesos::v1;
using v1::scheduler::Event;

namespace {

constexpr const char* master_uuid = "9bb5ef83-7767-42da-a174-28e30947f6e6";

void add_scalar(v1::Offer& offer, const char* name, double amount) {
  auto* resource = offer.add_resources();
  resource->set_name(name);
  resource->set_type(v1::Value::SCALAR);
  resource->mutable_scalar()->set_value(amount);
  resource->set_role("*");
}

void add_text_attribute(v1::Offer& offer, const char* name, std::string value) {
  auto* attribute = offer.add_attributes();
  attribute->set_name(name);
  attribute->set_type(v1::Value::TEXT);
  attribute->mutable_text()->set_value(std::move(value));
}

}  // namespace

std::string agent_id(std::size_t index) {
  return std::string(master_uuid) + "-S" + std::to_string(index);
}

Event offers_event(const std::string& framework_id, std::size_t agents, std::size_t round) {
  Event event;
  event.set_type(Event::OFFERS);
  auto* offers = event.mutable_offers()->mutable_offers();
  offers->Reserve(static_cast<int>(agents));
  for (std::size_t i = 0; i < agents; ++i) {
    v1::Offer& offer = *offers->Add();
    offer.mutable_id()->set_value(std::string(master_uuid) + "-O" +
                                  std::to_string(round * agents + i));
    offer.mutable_framework_id()->set_value(framework_id);
    offer.mutable_agent_id()->set_value(agent_id(i));
    const std::string host = "agent" + std::to_string(i) + ".cluster.example.org";
    offer.set_hostname(host);
    auto* url = offer.mutable_url();
    url->set_scheme("http");
    url->mutable_address()->set_hostname(host);
    url->mutable_address()->set_ip("10." + std::to_string((i >> 16) & 255) + "." +
                                   std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255));
    url->mutable_address()->set_port(5051);
    url->set_path("/slave(1)");
    offer.mutable_allocation_info()->set_role("*");
    auto* ports = offer.add_resources();
    ports->set_name("ports");
    ports->set_type(v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(31000);
    range->set_end(32000);
    ports->set_role("*");
    add_scalar(offer, "cpus", 8.0);
    add_scalar(offer, "mem", 31'000.0);
    add_scalar(offer, "disk", 252'899.0);
    add_text_attribute(offer, "rack", "rack-" + std::to_string(i % 40));
    add_text_attribute(offer, "zone", "zone-" + std::to_string(i % 3));
    if (i % 10 == 7) {
      // Windows spread over the next six hours, an hour long each.
      const std::int64_t start_seconds =
          bench_epoch_seconds + 1800 + static_cast<std::int64_t>(i % 360) * 60;
      auto* unavailability = offer.mutable_unavailability();
      unavailability->mutable_start()->set_nanoseconds(start_seconds * 1'000'000'000);
      unavailability->mutable_duration()->set_nanoseconds(3'600'000'000'000);
    }
  }
  return event;
}

std::vector<Event> update_events(const std::vector<LaunchedTask>& tasks, bool reconciliation) {
  std::vector<Event> events;
  events.reserve(tasks.size());
  std::size_t n = 0;
  for (const auto& task : tasks) {
    Event event;
    event.set_type(Event::UPDATE);
    auto* status = event.mutable_update()->mutable_status();
    status->mutable_task_id()->set_value(task.task_id);
    status->mutable_agent_id()->set_value(task.agent_id);
    status->set_state(v1::TASK_RUNNING);
    status->set_timestamp(static_cast<double>(bench_epoch_seconds) + 1.0);
    if (reconciliation) {
      status->set_source(v1::TaskStatus::SOURCE_MASTER);
      status->set_reason(v1::TaskStatus::REASON_RECONCILIATION);
    } else {
      status->set_source(v1::TaskStatus::SOURCE_EXECUTOR);
      std::string uuid(16, '\0');
      for (std::size_t b = 0; b < 8; ++b) {
        uuid[b] = static_cast<char>((n >> (8 * b)) & 255);
      }
      status->set_uuid(uuid);
      status->mutable_executor_id()->set_value(task.task_id);
    }
    ++n;
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace iof::bench
