#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "iof/framework/scheduler_state.hpp"

// The deterministic simulation: the framework's Session and core wired to mesos-sim's
// MasterService (HTTP checks included) in one process, on a virtual clock, through a simulated
// network, under seeded random faults, with the product's promises checked after every step.
// One seed gives one run, byte for byte.
namespace iof::simulation {

using Time = std::chrono::nanoseconds;

enum class Fault {
  stream_drop,   // the master ends every event stream
  stream_stall,  // streams stay open but silent
  unavailable,   // the master answers 503 for a while (and drops its streams)
  lost_calls,    // for a while, calls or their answers are lost in the network
  failover,      // the leader dies; another master recovers from the registry
  crash,         // the framework dies and restarts from its last state file
  agent_death,   // a machine dies without notice
  task_failure,  // a task's process exits with status 1
  slow_steps,    // heavy-tailed launch, kill and network latencies
  maintenance,   // schedules posted, changed and cancelled; machines DOWN and UP
  drain,         // DRAIN_AGENT, with and without mark_gone
  rescind,       // offers time out and are rescinded
  clock_skew,    // the framework's clock is off from the master's
  state_write,   // the state file fails to write
};

std::string_view fault_name(Fault fault);
std::optional<Fault> fault_from_name(std::string_view name);
const std::vector<Fault>& all_faults();

// A deliberately broken framework, to show that the checker catches it.
enum class Sabotage {
  none,
  never_acknowledge,  // the shell drops every ACKNOWLEDGE
  // With each LAUNCH of a replacement, the task it replaces (on the agent whose window comes
  // first) is killed at once instead of once the replacement runs.
  kill_before_replacement_runs,
};
std::string_view sabotage_name(Sabotage sabotage);
std::optional<Sabotage> sabotage_from_name(std::string_view name);

struct Scenario {
  std::uint64_t seed = 1;
  double hours = 6;  // simulated duration
  std::uint32_t agents = 10;
  std::uint32_t tasks = 4;  // N
  framework::Policy policy = framework::Policy::evacuate;
  std::uint32_t max_surge = 1;
  std::uint32_t max_unavailable = 0;
  std::set<Fault> faults = {all_faults().begin(), all_faults().end()};
  double faults_per_hour = 12;
  // The last part of the run has no new fault: then the liveness promise is checked.
  std::chrono::minutes quiet{20};
  Sabotage sabotage = Sabotage::none;
  bool trace = false;
};

// The iof-simulate command line that replays this scenario.
std::string repro_command(const Scenario& scenario);

struct Violation {
  Time at{0};  // since the start of the run
  std::string what;
};

struct SeedResult {
  std::uint64_t seed = 0;
  double simulated_hours = 0;
  std::uint64_t steps = 0;
  std::optional<Violation> violation;  // the run stops at the first
  std::map<Fault, std::uint64_t> faults;
  // Losses the framework did not cause (failures, dead machines, drains, DOWN), counted apart.
  std::uint64_t external_losses = 0;
  std::uint64_t tasks_caught_by_down = 0;
  std::uint64_t stale_refusals = 0;  // 4xx for calls of a stream the master had already replaced
  std::uint64_t framework_restarts = 0;
  std::uint64_t failovers = 0;
  std::size_t min_running_after_n = 0;
  std::string trace;  // with Scenario::trace
};

SeedResult simulate(const Scenario& scenario);

}  // namespace iof::simulation
