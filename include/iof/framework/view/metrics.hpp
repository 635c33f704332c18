#pragma once

#include <map>
#include <string>

#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

// The seed's seven metrics under their exact names (inverse_offer_framework/...), plus ours
// under the same prefix, for /metrics/snapshot (wire::json::write_metrics). `now` dates the
// evacuation gauges (seconds_to_next_window); figures that do not exist yet (no window, N never
// reached) are left out rather than faked.
std::map<std::string, double> metrics(const SchedulerState& state, double uptime_secs, Time now);

// The same figures in Prometheus's text exposition format ('/' becomes '_'), for GET /metrics.
std::string prometheus_text(const std::map<std::string, double>& metrics);

}  // namespace iof::framework
