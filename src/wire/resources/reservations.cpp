// The two reservation formats (src/common/resources_utils.cpp): pre-refinement (`role`, one
// `reservation`), which agents without reservation refinement report, and post-refinement (a
// stack of `reservations`), which validation and printing work on.
#include <optional>
#include <string>

#include "detail.hpp"

namespace iof::wire::text::detail {

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

}  // namespace iof::wire::text::detail
