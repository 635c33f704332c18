#include "offer_wire.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace iof::sim::model {

namespace {

using google::protobuf::internal::WireFormatLite;
namespace v1 = mesos::v1;
using v1::scheduler::Event;

// Room before the Offers fields for the event's own head (type, then the Offers field's tag and
// length), which is only known once every offer is written: at most 2 + 1 + 5 bytes.
constexpr std::size_t head_room = 16;

void append_varint(std::uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void append_length_delimited_tag(int field, std::size_t length, std::string& out) {
  append_varint(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED), out);
  append_varint(length, out);
}

std::string serialized(const google::protobuf::MessageLite& message) {
  std::string bytes;
  message.SerializePartialToString(&bytes);
  return bytes;
}

// Appends a held resource's bytes to `out` with their spans, or nothing (and `out` as it was)
// when its offered forms cannot be derived from them by splicing: it already carries an
// allocation_info, or its fields are not in number order.
std::optional<ResourceWire> append_resource_wire(const v1::Resource& resource, std::string& out) {
  const std::size_t start = out.size();
  const std::string bytes = serialized(resource);
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  ResourceWire wire;
  const auto at = [&](std::size_t offset) { return static_cast<std::uint32_t>(start + offset); };
  wire.begin = at(0);
  wire.end = at(bytes.size());
  wire.allocation_at = wire.end;
  bool allocation_at_found = false;
  int previous = 0;
  while (true) {
    const auto field_begin = static_cast<std::size_t>(input.CurrentPosition());
    const std::uint32_t tag = input.ReadTag();
    if (tag == 0) {
      break;
    }
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    if (number < previous || number == v1::Resource::kAllocationInfoFieldNumber ||
        !WireFormatLite::SkipField(&input, tag)) {
      return std::nullopt;
    }
    previous = number;
    if (number == v1::Resource::kRoleFieldNumber) {
      wire.role_begin = at(field_begin);
      wire.role_end = at(static_cast<std::size_t>(input.CurrentPosition()));
    }
    if (number > v1::Resource::kAllocationInfoFieldNumber && !allocation_at_found) {
      wire.allocation_at = at(field_begin);
      allocation_at_found = true;
    }
  }
  out += bytes;
  wire.reservation_begin = at(bytes.size());
  if (resource.role() != "*") {
    v1::Resource::ReservationInfo reservation;
    reservation.set_type(v1::Resource::ReservationInfo::STATIC);
    reservation.set_role(resource.role());
    const std::string reserved = serialized(reservation);
    append_length_delimited_tag(v1::Resource::kReservationsFieldNumber, reserved.size(), out);
    out += reserved;
  }
  wire.reservation_end = static_cast<std::uint32_t>(out.size());
  return wire;
}

bool same_plain(const v1::Resource& left, const v1::Resource& right) {
  const auto plain = [](const v1::Resource& resource) {
    return !resource.has_provider_id() && !resource.has_allocation_info() &&
           !resource.has_reservation() && resource.reservations_size() == 0 &&
           !resource.has_disk() && !resource.has_revocable() && !resource.has_shared() &&
           resource.unknown_fields().empty();
  };
  if (!plain(left) || !plain(right) || left.name() != right.name() || left.type() != right.type() ||
      left.has_role() != right.has_role() || left.role() != right.role() ||
      left.has_scalar() != right.has_scalar() || left.has_ranges() != right.has_ranges() ||
      left.has_set() != right.has_set()) {
    return false;
  }
  if (left.has_scalar() && left.scalar().value() != right.scalar().value()) {
    return false;
  }
  const auto same_range = [](const v1::Value::Range& a, const v1::Value::Range& b) {
    return a.begin() == b.begin() && a.end() == b.end();
  };
  return (!left.has_ranges() ||
          std::equal(left.ranges().range().begin(), left.ranges().range().end(),
                     right.ranges().range().begin(), right.ranges().range().end(), same_range)) &&
         (!left.has_set() || std::equal(left.set().item().begin(), left.set().item().end(),
                                        right.set().item().begin(), right.set().item().end()));
}

}  // namespace

AgentWire agent_wire(const std::string& agent_id, const std::string& hostname, const v1::URL& url,
                     const std::vector<v1::Attribute>& attributes,
                     const std::vector<v1::Resource>& total) {
  AgentWire wire;
  // Offers holding only these fields serialize to exactly their bytes in a full offer.
  v1::Offer identity;
  identity.mutable_agent_id()->set_value(agent_id);
  identity.set_hostname(hostname);
  wire.bytes = serialized(identity);
  wire.identity_end = static_cast<std::uint32_t>(wire.bytes.size());
  v1::Offer location;
  for (const auto& attribute : attributes) {
    *location.add_attributes() = attribute;
  }
  *location.mutable_url() = url;
  wire.bytes += serialized(location);
  wire.location_end = static_cast<std::uint32_t>(wire.bytes.size());
  wire.whole_cached = true;
  for (const auto& resource : total) {
    auto cached = append_resource_wire(resource, wire.bytes);
    if (!cached) {
      wire.bytes.resize(wire.location_end);
      wire.whole.clear();
      wire.whole_cached = false;
      break;
    }
    wire.whole.push_back(*cached);
  }
  wire.bytes.shrink_to_fit();
  return wire;
}

