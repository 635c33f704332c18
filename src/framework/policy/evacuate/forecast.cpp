// The evacuate policy's forecast: from the windows known now, whether every task that must move
// can start its move by its deadline within the budgets. Said at once, when it changes, in the
// log; kept for /state and the metrics; and the inverse offers of the tasks at risk are declined.
#include <string>

#include "durations.hpp"
#include "evacuate_policy.hpp"

namespace iof::framework {

using evacuate::secs_text;

Forecast EvacuatePolicy::compute_forecast(const PolicyHost& host) const {
  std::vector<ForecastMove> moves;
  for (const auto& agent : moves_by_deadline(host)) {
    const Sleeper& sleeper = host.task_book().sleepers().at(agent);
    moves.push_back({agent, sleeper.task_id.value(), deadline_of(sleeper.unavailability_start)});
  }
  // Make-before-break moves run --max_surge at a time; a kill-first move at its deadline holds
  // one of --max_unavailable's missing tasks until its replacement runs. A replacement already
  // starting holds a surge slot.
  const std::size_t slots =
      std::size_t{evacuation_.max_surge} + std::size_t{evacuation_.max_unavailable};
  return forecast_moves(moves, host.now(), lead_.current(), slots,
                        host.task_book().replacements_in_flight());
}

void EvacuatePolicy::note_outlook(const PolicyHost& host, Decision& decision) {
  Forecast next = compute_forecast(host);
  if (next.at_risk == forecast_.at_risk) {
    forecast_ = std::move(next);
    return;
  }
  if (next.feasible()) {
    decision.log.push_back("Forecast: every move can start by its deadline again (" +
                           std::to_string(next.moves) + " to make)");
  } else {
    const ForecastMove& first = next.at_risk.front();
    decision.log.push_back(
        "Forecast: " + std::to_string(next.at_risk.size()) + " of " + std::to_string(next.moves) +
        " moves cannot start by their deadlines with --max_surge=" +
        std::to_string(evacuation_.max_surge) + " --max_unavailable=" +
        std::to_string(evacuation_.max_unavailable) + " and a lead time of " +
        secs_text(lead_.current()) + "; first task " + first.task_id + " on " + first.agent_id +
        (first.deadline > host.now() ? ", deadline in " + secs_text(first.deadline - host.now())
                                     : ", its deadline passed"));
  }
  forecast_ = std::move(next);
}

}  // namespace iof::framework
