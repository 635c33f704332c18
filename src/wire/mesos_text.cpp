#include "iof/wire/mesos_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include <boost/json/value.hpp>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "iof/wire/json.hpp"
#include "iof/wire/stout.hpp"

namespace iof::wire::text {

namespace {

using mesos::v1::Resource;
using mesos::v1::Value;

// ---- Mesos's fixed-point scalars (src/common/values.cpp) ---------------------------------------

// llround(value * 1000). Where llround has no answer (NaN, infinities, beyond long long) x86-64
// yields LLONG_MIN, and so does this.
long long to_fixed(double value) {
  const double scaled = value * 1000;
  constexpr double limit = 9223372036854775808.0;  // 2^63
  if (!(scaled >= -limit && scaled < limit)) {
    return std::numeric_limits<long long>::min();
  }
  return std::llround(scaled);
}

double to_floating(long long fixed) {
  return static_cast<double>(fixed / 1000) + static_cast<double>(fixed % 1000) / 1000.0;
}

long long fixed_add(long long a, long long b) {
  // Two's complement wrap-around, as the hardware does with upstream's plain addition.
  return static_cast<long long>(static_cast<unsigned long long>(a) +
                                static_cast<unsigned long long>(b));
}

// ---- Ranges ------------------------------------------------------------------------------------

struct Span {
  std::uint64_t begin;
  std::uint64_t end;
};

std::vector<Span> spans(const Value::Ranges& ranges) {
  std::vector<Span> out;
  out.reserve(static_cast<std::size_t>(ranges.range_size()));
  for (const auto& range : ranges.range()) {
    out.push_back({range.begin(), range.end()});
  }
  return out;
}

// Mesos's coalesce: sort by (begin, end), then one pass merging overlapping or adjacent spans.
// Reversed spans (begin > end) go through unchanged or are swallowed, exactly as upstream.
Value::Ranges coalesce(std::vector<Span> in) {
  Value::Ranges out;
  if (in.empty()) {
    return out;
  }
  std::sort(in.begin(), in.end(), [](const Span& a, const Span& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  Span current = in.front();
  for (const Span& span : in) {
    if (span.begin == current.begin && span.end == current.end) {
      continue;
    }
    if (span.begin == current.begin && span.end > current.end) {
      current.end = span.end;
    } else if (span.begin > current.begin) {
      if (span.begin <= current.end + 1) {
        current.end = std::max(current.end, span.end);
      } else {
        auto* range = out.add_range();
        range->set_begin(current.begin);
        range->set_end(current.end);
        current = span;
      }
    }
  }
  auto* range = out.add_range();
  range->set_begin(current.begin);
  range->set_end(current.end);
  return out;
}

Value::Ranges coalesce(const Value::Ranges& a, const Value::Ranges& b) {
  std::vector<Span> all = spans(a);
  const std::vector<Span> more = spans(b);
  all.insert(all.end(), more.begin(), more.end());
  return coalesce(std::move(all));
}

// ---- Printing resources the way Mesos's operator<< does (for error messages) -------------------

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

// A post-refinement resource as Mesos prints it, e.g. "cpus(reservations: [(STATIC,web)]):2".
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

// ---- Reservation formats (src/common/resources_utils.cpp) --------------------------------------

// Pre-refinement -> post-refinement. Upstream CHECK-fails on role "*" with a reservation; that
// combination is reported with the message its validator gives it.
std::optional<std::string> upgrade(Resource& resource) {
  if (resource.reservations_size() > 0) {
    resource.clear_role();
    resource.clear_reservation();
    return std::nullopt;
  }
  if (resource.role() == "*") {
    if (resource.has_reservation()) {
      return "Invalid reservation: role \"*\" cannot be dynamically reserved";
    }
    resource.clear_role();
    return std::nullopt;
  }
  auto* reservation = resource.add_reservations();
  if (resource.has_reservation()) {
    *reservation = resource.reservation();
    resource.clear_reservation();
    reservation->set_type(Resource::ReservationInfo::DYNAMIC);
  } else {
    reservation->set_type(Resource::ReservationInfo::STATIC);
  }
  reservation->set_role(resource.role());
  resource.clear_role();
  return std::nullopt;
}

// Post-refinement -> pre-refinement (at most one reservation, which validation guarantees here).
void downgrade(Resource& resource) {
  if (resource.reservations_size() == 0) {
    resource.set_role("*");
    return;
  }
  const auto& source = resource.reservations(0);
  if (source.type() == Resource::ReservationInfo::DYNAMIC) {
    auto* target = resource.mutable_reservation();
    if (source.has_principal()) {
      target->set_principal(source.principal());
    }
    if (source.has_labels()) {
      *target->mutable_labels() = source.labels();
    }
  }
  resource.set_role(source.role());
  resource.clear_reservations();
}

// ---- Validation (mesos::Resources::validate, mesos::roles::validate) ---------------------------

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

// Validates a resource in the post-refinement format.
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

// ---- Adding resources (mesos::Resources::add) --------------------------------------------------

// Everything but the amount, as Mesos compares it: DiskInfo ignores the volume and the
// persistence principal. Deterministic bytes make the comparison a string comparison (labels
// therefore compare in order, where Mesos compares them as a collection).
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

bool addable(const Resource& left, const Resource& right, bool ignore_allocation) {
  if (left.has_shared() != right.has_shared()) {
    return false;
  }
  if (kind(left, ignore_allocation) != kind(right, ignore_allocation)) {
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

// Adds a valid resource: skipped when empty, merged into the first entry it can be added to,
// appended otherwise.
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

// ---- Parsing values (mesos::internal::values::parse) -------------------------------------------

bool brackets_match(std::string_view s, char open, char close) {
  int depth = 0;
  for (const char c : s) {
    if (c == open) {
      ++depth;
    } else if (c == close) {
      --depth;
    }
    if (depth < 0) {
      return false;
    }
  }
  return depth == 0;
}

std::optional<std::string> scalar_problem(double value) {
  switch (std::fpclassify(value)) {
    case FP_INFINITE:
      return std::string("Infinite values not supported");
    case FP_NAN:
      return std::string("NaN not supported");
    case FP_SUBNORMAL:
      return std::string("Subnormal values not supported");
    case FP_ZERO:
      return std::nullopt;
    case FP_NORMAL:
      if (value < 0) {
        return std::string("Negative values not supported");
      }
      return std::nullopt;
    default:
      return std::string("Unknown error");
  }
}

// Fills the value of `resource` (type and amount) from `text`; a TEXT value only sets the type,
// for the caller to refuse.
Result<void> parse_value(std::string_view text, Resource& resource) {
  const std::string value = without(text, " ");
  if (value.empty()) {
    return Error{"Expecting non-empty string"};
  }
  if (!brackets_match(value, '{', '}') || !brackets_match(value, '[', ']') ||
      !brackets_match(value, '(', ')')) {
    return Error{"Mismatched brackets"};
  }

  const std::size_t bracket = value.find('[');
  if (bracket == 0) {
    const auto tokens = tokenize(value, "[]-,\n");
    if (tokens.size() % 2 != 0) {
      return Error{"Expecting one or more \"ranges\""};
    }
    std::vector<Span> parsed;
    for (std::size_t i = 0; i < tokens.size(); i += 2) {
      const auto begin = to_uint64(tokens[i]);
      const auto end = to_uint64(tokens[i + 1]);
      if (!begin || !end) {
        return Error{"Expecting non-negative integers in '" + std::string(tokens[i]) + "'"};
      }
      parsed.push_back({*begin, *end});
    }
    resource.set_type(Value::RANGES);
    *resource.mutable_ranges() = coalesce(std::move(parsed));
    return {};
  }
  if (bracket != std::string::npos) {
    return Error{"Unexpected '[' found"};
  }

  const std::size_t brace = value.find('{');
  if (brace == 0) {
    resource.set_type(Value::SET);
    auto* set = resource.mutable_set();
    for (const std::string_view item : tokenize(value, "{},\n")) {
      set->add_item(std::string(item));
    }
    return {};
  }
  if (brace != std::string::npos) {
    return Error{"Unexpected '{' found"};
  }

  if (const auto number = to_double(value)) {
    if (auto problem = scalar_problem(*number)) {
      return Error{"Invalid scalar value '" + value + "':" + *problem};
    }
    resource.set_type(Value::SCALAR);
    resource.mutable_scalar()->set_value(*number);
    return {};
  }
  resource.set_type(Value::TEXT);  // Refused by the caller: a Resource has no field for it.
  return {};
}

// Resources::fromSimpleString: "name(role):value;..." into post-refinement resources.
Result<std::vector<Resource>> from_simple_string(std::string_view text,
                                                 std::string_view default_role) {
  std::vector<Resource> resources;
  for (const std::string_view token : tokenize(text, ";")) {
    const auto pair = tokenize(token, ":");
    if (pair.size() != 2) {
      return Error{"Bad value for resources, missing or extra ':' in " + std::string(token)};
    }
    std::string_view name;
    std::string_view role;
    const std::size_t open = pair[0].find('(');
    if (open == std::string_view::npos) {
      name = trim(pair[0]);
      role = default_role;
    } else {
      const std::size_t close = pair[0].find(')');
      if (close == std::string_view::npos || close < open) {
        return Error{"Bad value for resources, mismatched parentheses in " + std::string(token)};
      }
      name = trim(pair[0].substr(0, open));
      role = trim(pair[0].substr(open + 1, close - open - 1));
    }

    Resource resource;
    if (auto parsed = parse_value(pair[1], resource); !parsed) {
      return Error{"Failed to parse resource " + std::string(name) + " value " +
                   std::string(pair[1]) + " error " + parsed.error().message};
    }
    if (resource.type() == Value::TEXT) {
      return Error{"Bad type for resource " + std::string(name) + " value " + std::string(pair[1]) +
                   " type TEXT"};
    }
    resource.set_name(std::string(name));
    if (role != "*") {
      auto* reservation = resource.add_reservations();
      reservation->set_type(Resource::ReservationInfo::STATIC);
      reservation->set_role(std::string(role));
    }
    resources.push_back(std::move(resource));
  }
  return resources;
}

// Resources::fromJSON: an array of Resource objects into post-refinement resources.
Result<std::vector<Resource>> from_json(const boost::json::array& array,
                                        std::string_view default_role) {
  std::vector<Resource> resources;
  for (const auto& element : array) {
    Resource resource;
    if (auto converted = json::to_message(element, resource); !converted) {
      return Error{"Some JSON resources were not formatted properly: " + converted.error().message};
    }
    if (!resource.has_role() && resource.reservations_size() == 0) {
      resource.set_role(std::string(default_role));
    }
    if (auto error = upgrade(resource)) {
      return Error{"Resource '" + resource_text(resource) + "' is invalid: " + *error};
    }
    resources.push_back(std::move(resource));
  }
  return resources;
}

// validateCommandLineResources: what only a program, not a flag, may specify.
std::optional<std::string> command_line_problem(const std::vector<Resource>& resources) {
  std::map<std::string, Value::Type> types;
  for (const auto& resource : resources) {
    if (is_persistent_volume(resource)) {
      return std::string("Persistent volumes cannot be specified at the command line");
    }
    if (resource.has_revocable()) {
      return std::string(
          "Revocable resources cannot be specified at the command line; do"
          " not include a 'revocable' key in the resources JSON");
    }
    if (resource.reservations_size() > 0 &&
        resource.reservations(resource.reservations_size() - 1).type() ==
            Resource::ReservationInfo::DYNAMIC) {
      return std::string(
          "Dynamic reservations cannot be specified at the command line; do"
          " not include a reservation with DYNAMIC type in the resources JSON");
    }
    const auto [it, inserted] = types.emplace(resource.name(), resource.type());
    if (!inserted && it->second != resource.type()) {
      return "Resources with the same name ('" + resource.name() +
             "') but different types are not allowed";
    }
  }
  return std::nullopt;
}

// A Mesos Resources object from arbitrary resources: upgraded, invalid and empty ones dropped,
// addable ones merged.
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

bool ranges_within(const Value::Ranges& want, const Value::Ranges& have) {
  const Value::Ranges wanted = coalesce(want, {});
  const Value::Ranges held = coalesce(have, {});
  return std::all_of(wanted.range().begin(), wanted.range().end(), [&](const Value::Range& w) {
    return std::any_of(held.range().begin(), held.range().end(), [&](const Value::Range& h) {
      return w.begin() >= h.begin() && w.end() <= h.end();
    });
  });
}

// mesos::contains(Resource, Resource) on normalized resources without allocation_info.
bool holds(const Resource& have, const Resource& want) {
  if (have.has_shared() != want.has_shared() || kind(have, true) != kind(want, true)) {
    return false;
  }
  // Shared resources, exclusive disks and persistent volumes are only ever taken whole.
  bool whole = have.has_shared();
  if (have.has_disk()) {
    using Source = Resource::DiskInfo::Source;
    if (have.disk().has_source()) {
      const auto& source = have.disk().source();
      whole = whole || source.type() == Source::BLOCK || source.type() == Source::MOUNT ||
              (source.type() == Source::RAW && source.has_id());
    }
    whole = whole || have.disk().has_persistence();
  }
  if (whole && !same_amount(have, want)) {
    return false;
  }
  switch (have.type()) {
    case Value::SCALAR:
      return to_fixed(want.scalar().value()) <= to_fixed(have.scalar().value());
    case Value::RANGES:
      return ranges_within(want.ranges(), have.ranges());
    case Value::SET: {
      if (want.set().item_size() > have.set().item_size()) {
        return false;
      }
      const auto& items = have.set().item();
      return std::all_of(want.set().item().begin(), want.set().item().end(),
                         [&](const std::string& item) {
                           return std::find(items.begin(), items.end(), item) != items.end();
                         });
    }
    case Value::TEXT:
      break;
  }
  return false;
}

std::optional<std::vector<std::string_view>> media_type_parts(std::string_view media_type) {
  auto parts = tokenize(media_type, "/");
  if (parts.size() != 2) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace

// ---- Resources ---------------------------------------------------------------------------------

Result<std::vector<Resource>> parse_resources(std::string_view text,
                                              std::string_view default_role) {
  Result<std::vector<Resource>> parsed = Error{};
  const auto json_value = json::parse(text);
  if (json_value && json_value->is_array()) {
    parsed = from_json(json_value->get_array(), default_role);
  } else {
    parsed = from_simple_string(text, default_role);
  }
  if (!parsed) {
    return parsed.error();
  }

  std::vector<Resource> merged;
  for (Resource& resource : *parsed) {
    if (auto error = validate(resource)) {
      return Error{"Resource '" + resource_text(resource) + "' is invalid: " + *error};
    }
    add(merged, std::move(resource), false);
  }
  if (auto error = command_line_problem(merged)) {
    return Error{*error};
  }
  for (Resource& resource : merged) {
    downgrade(resource);
  }
  return merged;
}

double scalar(const std::vector<Resource>& resources, std::string_view name) {
  long long total = 0;
  for (const auto& resource : resources) {
    if (resource.type() == Value::SCALAR && resource.name() == name) {
      total = fixed_add(total, to_fixed(resource.scalar().value()));
    }
  }
  return to_floating(total);
}

bool contains(const std::vector<Resource>& have, const std::vector<Resource>& want) {
  std::vector<Resource> remaining = normalized(have);
  for (const Resource& wanted : normalized(want)) {
    const auto match = std::find_if(remaining.begin(), remaining.end(),
                                    [&](const Resource& held) { return holds(held, wanted); });
    if (match == remaining.end()) {
      return false;
    }
    if (is_persistent_volume(wanted)) {
      remaining.erase(match);
    }
  }
  return true;
}

std::string format_value(const Resource& resource) {
  return value_text(resource);
}

std::string format_resources(const std::vector<Resource>& resources) {
  std::string out;
  for (Resource resource : resources) {
    (void)upgrade(resource);  // printing needs the post-refinement form; invalid ones print as-is
    out += (out.empty() ? "" : "; ") + resource_text(resource);
  }
  return out;
}

std::vector<Resource> sum(const std::vector<Resource>& left, const std::vector<Resource>& right) {
  std::vector<Resource> all = normalized(left);
  for (Resource resource : normalized(right)) {
    add(all, std::move(resource), true);
  }
  for (Resource& resource : all) {
    downgrade(resource);
  }
  return all;
}

namespace {

// Takes `take` out of `have`, both normalized and of the same kind; false when not held.
bool subtract_amount(Resource& have, const Resource& take) {
  switch (have.type()) {
    case Value::SCALAR: {
      const long long left = to_fixed(have.scalar().value());
      const long long right = to_fixed(take.scalar().value());
      if (right > left) {
        return false;
      }
      have.mutable_scalar()->set_value(to_floating(left - right));
      return true;
    }
    case Value::RANGES: {
      if (!ranges_within(take.ranges(), have.ranges())) {
        return false;
      }
      std::vector<Span> remaining = spans(coalesce(have.ranges(), {}));
      for (const Span& cut : spans(coalesce(take.ranges(), {}))) {
        std::vector<Span> next;
        for (const Span& span : remaining) {
          if (cut.end < span.begin || cut.begin > span.end) {
            next.push_back(span);
            continue;
          }
          if (cut.begin > span.begin) {
            next.push_back({span.begin, cut.begin - 1});
          }
          if (cut.end < span.end) {
            next.push_back({cut.end + 1, span.end});
          }
        }
        remaining = std::move(next);
      }
      *have.mutable_ranges() = remaining.empty() ? Value::Ranges{} : coalesce(remaining);
      return true;
    }
    case Value::SET: {
      auto* items = have.mutable_set()->mutable_item();
      for (const auto& item : take.set().item()) {
        const auto found = std::find(items->begin(), items->end(), item);
        if (found == items->end()) {
          return false;
        }
        items->erase(found);
      }
      return true;
    }
    case Value::TEXT:
      break;
  }
  return false;
}

}  // namespace

Result<std::vector<Resource>> difference(const std::vector<Resource>& have,
                                         const std::vector<Resource>& take) {
  std::vector<Resource> remaining = normalized(have);
  for (const Resource& wanted : normalized(take)) {
    const auto match = std::find_if(remaining.begin(), remaining.end(), [&](const Resource& held) {
      return held.has_shared() == wanted.has_shared() && kind(held, true) == kind(wanted, true);
    });
    if (match == remaining.end() || !subtract_amount(*match, wanted)) {
      return Error{"Resource '" + resource_text(wanted) + "' is not held"};
    }
    if (is_empty(*match)) {
      remaining.erase(match);
    }
  }
  for (Resource& resource : remaining) {
    downgrade(resource);
  }
  return remaining;
}

// ---- HTTP Accept -------------------------------------------------------------------------------

bool accepts_media_type(std::optional<std::string_view> accept_header,
                        std::string_view media_type) {
  const auto parts = media_type_parts(media_type);
  if (!parts) {
    return false;
  }
  if (!accept_header) {
    return true;
  }
  const std::string header = without(*accept_header, " \t\n");
  const std::string candidates[] = {std::string(media_type), std::string((*parts)[0]) + "/*",
                                    "*/*"};
  for (const std::string& candidate : candidates) {
    for (const std::string_view range : tokenize(header, ",")) {
      const auto pieces = tokenize(range, ";");
      if (pieces.empty() || !iequals(pieces[0], candidate)) {
        continue;
      }
      std::vector<std::string_view> q;
      for (const std::string_view piece : pieces) {
        const auto pair = tokenize(piece, "=");
        if (pair.size() == 2 && pair[0] == "q") {
          q.push_back(pair[1]);
        }
      }
      if (q.size() != 1) {
        return true;  // No q value, or a malformed one.
      }
      const auto weight = to_double(q[0]);
      return weight && *weight > 0;
    }
  }
  return false;
}

std::optional<ContentType> negotiate(std::optional<std::string_view> accept_header) {
  if (accepts_media_type(accept_header, json_media_type)) {
    return ContentType::json;
  }
  if (accepts_media_type(accept_header, protobuf_media_type)) {
    return ContentType::protobuf;
  }
  return std::nullopt;
}

}  // namespace iof::wire::text