bool same_plain_resources(const std::vector<v1::Resource>& left,
                          const std::vector<v1::Resource>& right) {
  if (left.size() != right.size()) {
    return false;
  }
  for (std::size_t i = 0; i < left.size(); ++i) {
    if (!same_plain(left[i], right[i])) {
      return false;
    }
  }
  return true;
}

void to_offered_format(v1::Resource& resource, OfferedFormat format, const std::string& role) {
  if (format.refined) {
    if (resource.role() != "*") {
      auto* reservation = resource.add_reservations();
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
      reservation->set_role(resource.role());
    }
    resource.clear_role();
  }
  if (format.multi_role) {
    resource.mutable_allocation_info()->set_role(role);
  }
}

OffersWriter::OffersWriter(const std::string& framework_id, OfferedFormat format,
                           std::size_t expected_offers)
    : format_(format), expected_offers_(expected_offers), event_(head_room, '\0') {
  v1::Offer framework;
  framework.mutable_framework_id()->set_value(framework_id);
  framework_field_ = serialized(framework);
}

void OffersWriter::use_role(const std::string& role) {
  if (!format_.multi_role || (role == role_ && !resource_allocation_.empty())) {
    return;
  }
  role_ = role;
  v1::Resource::AllocationInfo allocation;
  allocation.set_role(role);
  const std::string bytes = serialized(allocation);
  resource_allocation_.clear();
  append_length_delimited_tag(v1::Resource::kAllocationInfoFieldNumber, bytes.size(),
                              resource_allocation_);
  resource_allocation_ += bytes;
  offer_allocation_.clear();
  append_length_delimited_tag(v1::Offer::kAllocationInfoFieldNumber, bytes.size(),
                              offer_allocation_);
  offer_allocation_ += bytes;
}

void OffersWriter::add_cached_resources(const AgentWire& agent) {
  const std::string_view bytes = agent.bytes;
  const auto span = [&](std::uint32_t from, std::uint32_t to) {
    return bytes.substr(from, to - from);
  };
  for (const ResourceWire& resource : agent.whole) {
    const bool drop_role = format_.refined && resource.role_end > resource.role_begin;
    const std::string_view allocation = format_.multi_role ? resource_allocation_ : "";
    const std::string_view reservation =
        format_.refined ? span(resource.reservation_begin, resource.reservation_end) : "";
    const std::size_t length = resource.end - resource.begin -
                               (drop_role ? resource.role_end - resource.role_begin : 0) +
                               allocation.size() + reservation.size();
    append_length_delimited_tag(v1::Offer::kResourcesFieldNumber, length, offer_);
    if (drop_role) {
      offer_.append(span(resource.begin, resource.role_begin));
      offer_.append(span(resource.role_end, resource.allocation_at));
    } else {
      offer_.append(span(resource.begin, resource.allocation_at));
    }
    offer_.append(allocation);
    offer_.append(span(resource.allocation_at, resource.end));
    offer_.append(reservation);
  }
}

void OffersWriter::add_resources(const std::vector<v1::Resource>& resources,
                                 const std::string& role) {
  for (const v1::Resource& held : resources) {
    scratch_ = held;
    to_offered_format(scratch_, format_, role);
    const std::size_t size = scratch_.ByteSizeLong();
    append_length_delimited_tag(v1::Offer::kResourcesFieldNumber, size, offer_);
    scratch_.AppendPartialToString(&offer_);
  }
}

void OffersWriter::add(const std::string& offer_id, const AgentWire& agent,
                       const std::vector<v1::Resource>& resources, bool whole,
                       const std::string& role, const v1::Unavailability* unavailability) {
  use_role(role);
  offer_.clear();
  // Offer.id: an OfferID whose only field is its value.
  id_tag_.clear();
  append_length_delimited_tag(v1::OfferID::kValueFieldNumber, offer_id.size(), id_tag_);
  append_length_delimited_tag(v1::Offer::kIdFieldNumber, id_tag_.size() + offer_id.size(), offer_);
  offer_ += id_tag_;
  offer_ += offer_id;
  offer_ += framework_field_;
  offer_ += agent.identity();
  if (whole && agent.whole_cached) {
    add_cached_resources(agent);
  } else {
    add_resources(resources, role);
  }
  offer_ += agent.location();
  if (unavailability != nullptr) {
    const std::string bytes = serialized(*unavailability);
    append_length_delimited_tag(v1::Offer::kUnavailabilityFieldNumber, bytes.size(), offer_);
    offer_ += bytes;
  }
  if (format_.multi_role) {
    offer_ += offer_allocation_;
  }
  if (event_.size() == head_room) {
    // Offers of one cluster differ little in size: room for every one as large as the first, and
    // a quarter more. Pages never written cost nothing.
    event_.reserve(head_room + expected_offers_ * (offer_.size() + 8) * 5 / 4);
  }
  append_length_delimited_tag(v1::scheduler::Event::Offers::kOffersFieldNumber, offer_.size(),
                              event_);
  event_ += offer_;
}

std::shared_ptr<const SentEvent> OffersWriter::finish() {
  std::string head;
  append_varint(WireFormatLite::MakeTag(Event::kTypeFieldNumber, WireFormatLite::WIRETYPE_VARINT),
                head);
  append_varint(Event::OFFERS, head);
  append_length_delimited_tag(Event::kOffersFieldNumber, event_.size() - head_room, head);
  const std::size_t offset = head_room - head.size();
  event_.replace(offset, head.size(), head);
  return std::make_shared<const SentEvent>(Event::OFFERS, std::move(event_), offset);
}

}  // namespace iof::sim::model
