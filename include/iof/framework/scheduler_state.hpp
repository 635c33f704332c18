#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
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
};

std::optional<Policy> policy_from_name(std::string_view name);
std::string_view policy_name(Policy policy);

struct Sleeper {
  v1::TaskID task_id;
  // Start of the agent's maintenance window in ns since the epoch; 0 when none is known.
  std::int64_t unavailability_start = 0;
};

// Wall-clock time as nanoseconds since the Unix epoch, the unit of Mesos's TimeInfo. The core
// never reads a clock: the runtime passes the time in advance().
using Time = std::chrono::nanoseconds;

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
                 Recovery recovery = {});

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
  const Counters& counters() const { return counters_; }
  bool suppressed() const { return suppressed_; }
  // Tasks whose reconciliation is unanswered, and KILLs waiting for a terminal update.
  std::size_t reconciling() const { return reconciling_.size(); }
  std::size_t killing() const { return killing_.size(); }

 private:
  Decision dispatch(const v1::scheduler::Event& event);
  Decision offers(const v1::scheduler::Event::Offers& offers);
  Decision inverse_offers(const v1::scheduler::Event::InverseOffers& offers);
  Decision update(const v1::TaskStatus& status);
  v1::scheduler::Call call(v1::scheduler::Call::Type type) const;
  std::vector<v1::Resource> task_resources(bool allocated) const;
  // REVIVE when an agent holding a sleeper got a new or changed window (intent policy only).
  void learn_window(const std::string& agent_id, std::int64_t start, Decision& decision);

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
  // REVIVE now or as soon as the rate limit allows (policies other than the seed).
  void request_revive(Decision& decision);
  // SUPPRESS once N tasks run and nothing is moving.
  void maybe_suppress(Decision& decision);
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
  bool revive_wanted_ = false;
  std::optional<Time> last_revive_;
};

}  // namespace iof::framework
