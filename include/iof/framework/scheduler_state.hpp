#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "iof/wire/error.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

// The framework's pure core: what it knows about its sleeper tasks and how it decides. Events in,
// calls out; no sockets, no clock. The runtime owns one SchedulerState on its strand.
namespace iof::framework {

namespace v1 = mesos::v1;

// The seed's task: cpus:0.2;mem:32 running a shell loop, ids "0", "1", ...
struct TaskTemplate {
  double cpus = 0.2;
  double mem = 32;
  std::string command = "while [ true ]; do echo ZZZzzz...; sleep 5; done";
};

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

struct Sleeper {
  v1::TaskID task_id;
  // Start of the agent's maintenance window in ns since the epoch; 0 when none is known.
  std::int64_t unavailability_start = 0;
  // The agent of the task this one replaces, until this one is RUNNING (evacuate policy).
  std::string replaces;
  // Not persisted: the latest state the master reported, and when the LAUNCH or KILL was decided
  // (0 when adopted or restored), the samples of the lead time.
  v1::TaskState state = v1::TASK_STAGING;
  Time launched_at{0};
  // The offer the LAUNCH used: declined if the master turns out never to have seen the LAUNCH,
  // so that the offer's resources are offered again.
  v1::OfferID launched_with;
  Time kill_sent_at{0};
  // Being killed because the replacement on this agent runs (make-before-break).
  std::string retired_for;
};

// What survives a restart of the process (--state_file): enough to re-subscribe as the same
// framework and adopt its tasks.
struct Snapshot {
  std::optional<std::string> framework_id;
  std::uint64_t next_task_id = 0;
  std::map<std::string, Sleeper> sleepers;   // by agent id
  std::map<std::string, Sleeper> migrating;  // by agent id

  bool operator==(const Snapshot&) const;
};
// JSON, so that an operator can read it: {"framework_id":..,"next_task_id":..,"tasks":[..]}.
std::string encode_snapshot(const Snapshot& snapshot);
wire::Result<Snapshot> decode_snapshot(std::string_view text);

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
};

// The evacuate policy's budgets, in the spirit of a Kubernetes PodDisruptionBudget.
struct Evacuation {
  // Tasks beyond N that may run while replacements start.
  std::uint32_t max_surge = 1;
  // Tasks below N that a kill-first move may leave, when no safe capacity exists by a deadline.
  std::uint32_t max_unavailable = 0;
  // The lead time: a task's move must start this long before its agent's window. Learned as
  // factor x (p95 launch->RUNNING + p95 KILL->terminal), never below the minimum.
  Time min_lead_time = std::chrono::seconds(10);
  double lead_time_factor = 2.0;
};

// What the framework knows about an agent it was offered or used.
struct KnownAgent {
  std::string hostname;
  std::int64_t window_start = 0;      // ns since the epoch; 0 when no maintenance is scheduled
  std::int64_t window_duration = -1;  // ns; -1 when open-ended
  // Why its tasks were taken away, until it is offered again: "down", "drained", "gone".
  std::string lost;
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

// A task that has to leave its agent before the agent's window, for /state.
struct PlannedMove {
  std::string task_id;
  std::string agent_id;
  std::int64_t window_start = 0;
  Time deadline{0};
  std::string status;
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
};

// What the runtime must do after an event: send these calls in order; exit if asked.
struct Decision {
  std::vector<v1::scheduler::Call> calls;
  struct Exit {
    int status = 1;
    std::string message;
  };
  std::optional<Exit> exit;
  std::vector<std::string> log;  // one line each, for the runtime's logger
};

class SchedulerState {
 public:
  SchedulerState(Policy policy, std::uint32_t num_tasks, std::string role, TaskTemplate task,
                 Recovery recovery = {}, Evacuation evacuation = {});

  // Starts from a saved snapshot: the framework ID to subscribe with and the tasks to adopt.
  void restore(const Snapshot& snapshot);
  Snapshot snapshot() const;
  // Bumped whenever snapshot() changes: the runtime writes the state file before it sends the
  // calls of a decision that changed it, so a launched task is never unknown after a restart.
  std::uint64_t version() const { return version_; }

  // Moves the core's clock to `now` and returns what became due: reconciliation and KILL
  // retries, a rate-limited REVIVE. The runtime calls it before every event and at
  // next_wakeup().
  Decision advance(Time now);
  std::optional<Time> next_wakeup() const;

