#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

// The seed's seven metrics under their exact names (inverse_offer_framework/...), plus ours
// under the same prefix, for /metrics/snapshot (wire::json::write_metrics). `now` dates the
// evacuation gauges (seconds_to_next_window); figures that do not exist yet (no window, N never
// reached) are left out rather than faked.
std::map<std::string, double> metrics(const SchedulerState& state, double uptime_secs, Time now);

// The same figures in Prometheus's text exposition format, for GET /metrics, under the names
// Prometheus users expect: inverse_offer_framework_<name>, `_total` on counters, durations in
// `_seconds`, each metric with its # HELP and # TYPE lines.
std::string prometheus_text(const std::map<std::string, double>& metrics);

enum class MetricType { counter, gauge };

// How one metric of metrics() shows in Prometheus text.
struct PrometheusMetric {
  std::string_view snapshot_name;  // after "inverse_offer_framework/"
  std::string_view name;           // after "inverse_offer_framework_"
  MetricType type;
  std::string_view help;
};

// Every metric metrics() reports, in the order /metrics lists them.
std::span<const PrometheusMetric> prometheus_metrics();

}  // namespace iof::framework
