#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

#include "mesos/v1/mesos.pb.h"

// What the resource sources share, grouped by the file that defines each part. Upstream's own
// split is the model: values.cpp (a Value's arithmetic and text), resources_utils.cpp (the two
// reservation formats), resources.cpp (validation, merging, printing).
namespace iof::wire::text::detail {

using mesos::v1::Resource;
using mesos::v1::Value;

// ---- values.cpp: fixed-point scalars, ranges, a value's text -----------------------------------

// llround(value * 1000). Where llround has no answer (NaN, infinities, beyond long long) x86-64
// yields LLONG_MIN, and so does this.
long long to_fixed(double value);
double to_floating(long long fixed);
long long fixed_add(long long a, long long b);

struct Span {
  std::uint64_t begin;
  std::uint64_t end;
};

std::vector<Span> spans(const Value::Ranges& ranges);
// Mesos's coalesce: sort by (begin, end), then one pass merging overlapping or adjacent spans.
// Reversed spans (begin > end) go through unchanged or are swallowed, exactly as upstream.
Value::Ranges coalesce(std::vector<Span> in);
Value::Ranges coalesce(const Value::Ranges& a, const Value::Ranges& b);

// Fills the value of `resource` (type and amount) from `text`; a TEXT value only sets the type,
// for the caller to refuse.
Result<void> parse_value(std::string_view text, Resource& resource);

// ---- reservations.cpp: pre- and post-refinement formats ----------------------------------------

// Pre-refinement -> post-refinement. Upstream CHECK-fails on role "*" with a reservation; that
// combination is reported with the message its validator gives it.
std::optional<std::string> upgrade(Resource& resource);
// Post-refinement -> pre-refinement (at most one reservation, which validation guarantees here).
void downgrade(Resource& resource);

// ---- validate.cpp: mesos::Resources::validate, mesos::roles::validate --------------------------

// Validates a resource in the post-refinement format: the reason it is invalid, if it is.
std::optional<std::string> validate(const Resource& resource);

// ---- merge.cpp: mesos::Resources::add -----------------------------------------------------------

bool is_empty(const Resource& resource);
bool is_persistent_volume(const Resource& resource);
// Everything but the amount, as Mesos compares it: DiskInfo ignores the volume and the
// persistence principal. Deterministic bytes make the comparison a string comparison (labels
// therefore compare in order, where Mesos compares them as a collection).
std::string kind(const Resource& resource, bool ignore_allocation);
// kind(a) == kind(b), without building the bytes for resources of the common shapes.
bool same_kind(const Resource& a, const Resource& b, bool ignore_allocation);
bool same_amount(const Resource& a, const Resource& b);
// Adds a valid resource: skipped when empty, merged into the first entry it can be added to,
// appended otherwise.
void add(std::vector<Resource>& resources, Resource resource, bool ignore_allocation);
// A Mesos Resources object from arbitrary resources: upgraded, invalid and empty ones dropped,
// addable ones merged.
std::vector<Resource> normalized(const std::vector<Resource>& input);

// ---- format.cpp: Mesos's operator<< ------------------------------------------------------------

// A post-refinement resource as Mesos prints it, e.g. "cpus(reservations: [(STATIC,web)]):2".
std::string resource_text(const Resource& resource);
// A disk source as Mesos prints it: "MOUNT:/mnt/a", "RAW(vendor,id,profile)".
std::string source_text(const Resource::DiskInfo::Source& source);

}  // namespace iof::wire::text::detail
