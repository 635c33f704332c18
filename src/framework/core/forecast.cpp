// The forecast: earliest-deadline-first list scheduling of the moves the known windows require.
// A move takes one lead time (the learnt launch->ready plus KILL->terminal, with its safety
// factor), the same measure the deadlines are cut with, so "starts by its deadline" is "gone by its
// window" under the framework's own estimate.
#include "iof/framework/core/forecast.hpp"

#include <algorithm>

namespace iof::framework {

bool Forecast::at_risk_on(const std::string& agent_id) const {
  return std::any_of(at_risk.begin(), at_risk.end(),
                     [&](const ForecastMove& move) { return move.agent_id == agent_id; });
}

Forecast forecast_moves(const std::vector<ForecastMove>& moves, Time now, Time lead,
                        std::size_t slots, std::size_t busy) {
  Forecast out;
  out.moves = moves.size();
  // When each slot is next free.
  std::vector<Time> free_at(slots, now);
  for (std::size_t i = 0; i < std::min(busy, slots); ++i) {
    free_at[i] = now + lead;
  }
  for (const ForecastMove& move : moves) {
    const auto slot = std::min_element(free_at.begin(), free_at.end());
    if (slot == free_at.end() || *slot > move.deadline) {
      out.at_risk.push_back(move);  // no budget at all, or not before its deadline
      continue;
    }
    *slot += lead;
  }
  return out;
}

}  // namespace iof::framework
