// Resources merged into a Mesos Resources object (mesos::Resources::add): which resources are
// of one kind, how their amounts add, and what is dropped on the way in.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "detail.hpp"

namespace iof::wire::text::detail {

bool is_empty(const Resource& resource) {
  switch (resource.type()) {
    case Value::SCALAR:
      return to_fixed(resource.scalar().value()) == 0;
    case Value::RANGES:
      return resource.ranges().range_size() == 0;
    case Value::SET:
      return resource.set().item_size() == 0;
    case Value::TEXT:
      break;
  }
  return false;
}

bool is_persistent_volume(const Resource& resource) {
  return resource.has_disk() && resource.disk().has_persistence();
}

std::string kind(const Resource& resource, bool ignore_allocation) {
  Resource copy = resource;
  copy.clear_scalar();
  copy.clear_ranges();
  copy.clear_set();
  if (ignore_allocation) {
    copy.clear_allocation_info();
  }
  if (copy.has_disk()) {
    copy.mutable_disk()->clear_volume();
    if (copy.disk().has_persistence()) {
      copy.mutable_disk()->mutable_persistence()->clear_principal();
    }
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializePartialToCodedStream(&coded);
  }
  return bytes;
}

namespace {

// A reservation made only of a type and a role: comparing those fields is comparing its bytes.
bool plain_reservation(const Resource::ReservationInfo& reservation) {
  return !reservation.has_principal() && !reservation.has_labels() &&
         reservation.unknown_fields().empty();
}

// A resource whose kind bytes hold only its name, type, role and plain reservations (and the
// allocation when it is not ignored): the shape of nearly every resource a master sends.
bool plain(const Resource& resource, bool ignore_allocation) {
  if (resource.has_disk() || resource.has_reservation() || resource.has_revocable() ||
      resource.has_shared() || resource.has_provider_id() || !resource.unknown_fields().empty() ||
      (!ignore_allocation && resource.has_allocation_info())) {
    return false;
  }
  return std::all_of(resource.reservations().begin(), resource.reservations().end(),
                     plain_reservation);
}

bool same_reservation(const Resource::ReservationInfo& a, const Resource::ReservationInfo& b) {
  return a.has_type() == b.has_type() && a.type() == b.type() && a.has_role() == b.has_role() &&
         a.role() == b.role();
}

}  // namespace

bool same_kind(const Resource& a, const Resource& b, bool ignore_allocation) {
  if (!plain(a, ignore_allocation) || !plain(b, ignore_allocation)) {
    return kind(a, ignore_allocation) == kind(b, ignore_allocation);
  }
  // Field by field what the kind bytes would compare, without building them: this runs for
  // every pair of resources an allocation merges or subtracts.
  return a.has_name() == b.has_name() && a.name() == b.name() && a.has_type() == b.has_type() &&
         a.type() == b.type() && a.has_role() == b.has_role() && a.role() == b.role() &&
         std::equal(a.reservations().begin(), a.reservations().end(), b.reservations().begin(),
                    b.reservations().end(), same_reservation);
}

bool same_amount(const Resource& a, const Resource& b) {
  switch (a.type()) {
    case Value::SCALAR:
      return to_fixed(a.scalar().value()) == to_fixed(b.scalar().value());
    case Value::RANGES: {
      const Value::Ranges left = coalesce(a.ranges(), {});
      const Value::Ranges right = coalesce(b.ranges(), {});
      if (left.range_size() != right.range_size()) {
        return false;
      }
      for (int i = 0; i < left.range_size(); ++i) {
        if (left.range(i).begin() != right.range(i).begin() ||
            left.range(i).end() != right.range(i).end()) {
          return false;
        }
      }
      return true;
    }
    case Value::SET: {
      // Upstream compares sets position by position.
      if (a.set().item_size() != b.set().item_size()) {
        return false;
      }
      for (int i = 0; i < a.set().item_size(); ++i) {
        if (a.set().item(i) != b.set().item(i)) {
          return false;
        }
      }
      return true;
    }
    case Value::TEXT:
      break;
  }
  return false;
}

namespace {

bool addable(const Resource& left, const Resource& right, bool ignore_allocation) {
  if (left.has_shared() != right.has_shared()) {
    return false;
  }
  if (!same_kind(left, right, ignore_allocation)) {
    return false;
  }
  if (left.has_shared()) {
    return same_amount(left, right);
  }
  if (left.has_disk()) {
    using Source = Resource::DiskInfo::Source;
    if (left.disk().has_source()) {
      const auto& source = left.disk().source();
      if (source.type() == Source::BLOCK || source.type() == Source::MOUNT ||
          (source.type() == Source::RAW && source.has_id())) {
        return false;
      }
    }
    if (left.disk().has_persistence()) {
      return false;
    }
  }
  return true;
}

void add_amount(Resource& left, const Resource& right) {
  switch (left.type()) {
    case Value::SCALAR:
      left.mutable_scalar()->set_value(to_floating(
          fixed_add(to_fixed(left.scalar().value()), to_fixed(right.scalar().value()))));
      break;
    case Value::RANGES:
      *left.mutable_ranges() = coalesce(left.ranges(), right.ranges());
      break;
    case Value::SET:
      for (const auto& item : right.set().item()) {
        const auto& items = left.set().item();
        if (std::find(items.begin(), items.end(), item) == items.end()) {
          left.mutable_set()->add_item(item);
        }
      }
      break;
    case Value::TEXT:
      break;
  }
}

}  // namespace

void add(std::vector<Resource>& resources, Resource resource, bool ignore_allocation) {
  if (is_empty(resource)) {
    return;
  }
  for (auto& existing : resources) {
    if (addable(existing, resource, ignore_allocation)) {
      // Equal shared resources only count up a share count, which nothing here needs.
      if (!existing.has_shared()) {
        add_amount(existing, resource);
      }
      return;
    }
  }
  resources.push_back(std::move(resource));
}

std::vector<Resource> normalized(const std::vector<Resource>& input) {
  std::vector<Resource> out;
  for (Resource resource : input) {
    resource.clear_allocation_info();
    if (upgrade(resource) || validate(resource)) {
      continue;
    }
    add(out, std::move(resource), true);
  }
  return out;
}

}  // namespace iof::wire::text::detail
