#pragma once

#include <vector>

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

}  // namespace iof::framework