  Decision handle(const v1::scheduler::Event& event);
  // A call of ours got no answer, or was refused: it may not have been applied. A LAUNCH's tasks
  // are reconciled now; a SUPPRESS, REVIVE or DECLINE is sent again. KILLs and reconciliations
  // have their own retries.
  Decision call_failed(const v1::scheduler::Call& call);
  // TEARDOWN when subscribed, nothing otherwise (the seed's finalize()).
  Decision teardown() const;
  // Forgets the subscription when the connection drops; the maps are kept.
  void disconnected();

  bool subscribed() const { return subscribed_; }
  const std::optional<v1::FrameworkID>& framework_id() const { return framework_id_; }
  Policy policy() const { return policy_; }
  // Agents holding a sleeper, and agents whose sleeper is being killed to move it. Ordered by
  // agent id so that every decision is reproducible.
  const std::map<std::string, Sleeper>& sleepers() const { return sleepers_; }
  const std::map<std::string, Sleeper>& migrating() const { return migrating_; }
  std::size_t current_sleepers() const { return sleepers_.size() + migrating_.size(); }
  // Whether a task of this id is on the books (running, starting, or being moved off).
  bool knows_task(const std::string& task_id) const;
  // Asked as a KILL leaves, perhaps long after it was decided: false for a task no longer being
  // killed (it ended, or was kept), and when it retires a task whose replacement runs but losses
  // since then leave no room for it. The task is then kept (linked to its replacement again).
  bool kill_still_wanted(const std::string& task_id);
  const Counters& counters() const { return counters_; }
  bool suppressed() const { return suppressed_; }
  // Tasks whose reconciliation is unanswered, and KILLs waiting for a terminal update.
  std::size_t reconciling() const { return reconciling_.size(); }
  std::size_t killing() const { return killing_.size(); }

  // Evacuation views (evacuate policy; the others leave them empty).
  std::uint32_t num_tasks() const { return num_tasks_; }
  Time now() const { return now_; }
  Time lead_time() const;
  const Evacuation& evacuation() const { return evacuation_; }
  const std::map<std::string, KnownAgent>& agents() const { return agents_; }
  const std::map<std::string, InverseOfferReply>& inverse_offer_replies() const {
    return inverse_offer_replies_;
  }
  // Tasks on an agent with a window, ordered by deadline.
  std::vector<PlannedMove> planned_moves() const;
  // Tasks the master reports RUNNING and that are not being killed.
  std::size_t running_tasks() const;
  // The fewest running tasks seen since N first ran; nullopt before that.
  std::optional<std::size_t> min_running_seen() const { return min_running_seen_; }
  // Replacements starting and old tasks being killed.
  std::size_t migrations_in_flight() const;
  // Time from learning an agent's window to its task being gone, for the latest and the slowest
  // evacuation.
  std::optional<Time> last_evacuation() const { return last_evacuation_; }
  std::optional<Time> max_evacuation() const { return max_evacuation_; }

 private:
  Decision dispatch(const v1::scheduler::Event& event);
  Decision offers(const v1::scheduler::Event::Offers& offers);
  Decision inverse_offers(const v1::scheduler::Event::InverseOffers& offers);
  Decision update(const v1::TaskStatus& status);
  void forget_unseen_launch(const Sleeper& sleeper, const v1::TaskStatus& status,
                            Decision& decision) const;
  v1::scheduler::Call call(v1::scheduler::Call::Type type) const;
  std::vector<v1::Resource> task_resources(bool allocated) const;
  // REVIVE when an agent holding a sleeper got a new or changed window (intent policy only).
  void learn_window(const std::string& agent_id, std::int64_t start, Decision& decision);
  // The LAUNCH of one sleeper on `offer`; `replaces` names the agent it replaces, if any.
  v1::scheduler::Call launch(const v1::Offer& offer, const std::string& replaces,
                             Decision& decision);

