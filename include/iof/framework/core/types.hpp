#pragma once

// The values the framework core works with: its configuration, what it knows about tasks and
// agents, its counters, and the Decision each step returns. No behaviour lives here.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "iof/framework/core/spread.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::framework {

namespace v1 = mesos::v1;

// How offers are judged (--policy).
enum class Policy {
  // Mesos's example as published, defects included: it compares its role-allocated task
  // resources with offers that carry no allocation (so it never launches on a real master),
  // treats an agent with no known window as the riskiest, and never revives its 600 s
  // declines. The baseline every benchmark compares against.
  seed,
  // The seed's intent with those three defects fixed, and all declines of one OFFERS event sent
  // as one DECLINE call.
  intent,
  // The default: every task leaves an agent before its maintenance window, replacement first
  // (make-before-break within --max_surge / --max_unavailable), ordered by deadline, onto the
  // safest agent; inverse offers answered from that plan; maintenance losses counted apart.
  evacuate,
};

std::optional<Policy> policy_from_name(std::string_view name);
std::string_view policy_name(Policy policy);

// Wall-clock time as nanoseconds since the Unix epoch, the unit of Mesos's TimeInfo. The core
// never reads a clock: the runtime passes the time in advance().
using Time = std::chrono::nanoseconds;

// An agent's id where one task names the agent of another: the task a replacement replaces, the
// replacement an old task is retired for. Its own type, so that such a link is never mistaken for
// a task id or a hostname; empty when there is no link.
class AgentId {
 public:
  AgentId() = default;
  explicit AgentId(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  bool operator==(const AgentId&) const = default;
  bool operator==(std::string_view agent) const { return value_ == agent; }

 private:
  std::string value_;
};

struct Sleeper {
  v1::TaskID task_id;
  // Which of the N slots the task fills: a replacement fills the slot of the task it replaces.
  // A slot's crash-loop backoff follows it from one task to the next.
  std::uint32_t slot = 0;
  // Start of the agent's maintenance window in ns since the epoch; 0 when none is known.
  std::int64_t unavailability_start = 0;
  // The agent of the task this one replaces, until this one is RUNNING (evacuate policy).
  AgentId replaces;
  // Not persisted: the latest state the master reported, and when the LAUNCH or KILL was decided
  // (0 when adopted or restored), the samples of the lead time.
  v1::TaskState state = v1::TASK_STAGING;
  Time launched_at{0};
  // The offer the LAUNCH used: declined if the master turns out never to have seen the LAUNCH,
  // so that the offer's resources are offered again.
  v1::OfferID launched_with;
  Time kill_sent_at{0};
  // Being killed because the replacement on this agent runs (make-before-break).
  AgentId retired_for;
  // Not persisted: the latest health check result an update reported (none yet), and since when
  // the task has been RUNNING and, if it has a health check, healthy.
  std::optional<bool> healthy;
  std::optional<Time> ready_since;
  // Not persisted: the ports its LAUNCH took, for /state (clients find the service there).
  std::vector<std::uint32_t> ports;
};

// What the resilience layer does besides the policy's offer decisions.
struct Recovery {
  // Exit 1 when the master says the saved framework was removed, unless this is set: then start
  // over as a new framework with no tasks.
  bool allow_new_framework = false;
  // Implicit reconciliation period; explicit reconciliation retries and KILL retries back off
  // from retry_base to retry_cap.
  Time reconcile_interval = std::chrono::minutes(10);
  Time retry_base = std::chrono::seconds(5);
  Time retry_cap = std::chrono::minutes(1);
  // REVIVE at most this often.
  Time revive_interval = std::chrono::seconds(1);
  // A launched task with no update for this long is asked about: its LAUNCH may never have
  // reached the master. Longer than two call timeouts (a LAUNCH queued behind a lost call).
  Time silent_launch = std::chrono::minutes(3);
  // How long an agent that holds nothing of ours is remembered after it was last named.
  Time agent_memory = std::chrono::minutes(10);
  // Crash-loop backoff per slot (not the seed's): a slot whose task failed by itself waits
  // crash_backoff before its next launch, doubling with each failure in a row up to
  // crash_backoff_max; a task ready for crash_backoff_reset clears the count.
  Time crash_backoff = std::chrono::seconds(1);
  Time crash_backoff_max = std::chrono::minutes(5);
  Time crash_backoff_reset = std::chrono::minutes(5);
};

// The evacuate policy's budgets, in the spirit of a Kubernetes PodDisruptionBudget.
struct Evacuation {
  // Tasks beyond N that may run while replacements start: --max_surge resolved against N (the
  // default 25% rounds up to 1 for N <= 4).
  std::uint32_t max_surge = 1;
  // Tasks below N that a kill-first move may leave, when no safe capacity exists by a deadline:
  // --max_unavailable resolved against N.
  std::uint32_t max_unavailable = 0;
  // The lead time: a task's move must start this long before its agent's window. Learned as
  // factor x (p95 launch->ready + p95 KILL->terminal), never below the minimum (plus
  // min_ready_time).
  Time min_lead_time = std::chrono::seconds(10);
  double lead_time_factor = 2.0;
  // How long a task must stay ready (RUNNING, and healthy if it has a health check) before it
  // counts: a replacement retires the old task only then (--min_ready_time).
  Time min_ready_time{0};
  // The agent attribute whose values tasks are spread across (--spread_by); empty: no spread.
  std::string spread_by{};
};

// Why a task left its agent other than by our own KILL: the task itself failed, or the
// maintenance machinery took it (the machine went DOWN in its window, an operator drained it, or
// the agent went away without a window).
enum class Loss { failure, down, drained, gone };
// "failed", "down", "drained", "gone": the words of the log and of /state.
std::string_view loss_name(Loss loss);

// What the framework knows about an agent it was offered or used.
struct KnownAgent {
  std::string hostname;
  std::int64_t window_start = 0;      // ns since the epoch; 0 when no maintenance is scheduled
  std::int64_t window_duration = -1;  // ns; -1 when open-ended
  // Why its tasks were taken away, until it is offered again (never Loss::failure).
  std::optional<Loss> lost;
  // Not persisted: its value of the --spread_by attribute, once an offer told it (none without
  // --spread_by, and for an agent not offered since a restart).
  std::optional<SpreadValue> spread_value;
  // Not persisted: when an offer, inverse offer or FAILURE last named it. An agent holding
  // nothing of ours and not named for a while is forgotten (an agent that comes back after DOWN
  // has a new id, so old ids would otherwise pile up); its next offer teaches everything again.
  Time last_seen{0};
};

// The reply to one inverse offer and why, for /state.
struct InverseOfferReply {
  std::string agent_id;
  bool accepted = false;
  std::string reason;
  double filter_secs = 0;
  Time at{0};
};

// Where a planned move stands, for /state and the metrics.
enum class MoveStatus {
  being_killed,          // its task is being killed (the move's last step)
  replacement_starting,  // a replacement was launched and is not RUNNING yet
  waiting_for_surge,     // --max_surge replacements are already starting
  crash_backoff,         // its slot's last replacement failed; the slot waits before the next
  no_safe_offer,         // no offer from an agent safe to move to
  waiting_for_offers,    // nothing offered since the window became known
};

// A task that has to leave its agent before the agent's window, for /state.
struct PlannedMove {
  std::string task_id;
  std::string agent_id;
  std::int64_t window_start = 0;
  Time deadline{0};
  MoveStatus status = MoveStatus::waiting_for_offers;
  bool past_deadline = false;     // its deadline passed with no replacement started
  std::string replacement_task;   // with replacement_starting
  std::string replacement_agent;  // with replacement_starting
};

struct Counters {
  std::uint64_t offers_received = 0;
  std::uint64_t inverse_offers_received = 0;
  std::uint64_t sleepers_killed = 0;
  std::uint64_t sleepers_lost_abnormally = 0;
  std::uint64_t tasks_launched = 0;
  std::uint64_t migrations = 0;
  std::uint64_t revives = 0;
  std::uint64_t subscriptions = 0;  // SUBSCRIBED events: the first and every re-subscription
  std::uint64_t suppresses = 0;
  std::uint64_t reconciliations = 0;
  std::uint64_t kills_retried = 0;
  std::uint64_t tasks_adopted = 0;
  std::uint64_t unknown_tasks_killed = 0;
  // Evacuate policy: losses the maintenance machinery caused, apart from real failures
  // (sleepers_lost_abnormally); moves by kind; replies to inverse offers.
  std::uint64_t tasks_caught_by_down = 0;   // TASK_LOST from a machine DOWN with a known window
  std::uint64_t tasks_drained = 0;          // REASON_AGENT_DRAINING, TASK_GONE_BY_OPERATOR
  std::uint64_t tasks_lost_with_agent = 0;  // agents removed or unreachable without a window
  std::uint64_t replacements_launched = 0;  // make-before-break moves started
  std::uint64_t kill_first_moves = 0;
  std::uint64_t evacuations = 0;  // agents cleared of their task before anything took it
  std::uint64_t inverse_offers_accepted = 0;
  std::uint64_t inverse_offers_declined = 0;
  // Old tasks killed at their deadline although their replacement was not ready yet.
  std::uint64_t unready_at_deadline = 0;
  // Tasks that failed by themselves (exited, errored, killed by their health check), each
  // starting or lengthening its slot's crash-loop backoff.
  std::uint64_t task_crashes = 0;
};

// What a log line is about, where it concerns one task or agent: structured logs
// (--log_format=json) carry these as fields, so that a log pipeline finds a task's history
// without parsing the text.
struct LogSubject {
  std::optional<std::string> task_id;
  std::optional<std::string> agent_id;
  bool operator==(const LogSubject&) const = default;
};

// The task a status update is about, and its agent when the update names one.
inline LogSubject subject_of(const v1::TaskStatus& status) {
  LogSubject about{status.task_id().value(), std::nullopt};
  if (status.has_agent_id()) {
    about.agent_id = status.agent_id().value();
  }
  return about;
}

// One line of a decision's log and what it is about.
struct LogLine {
  // Implicit: most lines are about no task or agent in particular, and are just their text.
  LogLine(std::string text_in, LogSubject about_in = {})
      : text(std::move(text_in)), about(std::move(about_in)) {}
  LogLine(const char* text_in) : text(text_in) {}
  std::string text;
  LogSubject about;
};

// What the runtime must do after an event: send these calls in order; exit if asked.
struct Decision {
  std::vector<v1::scheduler::Call> calls;
  struct Exit {
    int status = 1;
    std::string message;
  };
  std::optional<Exit> exit;
  std::vector<LogLine> log;  // one line each, for the runtime's logger
};

}  // namespace iof::framework
