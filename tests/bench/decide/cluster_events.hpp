#pragma once

// Events as a real Mesos 1.12 master sends them to this framework, at any size: OFFERS from every
// agent of a large cluster (ids in the master's "<uuid>-O<n>" / "<uuid>-S<n>" form, url, ports
// ranges and scalars with the legacy "*" role, rack and zone attributes, an allocation role, and
// an unavailability on one agent in ten), and status updates for tasks we launched.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::bench {

inline constexpr std::int64_t bench_epoch_seconds = 1'800'000'000;

std::string agent_id(std::size_t index);

// One OFFERS event offering agents [0, agents); `round` makes the offer ids unique per event.
mesos::v1::scheduler::Event offers_event(const std::string& framework_id, std::size_t agents,
                                         std::size_t round);

struct LaunchedTask {
  std::string task_id;
  std::string agent_id;
};

// One UPDATE per task: TASK_RUNNING from the agent with a uuid (each needs an ACKNOWLEDGE), or,
// with `reconciliation`, the master's answer to a RECONCILE (no uuid, nothing to acknowledge).
std::vector<mesos::v1::scheduler::Event> update_events(const std::vector<LaunchedTask>& tasks,
                                                       bool reconciliation);

}  // namespace iof::bench
