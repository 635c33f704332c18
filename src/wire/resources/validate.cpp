// Whether Mesos accepts a resource (mesos::Resources::validate) and its roles
// (mesos::roles::validate), with upstream's reasons word for word.
#include <optional>
#include <string>
#include <string_view>

#include "iof/wire/stout.hpp"

#include "detail.hpp"

namespace iof::wire::text::detail {

namespace {

std::optional<std::string> validate_role(const std::string& role) {
  if (role == "*") {
    return std::nullopt;
  }
  if (role.starts_with('/')) {
    return "Role '" + role + "' cannot start with a slash";
  }
  if (role.ends_with('/')) {
    return "Role '" + role + "' cannot end with a slash";
  }
  if (role.find("//") != std::string::npos) {
    return "Role '" + role + "' cannot contain two adjacent slashes";
  }
  const auto components = tokenize(role, "/");
  if (components.empty()) {
    return std::string("Role names cannot be the empty string");
  }
  for (const std::string_view component : components) {
    if (component == ".") {
      return "Role '" + role + "' cannot include '.' as a component";
    }
    if (component == "..") {
      return "Role '" + role + "' cannot include '..' as a component";
    }
    if (component == "*") {
      return "Role '" + role + "' cannot include '*' as a component";
    }
    if (component.starts_with('-')) {
      return "Role component '" + std::string(component) +
             "' is invalid because it starts with a dash";
    }
    if (component.find_first_of("\x09\x0a\x0b\x0c\x0d\x20\x7f") != std::string_view::npos) {
      return "Role component '" + std::string(component) +
             "' is invalid because it contains backspace or whitespace";
    }
  }
  return std::nullopt;
}

bool is_strict_subrole(const std::string& child, const std::string& parent) {
  return child.size() > parent.size() && child[parent.size()] == '/' && child.starts_with(parent);
}

}  // namespace

std::optional<std::string> validate(const Resource& resource) {
  if (resource.name().empty()) {
    return std::string("Empty resource name");
  }
  if (!Value::Type_IsValid(resource.type())) {
    return std::string("Invalid resource type");
  }
  switch (resource.type()) {
    case Value::SCALAR:
      if (!resource.has_scalar() || resource.has_ranges() || resource.has_set()) {
        return std::string("Invalid scalar resource");
      }
      if (resource.scalar().value() != 0 && to_fixed(resource.scalar().value()) <= 0) {
        return std::string("Invalid scalar resource: value <= 0");
      }
      break;
    case Value::RANGES: {
      if (resource.has_scalar() || !resource.has_ranges() || resource.has_set()) {
        return std::string("Invalid ranges resource");
      }
      const auto& ranges = resource.ranges().range();
      for (int i = 0; i < ranges.size(); ++i) {
        if (ranges[i].begin() > ranges[i].end()) {
          return std::string("Invalid ranges resource: begin > end");
        }
        // Upstream only looks for a later range starting inside an earlier one.
        for (int j = i + 1; j < ranges.size(); ++j) {
          if (ranges[i].begin() <= ranges[j].begin() && ranges[j].begin() <= ranges[i].end()) {
            return std::string("Invalid ranges resource: overlapping ranges");
          }
        }
      }
      break;
    }
    case Value::SET: {
      if (resource.has_scalar() || resource.has_ranges() || !resource.has_set()) {
        return std::string("Invalid set resource");
      }
      const auto& items = resource.set().item();
      for (int i = 0; i < items.size(); ++i) {
        for (int j = i + 1; j < items.size(); ++j) {
          if (items[i] == items[j]) {
            return std::string("Invalid set resource: duplicated elements");
          }
        }
      }
      break;
    }
    case Value::TEXT:
      return std::string("Unsupported resource type");
  }

  if (resource.has_disk()) {
    if (resource.name() != "disk") {
      return "DiskInfo should not be set for " + resource.name() + " resource";
    }
    if (resource.disk().has_source()) {
      using Source = Resource::DiskInfo::Source;
      const auto& source = resource.disk().source();
      switch (source.type()) {
        case Source::PATH:
        case Source::MOUNT:
          break;
        case Source::BLOCK:
        case Source::RAW:
          if (source.has_mount()) {
            return "Mount should not be set for " + Source::Type_Name(source.type()) +
                   " disk source";
          }
          if (source.has_path()) {
            return "Path should not be set for " + Source::Type_Name(source.type()) +
                   " disk source";
          }
          break;
        case Source::UNKNOWN:
          return "Unsupported 'DiskInfo.Source.Type' in '" + source_text(source) + "'";
      }
    }
  }

  if (resource.reservations_size() == 0) {
    if (auto error = validate_role(resource.role())) {
      return error;
    }
  } else {
    for (const auto& reservation : resource.reservations()) {
      if (!reservation.has_type()) {
        return std::string(
            "Invalid reservation: 'Resource.ReservationInfo.type' field must be set.");
      }
      if (!reservation.has_role()) {
        return std::string(
            "Invalid reservation: 'Resource.ReservationInfo.role' field must be set.");
      }
      if (auto error = validate_role(reservation.role())) {
        return error;
      }
      if (reservation.role() == "*") {
        return std::string("Invalid reservation: role \"*\" cannot be reserved");
      }
    }
    std::string ancestor = resource.reservations(0).role();
    for (int i = 1; i < resource.reservations_size(); ++i) {
      const auto& reservation = resource.reservations(i);
      if (reservation.type() == Resource::ReservationInfo::STATIC) {
        return std::string("Invalid refined reservation: A refined reservation cannot be STATIC");
      }
      if (!is_strict_subrole(reservation.role(), ancestor)) {
        return "Invalid refined reservation: role '" + reservation.role() +
               "' is not a refinement of '" + ancestor + "'";
      }
      ancestor = reservation.role();
    }
  }

  if (resource.has_shared()) {
    if (resource.name() != "disk") {
      return "Resource " + resource.name() + " cannot be shared";
    }
    if (!resource.has_disk() || !resource.disk().has_persistence()) {
      return std::string("Only persistent volumes can be shared");
    }
  }
  return std::nullopt;
}

}  // namespace iof::wire::text::detail
