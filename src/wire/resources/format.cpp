// Resources printed the way Mesos's operator<< prints them: in validation errors, in a task's
// "Total resources ... exceed" refusal, and as the values of the master's JSON endpoints.
#include <optional>
#include <string>
#include <vector>

#include "iof/wire/resources.hpp"
#include "iof/wire/stout.hpp"

#include "detail.hpp"

namespace iof::wire::text {

using mesos::v1::Resource;
using mesos::v1::Value;

namespace detail {

namespace {

std::string labels_text(const mesos::v1::Labels& labels) {
  std::string out = "{";
  for (int i = 0; i < labels.labels_size(); ++i) {
    const auto& label = labels.labels(i);
    out += label.key();
    if (label.has_value()) {
      out += ": " + label.value();
    }
    if (i + 1 < labels.labels_size()) {
      out += ", ";
    }
  }
  return out + "}";
}

std::string disk_text(const Resource::DiskInfo& disk) {
  std::string out;
  if (disk.has_source()) {
    out += source_text(disk.source());
  }
  if (disk.has_persistence()) {
    if (disk.has_source()) {
      out += ",";
    }
    out += disk.persistence().id();
  }
  if (disk.has_volume()) {
    std::string volume = disk.volume().container_path();
    if (disk.volume().has_host_path()) {
      volume = disk.volume().host_path() + ":" + volume;
      if (disk.volume().has_mode()) {
        volume += disk.volume().mode() == mesos::v1::Volume::RO ? ":ro" : ":rw";
      }
    }
    out += ":" + volume;
  }
  return out;
}

std::string scalar_text(double value) {
  return format_double(to_floating(to_fixed(value)));
}

std::string value_text(const Resource& resource) {
  switch (resource.type()) {
    case Value::SCALAR:
      return scalar_text(resource.scalar().value());
    case Value::RANGES: {
      std::string out = "[";
      for (int i = 0; i < resource.ranges().range_size(); ++i) {
        const auto& range = resource.ranges().range(i);
        out += std::to_string(range.begin()) + "-" + std::to_string(range.end());
        if (i + 1 < resource.ranges().range_size()) {
          out += ", ";
        }
      }
      return out + "]";
    }
    case Value::SET: {
      std::string out = "{";
      for (int i = 0; i < resource.set().item_size(); ++i) {
        out += resource.set().item(i);
        if (i + 1 < resource.set().item_size()) {
          out += ", ";
        }
      }
      return out + "}";
    }
    case Value::TEXT:
      break;
  }
  return {};  // A Resource has no field for TEXT; upstream cannot print one either.
}

}  // namespace

std::string source_text(const Resource::DiskInfo::Source& source) {
  using Source = Resource::DiskInfo::Source;
  const std::optional<std::string> csi =
      source.has_id() || source.has_profile()
          ? std::optional<std::string>("(" + source.vendor() + "," + source.id() + "," +
                                       source.profile() + ")")
          : std::nullopt;
  switch (source.type()) {
    case Source::MOUNT:
      return "MOUNT" + csi.value_or(source.mount().has_root() ? ":" + source.mount().root() : "");
    case Source::PATH:
      return "PATH" + csi.value_or(source.path().has_root() ? ":" + source.path().root() : "");
    case Source::BLOCK:
      return "BLOCK" + csi.value_or("");
    case Source::RAW:
      return "RAW" + csi.value_or("");
    case Source::UNKNOWN:
      break;
  }
  return "UNKNOWN";
}

std::string resource_text(const Resource& resource) {
  std::string out = resource.name();
  if (resource.has_allocation_info()) {
    out += "(allocated: " + resource.allocation_info().role() + ")";
  }
  if (resource.reservations_size() > 0) {
    out += "(reservations: [";
    for (int i = 0; i < resource.reservations_size(); ++i) {
      const auto& reservation = resource.reservations(i);
      if (i > 0) {
        out += ",";
      }
      out +=
          "(" + Resource::ReservationInfo::Type_Name(reservation.type()) + "," + reservation.role();
      if (reservation.has_principal()) {
        out += "," + reservation.principal();
      }
      if (reservation.has_labels()) {
        out += "," + labels_text(reservation.labels());
      }
      out += ")";
    }
    out += "])";
  }
  if (resource.has_disk()) {
    out += "[" + disk_text(resource.disk()) + "]";
  }
  if (resource.has_revocable()) {
    out += "{REV}";
  }
  if (resource.has_shared()) {
    out += "<SHARED>";
  }
  return out + ":" + value_text(resource);
}

}  // namespace detail

std::string format_value(const Resource& resource) {
  return detail::value_text(resource);
}

std::string format_resources(const std::vector<Resource>& resources) {
  std::string out;
  for (Resource resource : resources) {
    // Printing needs the post-refinement form; invalid resources print as they are.
    (void)detail::upgrade(resource);
    out += (out.empty() ? "" : "; ") + detail::resource_text(resource);
  }
  return out;
}

}  // namespace iof::wire::text