  // Evacuation (evacuation.cpp).
  Decision evacuate_offers(const v1::scheduler::Event::Offers& offers);
  Decision evacuate_inverse_offers(const v1::scheduler::Event::InverseOffers& offers);
  void note_agent(const v1::Offer& offer);
  // Applies an update of a known task to the evacuate policy's books.
  void evacuate_update(const v1::TaskStatus& status, const std::string& agent, Decision& decision);
  void replacement_running(const std::string& agent, Decision& decision);
  // Retires the old tasks of running replacements whose retirement was deferred.
  void retire_replaced(Decision& decision);
  void retire(const std::string& agent, const std::string& why, Decision& decision);
  void agent_failed(const std::string& agent, Decision& decision);
  void left_agent(const std::string& agent, const std::string& lost_as);
  void evacuate_due(Decision& decision);
  std::vector<std::string> moves_by_deadline() const;
  bool being_replaced(const std::string& agent) const;
  // Replacements launched whose old task still runs: they do not fill a slot of N.
  std::size_t replacements_in_flight() const;
  Time deadline_of(std::int64_t window_start) const;
  bool kill_first_allowed() const;
  void observe_capacity();
  // Forgets agents idle for agent_memory (at most once a minute).
  void forget_idle_agents();

  // Resilience (recovery.cpp).
  Decision subscribed(const v1::scheduler::Event::Subscribed& subscribed);
  Decision removed(const std::string& message);
  // Reconciliation answers and updates for tasks this framework does not know.
  void reconciled(const v1::TaskStatus& status, Decision& decision);
  bool adopt_or_kill(const v1::TaskStatus& status, Decision& decision);
  void kill(const v1::TaskID& task, const std::string& agent, Decision& decision);
  void killed(const std::string& task_id);
  void explicit_reconcile(Decision& decision);
  void ask_unanswered(Decision& decision);
  v1::scheduler::Call kill_call(const std::string& task, const std::string& agent) const;
  void implicit_reconcile(Decision& decision);
  // Explicitly reconciles launched tasks never heard of for silent_launch.
  void question_silent_launches(Decision& decision);
  // REVIVE now or as soon as the rate limit allows (policies other than the seed).
  void request_revive(Decision& decision);
  // SUPPRESS once N tasks run and nothing is moving.
  void maybe_suppress(Decision& decision);
  // Whether offers are needed: a slot is empty, or a task is moving or may have to.
  bool wants_offers() const;
  void changed() { ++version_; }

  struct Retry {
    std::string agent;
    Time due{0};
    Time delay{0};
  };

  Policy policy_;
  std::uint32_t num_tasks_;
  std::string role_;
  TaskTemplate task_;
  bool subscribed_ = false;
  std::optional<v1::FrameworkID> framework_id_;
  std::map<std::string, Sleeper> sleepers_;
  std::map<std::string, Sleeper> migrating_;
  std::uint64_t next_task_id_ = 0;
  Counters counters_;

  Recovery recovery_;
  Time now_{0};
  std::uint64_t version_ = 0;
  std::map<std::string, Retry> reconciling_;  // task id -> agent and next retry
  Time reconcile_delay_{0};
  std::optional<Time> reconcile_due_;     // next explicit retry
  std::optional<Time> implicit_due_;      // next implicit reconciliation
  std::map<std::string, Retry> killing_;  // task id -> agent and next retry
  bool suppressed_ = false;
  Time suppressed_at_{0};
  Time last_offers_at_{0};
  // Offers this long after a SUPPRESS, or none this long after a REVIVE, mean the master never
  // applied it: longer than a call queued behind a lost one takes to leave, shorter than a
  // decline filter.
  static constexpr Time call_settle = std::chrono::seconds(180);
  bool revive_wanted_ = false;
  std::optional<Time> last_revive_;

  Evacuation evacuation_;
  std::map<std::string, KnownAgent> agents_;
  std::map<std::string, InverseOfferReply> inverse_offer_replies_;  // by agent id
  std::vector<Time> launch_samples_;                // launch->RUNNING, the latest few
  std::vector<Time> kill_samples_;                  // KILL->terminal, the latest few
  std::map<std::string, Time> evacuation_started_;  // agent -> when its window became known
  // Why a move has not started: the surge budget is full, or no safe agent was offered.
  enum class MoveWait { surge, no_safe_offer };
  std::map<std::string, MoveWait> move_waits_;  // by agent
  std::string wait_text(MoveWait wait) const;
  std::set<std::string> past_deadline_;  // agents whose deadline passed unmoved
  // Agents emptied by a kill-first move: never refilled before their maintenance, or the task
  // would come straight back and be killed again.
  std::set<std::string> vacated_;
  // Agents whose old task waits, its replacement RUNNING, until killing it keeps the budget.
  std::set<std::string> deferred_;
  Time next_forget_{0};
  std::optional<std::size_t> min_running_seen_;
  std::optional<Time> last_evacuation_;
  std::optional<Time> max_evacuation_;
};

}  // namespace iof::framework
