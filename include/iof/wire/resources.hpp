#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

#include "mesos/v1/mesos.pb.h"

// Mesos resources (mesos::Resources) as its flags and endpoints read and write them, and the
// arithmetic a master does on them. Every accepted form and every rejected one follows upstream
// (src/common/resources.cpp, values.cpp, resources_utils.cpp), and so do the error texts; the
// few additions (which resource failed validation, a difference that goes negative) say so.
namespace iof::wire::text {

// Parses an agent's --resources value, with `default_role` standing for --default_role.
//
// Text form: "name(role):value;name:value", split on ';' then ':' (empty pieces skipped, so
// "a;;b" and "cpus::1" are fine, "cpus" or "a:b:c" are not). Names and roles are trimmed of
// " \t\n\r"; "(role)" is a static reservation and "(*)" or no parentheses mean `default_role`.
// Spaces (only spaces) are removed from a value, which is then
//   "[b-e, b-e, ...]"  ranges of non-negative integers (decimal, or 0x hex), coalesced;
//   "{a,b,c}"          a set;
//   anything else      a scalar when it is a number; negative, NaN, infinite and subnormal
//                      scalars are rejected; non-numbers are TEXT, which resources cannot be.
// JSON form: a JSON array of Resource objects (as mesos-agent --resources accepts it); a
// resource without role or reservations gets `default_role`.
//
// Then, like Mesos: every resource is validated (a validation error reads "Resource '<resource
// as Mesos prints it>' is invalid: <reason>"), zero-sized ones are dropped, and resources that
// Mesos could add together are merged ("cpus:1;cpus:2" is one cpus:3; scalars add in Mesos's
// fixed point of three decimals, ranges coalesce, sets unite). Persistent volumes, revocable
// resources, dynamic reservations and one name with two types are refused.
//
// The result is in the pre-refinement format, as an agent without reservation refinement
// reports it: `role` set ("*" when unreserved), `reservations` empty. A lone scalar keeps the
// exact value written ("cpus:0.12345"); only sums are rounded to three decimals.
Result<std::vector<mesos::v1::Resource>> parse_resources(std::string_view text,
                                                         std::string_view default_role = "*");

// The total of the SCALAR resources named `name`, whatever their role, reservation or allocation,
// summed in Mesos's fixed point (three decimals). 0 when there are none.
double scalar(const std::vector<mesos::v1::Resource>& resources, std::string_view name);

// Whether `have` holds everything in `want` (mesos::Resources::contains), ignoring
// allocation_info on both sides. Both lists may be in either reservation format.
// Rules, as Mesos applies them:
// - Each list is first made a Mesos Resources object: invalid entries (negative or missing
//   value, reversed or overlapping ranges, duplicate set items, bad roles...) and empty ones
//   (zero scalar, no ranges, no items) are dropped, and entries of the same kind are merged.
// - Two entries are of the same kind when name, type, reservations (role, type, principal,
//   labels), disk, revocable, shared and provider id all match. Roles are compared: strip them
//   first (as Mesos's toUnreserved()) to ask whether the amounts fit regardless of role.
// - A wanted entry fits a held entry of its kind when: scalars compare in fixed point
//   (want <= have to three decimals); every wanted range lies inside one held range; every
//   wanted set item is held. A persistent volume is used up by the first want that matches it.
bool contains(const std::vector<mesos::v1::Resource>& have,
              const std::vector<mesos::v1::Resource>& want);

// A plain scalar asked for: unreserved, unallocated, as a task's cpus, mem and disk are judged.
struct ScalarWant {
  std::string_view name;
  double amount = 0;
};

// What contains(R, want) answers, R being `offered` with every reservation dropped (Mesos's
// Resources::toUnreserved()) and `want` the plain scalars listed, without building either side:
// the wanted names' scalars are merged in place, in Mesos's fixed point. std::nullopt when a
// resource of a wanted name is anything but a plain scalar (disk info, revocable, shared, a
// resource provider, unknown fields, another type): contains() must judge that one.
std::optional<bool> unreserved_contains_scalars(
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& offered,
    std::span<const ScalarWant> want);

// Resources as Mesos prints a Resources object, each as in validation errors, joined by "; ":
// "cpus(allocated: *):0.2; mem(allocated: *):32".
std::string format_resources(const std::vector<mesos::v1::Resource>& resources);

// A resource's amount as Mesos prints it: "2", "[31000-32000, 33000-33010]", "{a, b}".
std::string format_value(const mesos::v1::Resource& resource);

// Resources added together (mesos::Resources +), ignoring allocation_info: what can be merged is
// merged, in Mesos's three-decimal fixed point. The result is in the pre-refinement format.
std::vector<mesos::v1::Resource> sum(const std::vector<mesos::v1::Resource>& left,
                                     const std::vector<mesos::v1::Resource>& right);

// `have` minus `take` (mesos::Resources -), ignoring allocation_info; what drops to zero is
// removed. Unlike Mesos, which would silently go negative, taking more than is held is an error
// naming the resource, so that an accounting bug in a caller cannot go unnoticed.
Result<std::vector<mesos::v1::Resource>> difference(const std::vector<mesos::v1::Resource>& have,
                                                    const std::vector<mesos::v1::Resource>& take);

}  // namespace iof::wire::text
