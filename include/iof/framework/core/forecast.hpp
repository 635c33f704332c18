#pragma once

// Whether the moves the windows known now require can all start by their deadlines, given how
// many may run at once and how long each takes. Pure: the caller supplies the moves and the time.
#include <cstddef>
#include <string>
#include <vector>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

struct ForecastMove {
  std::string agent_id;
  std::string task_id;
  Time deadline{0};  // the latest start that leaves the task gone before its window

  friend bool operator==(const ForecastMove&, const ForecastMove&) = default;
};

struct Forecast {
  std::size_t moves = 0;              // moves still to start, for the windows known now
  std::vector<ForecastMove> at_risk;  // those that cannot start by their deadline, earliest first

  bool feasible() const { return at_risk.empty(); }
  bool at_risk_on(const std::string& agent_id) const;
};

// Schedules `moves` (sorted by deadline) earliest deadline first onto `slots` concurrent moves,
// each holding its slot for one `lead` time; `busy` slots hold a move already under way for one
// more lead time. A move whose earliest start is after its deadline is at risk and takes no slot:
// it will not be moved in time, so it does not delay the ones behind it.
Forecast forecast_moves(const std::vector<ForecastMove>& moves, Time now, Time lead,
                        std::size_t slots, std::size_t busy);

}  // namespace iof::framework
