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
  // Needs Scenario::health_check, so not in all_faults(): a task's service fails its health
  // checks for a while (long enough, its agent kills it).
  health_flap,
  // Not in all_faults() either, so that existing seeds replay unchanged (--faults=all,crash_loop):
  // for a stretch, tasks that start on some or all agents exit with status 1 a few seconds after
  // they run, as a service with a bad config does.
  crash_loop,
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
  // The framework never learns of maintenance: inverse offers and offers' unavailability are
  // dropped before it sees them.
  ignore_maintenance,
  // The framework remembers every agent it was ever offered, for 100 hours.
  hoard_agents,
  // Make-before-break on RUNNING rather than ready: as each task starts running at the master,
  // the task on the agent whose window comes first is killed, ready replacement or not.
  retire_before_ready,
};
std::string_view sabotage_name(Sabotage sabotage);
std::optional<Sabotage> sabotage_from_name(std::string_view name);

// A rolling maintenance for the benchmark, as tests/bench/maintenance runs it in real time: the
// machines in `groups` equal groups, group g's window posted at g x stagger (from when N tasks
// run, or 30 s after the start), starting `notice` later, the machines DOWN at its start and UP
// `window` later; the run ends with the last UP.
struct Rolling {
  std::size_t groups = 10;
  Time stagger = std::chrono::seconds(8);
  Time notice = std::chrono::seconds(20);
  Time window = std::chrono::seconds(15);
};

// Fixed cluster latencies (otherwise they are drawn from the seed).
struct Timing {
  Time launch = std::chrono::seconds(2);
  Time launch_jitter = std::chrono::seconds(1);
  Time kill = std::chrono::seconds(1);
  Time kill_jitter = std::chrono::milliseconds(500);
  Time allocation = std::chrono::seconds(1);
};

struct Scenario {
  std::uint64_t seed = 1;
  double hours = 6;  // simulated duration
  std::uint32_t agents = 10;
  std::uint32_t tasks = 4;  // N
  framework::Policy policy = framework::Policy::evacuate;
  std::uint32_t max_surge = 1;
  std::uint32_t max_unavailable = 0;
  // The framework's --call_window: calls written ahead of their answers on the calls connection.
  std::uint32_t call_window = 64;
  // The framework's --min_ready_time: a replacement retires the old task only after this long.
  Time min_ready_time{0};
  // The framework's tasks have a health check (the model's simulated checks), and the services
  // become healthy only this long after they start: slow readiness.
  bool health_check = false;
  Time ready_delay{0};
  // Agents in this many racks, in blocks of consecutive agents as the rolling maintenance groups
  // are cut (agent attribute "rack": r1, r2, ...), and the framework spreads by it
  // (--spread_by=rack). 0: no racks, no spread.
  std::uint32_t racks = 0;
  std::set<Fault> faults = {all_faults().begin(), all_faults().end()};
  double faults_per_hour = 12;
  // The last part of the run has no new fault: then the liveness promise is checked.
  std::chrono::minutes quiet{20};
  Sabotage sabotage = Sabotage::none;
  // The launch-storm bound: at most this many LAUNCHes in any virtual minute of a crash loop on
  // every agent, from crash_loop_grace into it; 0 leaves it unchecked (the rate is still
  // measured). CI's crash-loop seed set sets 12.
  std::uint32_t crash_loop_max_launches = 0;
  bool trace = false;
  // The trace shows each call in full (its JSON) and each state-file write: the golden traces
  // that hold the core's behaviour still (tests/golden/traces/).
  bool trace_in_full = false;
  // The benchmark's settings: a rolling maintenance instead of random faults, fixed latencies,
  // and a fixed lead time (a peer's; learning off).
  std::optional<Rolling> rolling;
  std::optional<Timing> timing;
  std::optional<Time> fixed_lead;
};

// How long a crash loop on every agent runs before its launch rate is judged: long enough for a
// per-slot backoff doubling from 1 s to pass a minute (1 + 2 + ... + 64 s, plus the crashes).
constexpr Time crash_loop_grace = std::chrono::minutes(3);

// The iof-simulate command line that replays this scenario.
std::string repro_command(const Scenario& scenario);

struct Violation {
  Time at{0};  // since the start of the run
  std::string what;
};

// What a rolling maintenance cost, as the real-time benchmark measures it.
struct MaintenanceFigures {
  std::vector<double> evacuations;  // seconds from a group's post until none of ours is on it
  std::size_t groups_with_tasks = 0;
  std::size_t not_evacuated = 0;
  std::size_t live_at_down = 0;              // tasks caught by DOWN
  std::size_t live_at_down_with_notice = 0;  // ... whose notice exceeded the lead time
  double lower_bound = 0;  // seconds: allocation interval + launch + kill latencies
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
  std::map<std::string, std::uint64_t> caught_excused;  // caught by DOWN, by why it was allowed
  std::uint64_t stale_refusals = 0;  // 4xx for calls of a stream the master had already replaced
  // KILLs below the budget only because a loss had not yet reached the framework.
  std::uint64_t kills_on_untold_losses = 0;
  std::uint64_t framework_restarts = 0;
  std::uint64_t failovers = 0;
  std::size_t min_running_after_n = 0;
  std::string trace;        // with Scenario::trace
  std::uint64_t calls = 0;  // scheduler calls the framework sent, SUBSCRIBEs included
  std::map<std::string, std::uint64_t> calls_by_type;  // the same by call type ("DECLINE", ...)
  // The calls connection: the most calls written and not yet answered at once, and the calls
  // failed because their connection broke with others in flight (pipelining's failure mode).
  std::size_t most_calls_in_flight = 0;
  std::uint64_t calls_failed_together = 0;
  // REVIVEs that left while nothing could use an offer: no empty slot, no move the surge
  // budget lets start. Counted for the evacuate policy only.
  std::uint64_t idle_revives = 0;
  std::uint64_t launched = 0;  // tasks launched
  // KILLs of ready tasks below N - max_unavailable ready that the policy defines: at a move's
  // deadline, the replacement not ready ("unready at deadline") or losses elsewhere.
  std::uint64_t deadline_kills_below_ready_budget = 0;
  // Crash loops on every agent, from crash_loop_grace into each: how long, the LAUNCHes sent
  // meanwhile, and the most in one sliding virtual minute.
  Time crash_loop_judged{0};
  std::uint64_t crash_loop_launches = 0;
  std::uint64_t crash_loop_max_launches_per_minute = 0;
  std::optional<MaintenanceFigures> maintenance;  // with Scenario::rolling
};

SeedResult simulate(const Scenario& scenario);

}  // namespace iof::simulation
