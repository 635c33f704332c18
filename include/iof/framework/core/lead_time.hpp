#pragma once

// How long before an agent's window its task's move must start: learned from the launches and
// kills seen (factor x (p95 launch->ready + p95 KILL->terminal)), never below the configured
// minimum plus --min_ready_time. The samples are part of the saved state, so a restarted or
// newly elected instance plans with what its predecessor learned.
#include <cstdint>
#include <vector>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

// The latest samples, oldest first, as saved with the framework's state.
struct LeadTimeSamples {
  std::vector<Time> launches;  // launch -> ready
  std::vector<Time> kills;     // KILL -> terminal update

  bool empty() const { return launches.empty() && kills.empty(); }
  bool operator==(const LeadTimeSamples&) const = default;
};

class LeadTime {
 public:
  // A move takes at least --min_ready_time (the replacement must stay ready that long before
  // the old task goes), so that is added to the floor: until samples exist, a floor without it
  // would start moves too late to finish.
  explicit LeadTime(const Evacuation& evacuation)
      : minimum_(evacuation.min_lead_time + evacuation.min_ready_time),
        factor_(evacuation.lead_time_factor) {}

  // A task launched `took` ago reached RUNNING; one killed `took` ago ended.
  void launched(Time took) { add(launch_samples_, took); }
  void killed(Time took) { add(kill_samples_, took); }

  Time current() const;
  LeadTimeSamples samples() const { return {launch_samples_, kill_samples_}; }
  // Keeps the newest samples of a saved state (at most as many as it would have learned).
  void restore(const LeadTimeSamples& saved);
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
