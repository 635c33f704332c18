#pragma once

#include <string>

#include "iof/framework/scheduler_state.hpp"

// What the framework serves about itself besides metrics: GET /state and GET /health.
namespace iof::framework {

// JSON: the policy and its budgets, every task with its agent and state, the agents with their
// maintenance windows, the planned moves with deadlines, and the latest inverse-offer reply per
// agent with its reason. Times are seconds since the epoch, plus seconds from `now`.
std::string state_json(const SchedulerState& state, Time now);

// Where a planned move stands, in words: "being killed", "waiting for offers", ...
std::string move_status_text(const PlannedMove& move, const Evacuation& evacuation);

struct Health {
  bool ok = false;
  std::string reason;
};
// Healthy while subscribed with N tasks running.
Health health(const SchedulerState& state);

}  // namespace iof::framework
