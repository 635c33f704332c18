#pragma once

// What a policy asks of the core's shared machinery. Only policy/rules.cpp derives it from
// --policy, so that each owner asks a named question instead of testing which policy runs.
#include "iof/framework/core/types.hpp"

namespace iof::framework {

struct PolicyRules {
  // Reconcile at every subscription, question silent launches, adopt or kill tasks it does not
  // know, and act on calls that got no answer. The seed, as published, does none of this.
  bool reconciles = true;
  // Send each KILL again until a terminal update arrives; the seed sends each once.
  bool retries_kills = true;
  // SUPPRESS when nothing needs offers, REVIVE when something does.
  bool paces_offers = true;
  // Find an update's task by its id (the master's own updates may lack the agent); the seed
  // looks at the agent id only.
  bool matches_updates_by_task = true;
  // The seed's reading of a lost task: FINISHED, LOST, FAILED, ERROR or KILLED, counted for
  // tasks it no longer knows too. Otherwise: any terminal state or UNKNOWN, of known tasks.
  bool seed_loss_rule = false;
  // Ask for TASK_KILLING: a task being killed then reports it instead of looking RUNNING until
  // it is gone. The seed's FrameworkInfo stays the example's.
  bool wants_killing_state = true;
  // Hold a slot whose task failed by itself back from its next launch, longer after each failure
  // in a row (crash-loop backoff); the seed relaunches at once, as published.
  bool backs_off_crashes = true;
};

PolicyRules rules_of(Policy policy);

}  // namespace iof::framework
