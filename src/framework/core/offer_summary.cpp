// An offer read down to what the policies decide on.
#include "iof/framework/core/offer_summary.hpp"

#include "iof/framework/core/offer_fit.hpp"
#include "iof/framework/core/task_info.hpp"

namespace iof::framework {

OfferSummary OfferReading::summarize(const mesos::v1::Offer& offer) const {
  OfferSummary out;
  out.id = offer.id().value();
  out.agent_id = offer.agent_id().value();
  out.hostname = offer.hostname();
  if (offer.has_unavailability()) {
    out.has_window = true;
    out.window_start_ns = offer.unavailability().start().nanoseconds();
    if (offer.unavailability().has_duration()) {
      out.window_duration_ns = offer.unavailability().duration().nanoseconds();
    }
  }
  if (literal_fit) {
    out.holds_task = offer_holds_allocated(offer, task, role);
    if (out.holds_task) {
      out.ports = take_ports(offer, task.port_names.size()).value_or(std::vector<std::uint32_t>{});
    }
  } else if (offer_holds_scalars(offer, task)) {
    // offer_holds(), with the ports taken once.
    if (auto ports = take_ports(offer, task.port_names.size())) {
      out.holds_task = true;
      out.ports = std::move(*ports);
    }
  }
  if (!spread_by.empty()) {
    out.spread = spread_value_of(offer, spread_by);
  }
  return out;
}

}  // namespace iof::framework
