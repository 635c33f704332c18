#pragma once

// Whether an offer can hold one task: the test every policy but the seed's applies.
#include <string>
#include <vector>

#include "iof/framework/core/task_spec.hpp"

#include "mesos/v1/mesos.pb.h"

namespace iof::framework {

// Mesos's Resources::toUnreserved(): every reservation dropped, allocations kept. Offers are
// judged on this, as the seed judges them.
inline std::vector<mesos::v1::Resource> unreserved(
    const google::protobuf::RepeatedPtrField<mesos::v1::Resource>& in) {
  std::vector<mesos::v1::Resource> out;
  for (mesos::v1::Resource resource : in) {
    resource.clear_reservations();
    resource.clear_reservation();
    if (resource.has_role()) {
      resource.set_role("*");
    }
    out.push_back(std::move(resource));
  }
  return out;
}

// The task's scalar resources (cpus, mem, and disk when it asks for some), allocated to `role`
// as a LAUNCH carries them, or unallocated as an offer is judged.
std::vector<mesos::v1::Resource> scalar_resources(const TaskSpec& spec,
                                                  const std::optional<std::string>& role);

// The offer's unreserved resources hold the task's scalars (cpus, mem, and disk when it asks for
// some).
bool offer_holds_scalars(const mesos::v1::Offer& offer, const TaskSpec& spec);

// The offer's unreserved resources hold the task's scalars, and its port ranges as many ports as
// the task names.
bool offer_holds(const mesos::v1::Offer& offer, const TaskSpec& spec);

// The seed's literal test: the task's scalars allocated to `role` against the offer's unreserved
// resources, an allocation being part of what a resource is (never true on a real master, whose
// offers carry no allocation in the resources the seed compares).
bool offer_holds_allocated(const mesos::v1::Offer& offer, const TaskSpec& spec,
                           const std::string& role);

}  // namespace iof::framework
