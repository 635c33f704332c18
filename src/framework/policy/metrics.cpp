#include "iof/framework/metrics.hpp"

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
  };
}

}  // namespace iof::framework
