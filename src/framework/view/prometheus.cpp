// GET /metrics: metrics() in Prometheus's text exposition format (version 0.0.4), named by
// Prometheus's conventions. /metrics/snapshot keeps the seed's names; this table maps them.
#include <algorithm>
#include <array>

#include "iof/framework/view/metrics.hpp"
#include "iof/wire/json.hpp"

namespace iof::framework {

namespace {

constexpr std::string_view snapshot_prefix = "inverse_offer_framework/";
constexpr std::string_view prometheus_prefix = "inverse_offer_framework_";

using enum MetricType;

// Every figure is already in seconds where it is a duration (metrics() converts), so only the
// names change: `_secs` becomes `_seconds` at the end, counters end in `_total`.
constexpr std::array<PrometheusMetric, 40> table{{
    // The seed's seven.
    {"uptime_secs", "uptime_seconds", gauge, "Seconds since the framework started"},
    {"subscribed", "subscribed", gauge, "1 while subscribed to a master, else 0"},
    {"offers_received", "offers_received_total", counter, "Offers received"},
    {"inverse_offers_received", "inverse_offers_received_total", counter,
     "Inverse offers received"},
    {"sleepers_killed", "sleepers_killed_total", counter, "Tasks this framework killed"},
    {"sleepers_lost_abnormally", "sleepers_lost_abnormally_total", counter,
     "Tasks that ended by failure, not by a kill or planned maintenance"},
    {"current_sleepers", "current_sleepers", gauge, "Tasks launched and not yet ended"},
    // The connection and the task book.
    {"tasks_launched", "tasks_launched_total", counter, "Tasks launched"},
    {"migrations", "migrations_total", counter, "Tasks moved off an agent"},
    {"revives", "revives_total", counter, "REVIVE calls sent"},
    {"subscriptions", "subscriptions_total", counter, "SUBSCRIBED events received"},
    {"suppresses", "suppresses_total", counter, "SUPPRESS calls sent"},
    {"reconciliations", "reconciliations_total", counter, "RECONCILE calls sent"},
    {"kills_retried", "kills_retried_total", counter, "KILL calls sent again unanswered"},
    {"tasks_adopted", "tasks_adopted_total", counter,
     "Tasks of an earlier run adopted after reconciliation"},
    {"unknown_tasks_killed", "unknown_tasks_killed_total", counter,
     "Tasks of this framework killed because N ran without them"},
    {"tasks_reconciling", "tasks_reconciling", gauge,
     "Tasks whose state the master has not yet answered"},
    {"offers_suppressed", "offers_suppressed", gauge, "1 while offers are suppressed, else 0"},
    // Evacuation.
    {"tasks_at_risk", "tasks_at_risk", gauge,
     "Tasks on agents with a maintenance window, not yet being killed"},
    {"moves_at_risk", "moves_at_risk", gauge,
     "Moves the forecast says cannot start by their deadlines"},
    {"running_tasks", "running_tasks", gauge, "Tasks RUNNING"},
    {"ready_tasks", "ready_tasks", gauge,
     "Tasks RUNNING, healthy with a health check, for --min_ready_time"},
    {"unready_at_deadline", "unready_at_deadline_total", counter,
     "Old tasks killed at their deadline before their replacement was ready"},
    {"task_crashes", "task_crashes_total", counter, "Tasks that ended by themselves"},
    {"slots_backing_off", "slots_backing_off", gauge,
     "Empty task slots held back by crash-loop backoff"},
    {"migrations_in_flight", "migrations_in_flight", gauge, "Moves started and not finished"},
    {"lead_time_secs", "lead_time_seconds", gauge,
     "How long before a window a move starts (learnt)"},
    {"tasks_caught_by_down", "tasks_caught_by_down_total", counter,
     "Tasks lost to a machine taken DOWN for maintenance"},
    {"tasks_drained", "tasks_drained_total", counter, "Tasks lost to an agent drain"},
    {"tasks_lost_with_agent", "tasks_lost_with_agent_total", counter,
     "Tasks lost with an agent that went away"},
    {"replacements_launched", "replacements_launched_total", counter,
     "Replacement tasks launched by make-before-break moves"},
    {"kill_first_moves", "kill_first_moves_total", counter,
     "Moves that killed the task before its replacement ran"},
    {"evacuations", "evacuations_total", counter,
     "Agents cleared of their task before their window"},
    {"inverse_offers_accepted", "inverse_offers_accepted_total", counter,
     "Inverse offers accepted"},
    {"inverse_offers_declined", "inverse_offers_declined_total", counter,
     "Inverse offers declined"},
    {"spread_skew", "spread_skew", gauge,
     "Tasks on the fullest --spread_by value minus the emptiest"},
    {"seconds_to_next_window", "next_window_in_seconds", gauge,
     "Seconds until the earliest known maintenance window of an agent holding a task"},
    {"min_running_tasks", "min_running_tasks", gauge, "The fewest tasks running since N first ran"},
    {"evacuation_secs_last", "evacuation_last_seconds", gauge,
     "Duration of the latest evacuation of an agent"},
    {"evacuation_secs_max", "evacuation_max_seconds", gauge,
     "Duration of the longest evacuation of an agent"},
}};

void append_metric(std::string_view name, MetricType type, std::string_view help, double value,
                   std::string& out) {
  const std::string full = std::string(prometheus_prefix) + std::string(name);
  out += "# HELP " + full + " " + std::string(help) + "\n";
  out += "# TYPE " + full + (type == counter ? " counter\n" : " gauge\n");
  out += full + " ";
  wire::json::append_double(value, out);
  out += "\n";
}

}  // namespace

std::span<const PrometheusMetric> prometheus_metrics() {
  return table;
}

std::string prometheus_text(const std::map<std::string, double>& metrics) {
  std::string out;
  for (const auto& metric : table) {
    const auto found =
        metrics.find(std::string(snapshot_prefix) + std::string(metric.snapshot_name));
    if (found != metrics.end()) {
      append_metric(metric.name, metric.type, metric.help, found->second, out);
    }
  }
  return out;
}

}  // namespace iof::framework
