#include "iof/framework/view/metrics.hpp"

#include <algorithm>

namespace iof::framework {

std::map<std::string, double> metrics(const SchedulerState& state, double uptime_secs, Time now) {
  const std::string prefix = "inverse_offer_framework/";
  const auto& c = state.counters();
  const auto count = [](auto value) { return static_cast<double>(value); };
  std::map<std::string, double> out{
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
  // Evacuation.
  const auto secs = [](Time time) { return std::chrono::duration<double>(time).count(); };
  const auto moves = state.planned_moves();
  out[prefix + "tasks_at_risk"] =
      count(std::count_if(moves.begin(), moves.end(), [](const PlannedMove& move) {
        return move.status != MoveStatus::being_killed;
      }));
  // Moves the forecast says cannot start by their deadlines within the budgets.
  out[prefix + "moves_at_risk"] = count(state.forecast().at_risk.size());
  out[prefix + "running_tasks"] = count(state.running_tasks());
  out[prefix + "ready_tasks"] = count(state.ready_tasks());
  out[prefix + "unready_at_deadline"] = count(c.unready_at_deadline);
  // Crash loops: tasks that ended by themselves, and empty slots their backoff holds back now.
  out[prefix + "task_crashes"] = count(c.task_crashes);
  out[prefix + "slots_backing_off"] = count(state.slots_backing_off());
  out[prefix + "migrations_in_flight"] = count(state.migrations_in_flight());
  out[prefix + "lead_time_secs"] = secs(state.lead_time());
  out[prefix + "tasks_caught_by_down"] = count(c.tasks_caught_by_down);
  out[prefix + "tasks_drained"] = count(c.tasks_drained);
  out[prefix + "tasks_lost_with_agent"] = count(c.tasks_lost_with_agent);
  out[prefix + "replacements_launched"] = count(c.replacements_launched);
  out[prefix + "kill_first_moves"] = count(c.kill_first_moves);
  out[prefix + "evacuations"] = count(c.evacuations);
  out[prefix + "inverse_offers_accepted"] = count(c.inverse_offers_accepted);
  out[prefix + "inverse_offers_declined"] = count(c.inverse_offers_declined);
  if (!state.evacuation().spread_by.empty()) {
    // Tasks on the fullest --spread_by value minus the emptiest: above 1, a rack holds more
    // than its share (placement evens it out as tasks start and move; it never moves a task
    // only for balance).
    out[prefix + "spread_skew"] = count(state.spread().skew());
  }
  if (!moves.empty()) {
    std::int64_t next = moves.front().window_start;
    for (const auto& move : moves) {
      next = std::min(next, move.window_start);
    }
    out[prefix + "seconds_to_next_window"] = secs(Time(next) - now);
  }
  if (const auto least = state.min_running_seen()) {
    out[prefix + "min_running_tasks"] = count(*least);
  }
  if (const auto last = state.last_evacuation()) {
    out[prefix + "evacuation_secs_last"] = secs(*last);
    out[prefix + "evacuation_secs_max"] = secs(state.max_evacuation().value_or(*last));
  }
  return out;
}

}  // namespace iof::framework
