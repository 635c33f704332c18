#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "iof/sim/sent_event.hpp"

#include "mesos/v1/mesos.pb.h"

// OFFERS events written straight in protobuf's wire format, byte for byte what serializing the
// same messages would give (fields in number order), from pieces of each agent's offers that
// are worked out once, when the agent joins.
namespace iof::sim::model {

// Where a held resource's serialization lies in AgentWire::bytes, with the spans the offered
// formats change. Offsets are from the start of `bytes`.
struct ResourceWire {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t role_begin = 0;  // the `role` field, tag included; empty when absent
  std::uint32_t role_end = 0;
  std::uint32_t allocation_at = 0;  // where `allocation_info` (11) goes: before fields 12 and 13
  // In the refined format, a resource reserved to a role gets a STATIC reservation to it (field
  // 13, always last): that field, ready to append; empty for an unreserved one.
  std::uint32_t reservation_begin = 0;
  std::uint32_t reservation_end = 0;
};

// What an agent's offers repeat every time, in one buffer: offering 50,000 agents in a random
// order read these from cold memory, and one block per agent costs far fewer misses than one
// per field.
struct AgentWire {
  std::string bytes;
  std::uint32_t identity_end = 0;  // [0, identity_end): Offer.agent_id and Offer.hostname
  std::uint32_t location_end = 0;  // [identity_end, location_end): Offer.attributes and url
  // The agent's total resources, when each can be reformatted as bytes: what a free agent
  // offers. `whole_cached` is false when one cannot (it already has an allocation_info).
  std::vector<ResourceWire> whole;
  bool whole_cached = false;

  std::string_view identity() const { return std::string_view(bytes).substr(0, identity_end); }
  std::string_view location() const {
    return std::string_view(bytes).substr(identity_end, location_end - identity_end);
  }
};

AgentWire agent_wire(const std::string& agent_id, const std::string& hostname,
                     const mesos::v1::URL& url, const std::vector<mesos::v1::Attribute>& attributes,
                     const std::vector<mesos::v1::Resource>& total);

// Whether two resource lists are the same, field for field, so that they serialize the same. A
// resource with anything beyond a plain name, type, value and role counts as different: the
// caller then takes the general path, which is slower but always right.
bool same_plain_resources(const std::vector<mesos::v1::Resource>& left,
                          const std::vector<mesos::v1::Resource>& right);

// How a framework takes resources in offers (model::add_offered_format does the same on
// messages).
struct OfferedFormat {
  bool refined = false;     // RESERVATION_REFINEMENT: no role, reservations instead
  bool multi_role = false;  // MULTI_ROLE: allocation_info on the offer and each resource
};

// A held resource as a framework of this format is offered it, for `role`.
void to_offered_format(mesos::v1::Resource& resource, OfferedFormat format,
                       const std::string& role);

// One framework's OFFERS event, offer by offer.
class OffersWriter {
 public:
  // `expected_offers`: at most how many offers the event may hold, to size its buffer once; a
  // 50,000-offer event grown by doubling spent a third of the allocation copying itself.
  OffersWriter(const std::string& framework_id, OfferedFormat format, std::size_t expected_offers);

  // `whole` is true when `resources` are the agent's total, field for field: the agent's
  // cached bytes are then reformatted instead of serializing every resource again.
  void add(const std::string& offer_id, const AgentWire& agent,
           const std::vector<mesos::v1::Resource>& resources, bool whole, const std::string& role,
           const mesos::v1::Unavailability* unavailability);
  std::shared_ptr<const SentEvent> finish();

 private:
  void add_resources(const std::vector<mesos::v1::Resource>& resources, const std::string& role);
  void add_cached_resources(const AgentWire& agent);
  void use_role(const std::string& role);

  OfferedFormat format_;
  std::size_t expected_offers_;
  std::string framework_field_;  // Offer.framework_id, the same in every offer
  std::string event_;            // room for the event's head, then Offers' fields
  std::string offer_;            // the offer being written
  std::string id_tag_;           // OfferID.value's tag and length, for the offer being written
  // For the role last offered to: Resource.allocation_info and Offer.allocation_info.
  std::string role_;
  std::string resource_allocation_;
  std::string offer_allocation_;
  mesos::v1::Resource scratch_;  // the general path's reformatted resource
};

}  // namespace iof::sim::model
