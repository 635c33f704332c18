#include "iof/framework/metrics.hpp"

#include "iof/wire/json.hpp"

namespace iof::framework {

std::map<std::string, double> metrics(const SchedulerState& state, double uptime_secs) {
  const std::string prefix = "inverse_offer_framework/";
  const auto& c = state.counters();
  const auto count = [](auto value) { return static_cast<double>(value); };
  return {
      {prefix + "uptime_secs", uptime_secs},
      {prefix + "subscribed", state.subscribed() ? 1.0 : 0.0},
      {prefix + "offers_received", count(c.offers_received)},
      {prefix + "inverse_offers_received", count(c.inverse_offers_received)},
      {prefix + "sleepers_killed", count(c.sleepers_killed)},
      {prefix + "sleepers_lost_abnormally", count(c.sleepers_lost_abnormally)},
      {prefix + "current_sleepers", count(state.current_sleepers())},
      // Beyond the seed.
      {prefix + "tasks_launched", count(c.tasks_launched)},
      {prefix + "migrations", count(c.migrations)},
      {prefix + "revives", count(c.revives)},
      {prefix + "subscriptions", count(c.subscriptions)},
      {prefix + "suppresses", count(c.suppresses)},
      {prefix + "reconciliations", count(c.reconciliations)},
      {prefix + "kills_retried", count(c.kills_retried)},
      {prefix + "tasks_adopted", count(c.tasks_adopted)},
      {prefix + "unknown_tasks_killed", count(c.unknown_tasks_killed)},
      {prefix + "tasks_reconciling", count(state.reconciling())},
      {prefix + "offers_suppressed", state.suppressed() ? 1.0 : 0.0},
  };
}

std::string prometheus_text(const std::map<std::string, double>& metrics) {
  std::string out;
  for (const auto& [name, value] : metrics) {
    std::string metric = name;
    for (char& c : metric) {
      c = (c == '/') ? '_' : c;
    }
    const bool gauge = name.ends_with("uptime_secs") || name.ends_with("subscribed") ||
                       name.ends_with("current_sleepers") || name.ends_with("tasks_reconciling") ||
                       name.ends_with("offers_suppressed");
    out += "# TYPE " + metric + (gauge ? " gauge\n" : " counter\n");
    out += metric + " ";
    wire::json::append_double(value, out);
    out += "\n";
  }
  return out;
}

}  // namespace iof::framework
