#pragma once

// How long before an agent's window its task's move must start: learned from the launches and
// kills this process has seen (factor x (p95 launch->ready + p95 KILL->terminal)), never below
// the configured minimum plus --min_ready_time.
#include <cstdint>
#include <vector>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

class LeadTime {
 public:
  // A move takes at least --min_ready_time (the replacement must stay ready that long before
  // the old task goes), so that is added to the floor: a restart forgets the samples, and a
  // floor without it would start moves too late to finish.
  explicit LeadTime(const Evacuation& evacuation)
      : minimum_(evacuation.min_lead_time + evacuation.min_ready_time),
        factor_(evacuation.lead_time_factor) {}

  // A task launched `took` ago reached RUNNING; one killed `took` ago ended.
  void launched(Time took) { add(launch_samples_, took); }
  void killed(Time took) { add(kill_samples_, took); }

  Time current() const;
  // When a move off an agent whose window starts at `window_start` must have started.
  Time deadline_of(std::int64_t window_start) const { return Time(window_start) - current(); }

 private:
  static void add(std::vector<Time>& samples, Time sample);

  Time minimum_;
  double factor_;
  std::vector<Time> launch_samples_;  // the latest few
  std::vector<Time> kill_samples_;    // the latest few
};

}  // namespace iof::framework
