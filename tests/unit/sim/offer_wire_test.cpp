// mesos-sim writes OFFERS events as bytes, splicing each agent's cached resource bytes into the
// format a framework takes. Those bytes must be exactly what serializing the same messages gives.
#include "offer_wire.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

namespace v1 = mesos::v1;
using iof::sim::model::OfferedFormat;

// A held resource as the model keeps them: pre-refinement, role set or left to its default.
v1::Resource random_resource(std::mt19937& random) {
  v1::Resource resource;
  const int kind = static_cast<int>(random() % 4);
  static const std::vector<std::string> scalars{"cpus", "mem", "disk", "gpus"};
  if (kind == 0) {
    resource.set_name("ports");
    resource.set_type(v1::Value::RANGES);
    const int ranges = 1 + static_cast<int>(random() % 3);
    for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(ranges); ++i) {
      auto* range = resource.mutable_ranges()->add_range();
      range->set_begin(31000 + 100 * i);
      range->set_end(31000 + 100 * i + random() % 50);
    }
  } else if (kind == 1) {
    resource.set_name("zones");
    resource.set_type(v1::Value::SET);
    resource.mutable_set()->add_item("a");
    resource.mutable_set()->add_item("b" + std::to_string(random() % 9));
  } else {
    resource.set_name(scalars[random() % scalars.size()]);
    resource.set_type(v1::Value::SCALAR);
    resource.mutable_scalar()->set_value(static_cast<double>(random() % 64000) / 8);
  }
  switch (random() % 4) {
    case 0:
      break;  // the default, "*"
    case 1:
      resource.set_role("*");
      break;
    default:
      resource.set_role(random() % 2 ? "web" : "batch");
  }
  return resource;
}

struct Agent {
  std::string id;
  std::string hostname;
  v1::URL url;
  std::vector<v1::Attribute> attributes;
  std::vector<v1::Resource> total;
};

Agent random_agent(std::mt19937& random, int n) {
  Agent agent;
  agent.id = "5d5c0e6f-0000-4000-8000-00000000000a-S" + std::to_string(n);
  agent.hostname = "agent" + std::to_string(n);
  agent.url.set_scheme("http");
  agent.url.mutable_address()->set_hostname(agent.hostname);
  agent.url.mutable_address()->set_ip("127.0.0." + std::to_string(1 + n % 250));
  agent.url.mutable_address()->set_port(5051);
  agent.url.set_path("/slave(1)");
  for (int i = 0; i < static_cast<int>(random() % 3); ++i) {
    v1::Attribute attribute;
    attribute.set_name(i == 0 ? "rack" : "zone");
    attribute.set_type(v1::Value::TEXT);
    attribute.mutable_text()->set_value("r" + std::to_string(random() % 7));
    agent.attributes.push_back(attribute);
  }
  const int resources = static_cast<int>(random() % 6);
  for (int i = 0; i < resources; ++i) {
    agent.total.push_back(random_resource(random));
  }
  return agent;
}

}  // namespace

TEST_CASE("OFFERS written as bytes equal the serialized messages, in every offered format") {
  std::mt19937 random(20261204);
  const std::string framework_id = "5d5c0e6f-0000-4000-8000-00000000000a-0001";
  int compared = 0;
  for (int round = 0; round < 400; ++round) {
    const OfferedFormat format{random() % 2 == 0, random() % 2 == 0};
    iof::sim::model::OffersWriter writer(framework_id, format, 8);
    v1::scheduler::Event expected;
    expected.set_type(v1::scheduler::Event::OFFERS);
    const int offers = 1 + static_cast<int>(random() % 5);
    for (int n = 0; n < offers; ++n) {
      const Agent agent = random_agent(random, round * 10 + n);
      const auto wire = iof::sim::model::agent_wire(agent.id, agent.hostname, agent.url,
                                                    agent.attributes, agent.total);
      const std::string role = random() % 2 ? "web" : "*";
      const bool whole = random() % 4 != 0;  // else the general path, as for a partial offer
      std::optional<v1::Unavailability> unavailability;
      if (random() % 3 == 0) {
        unavailability.emplace();
        unavailability->mutable_start()->set_nanoseconds(1'800'000'000'000'000'000 + n);
      }
      const std::string offer_id =
          "5d5c0e6f-0000-4000-8000-00000000000a-O" + std::to_string(round * 10 + n);
      writer.add(offer_id, wire, agent.total, whole, role,
                 unavailability ? &*unavailability : nullptr);

      v1::Offer& offer = *expected.mutable_offers()->add_offers();
      offer.mutable_id()->set_value(offer_id);
      offer.mutable_framework_id()->set_value(framework_id);
      offer.mutable_agent_id()->set_value(agent.id);
      offer.set_hostname(agent.hostname);
      *offer.mutable_url() = agent.url;
      for (const auto& attribute : agent.attributes) {
        *offer.add_attributes() = attribute;
      }
      for (v1::Resource resource : agent.total) {
        iof::sim::model::to_offered_format(resource, format, role);
        *offer.add_resources() = resource;
      }
      if (unavailability) {
        *offer.mutable_unavailability() = *unavailability;
      }
      if (format.multi_role) {
        offer.mutable_allocation_info()->set_role(role);
      }
    }
    const auto event = writer.finish();
    CHECK(event->type() == v1::scheduler::Event::OFFERS);
    REQUIRE(event->protobuf() == expected.SerializeAsString());
    CHECK(event->message().SerializeAsString() == expected.SerializeAsString());
    ++compared;
  }
  CHECK(compared == 400);
}

TEST_CASE("the offered formats: refined reserves instead of a role, multi-role names the role") {
  v1::Resource reserved;
  reserved.set_name("cpus");
  reserved.set_type(v1::Value::SCALAR);
  reserved.mutable_scalar()->set_value(2);
  reserved.set_role("web");

  v1::Resource refined = reserved;
  iof::sim::model::to_offered_format(refined, OfferedFormat{true, false}, "web");
  CHECK_FALSE(refined.has_role());
  REQUIRE(refined.reservations_size() == 1);
  CHECK(refined.reservations(0).type() == v1::Resource::ReservationInfo::STATIC);
  CHECK(refined.reservations(0).role() == "web");
  CHECK_FALSE(refined.has_allocation_info());

  v1::Resource multi = reserved;
  iof::sim::model::to_offered_format(multi, OfferedFormat{false, true}, "web");
  CHECK(multi.role() == "web");
  CHECK(multi.allocation_info().role() == "web");
  CHECK(multi.reservations_size() == 0);
}

TEST_CASE("same_plain_resources tells apart what would serialize differently") {
  std::mt19937 random(7);
  for (int i = 0; i < 200; ++i) {
    const v1::Resource resource = random_resource(random);
    v1::Resource other = resource;
    CHECK(iof::sim::model::same_plain_resources({resource}, {other}));
    switch (i % 4) {
      case 0:
        other.set_name(other.name() + "x");
        break;
      case 1:
        other.set_role(other.role() == "web" ? "batch" : "web");
        break;
      case 2:
        other.mutable_allocation_info()->set_role("web");
        break;
      default:
        other.mutable_reservations()->Add()->set_role("web");
    }
    CHECK_FALSE(iof::sim::model::same_plain_resources({resource}, {other}));
  }
}
