#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "iof/framework/core/agent_book.hpp"
#include "iof/framework/core/crash_backoff.hpp"
#include "iof/framework/core/kill_retrier.hpp"
#include "iof/framework/core/offer_pacer.hpp"
#include "iof/framework/core/offer_summary.hpp"
#include "iof/framework/core/policy_rules.hpp"
#include "iof/framework/core/reconciler.hpp"
#include "iof/framework/core/snapshot.hpp"
#include "iof/framework/core/spread.hpp"
#include "iof/framework/core/task_book.hpp"
#include "iof/framework/core/task_policy.hpp"
#include "iof/framework/core/task_spec.hpp"
#include "iof/framework/core/types.hpp"

// The framework's pure core: what it knows about its sleeper tasks and how it decides. Events in,
// calls out; no sockets, no clock. The runtime owns one SchedulerState on its strand. It is the
// facade over the owners (core/) and the policy (policy/): it alone fixes the order of steps
// within a frame, and lends the policy the shared books as its PolicyHost.
namespace iof::framework {

namespace v1 = mesos::v1;

class SchedulerState : private PolicyHost {
 public:
  SchedulerState(Policy policy, std::uint32_t num_tasks, std::string role, TaskSpec task,
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
  // An OFFERS event already read down to its summaries (the session reads a protobuf one offer
  // at a time); the same decision as handle() of the whole event.
  Decision handle_offers(const std::vector<OfferSummary>& offers);
  // How this framework reads an offer down to a summary.
  const OfferReading& offer_reading() const { return reading_; }
  // A call of ours got no answer, or was refused: it may not have been applied. A LAUNCH's tasks
  // are reconciled now; a SUPPRESS, REVIVE or DECLINE is sent again. KILLs and reconciliations
  // have their own retries.
  Decision call_failed(const v1::scheduler::Call& call);
  // TEARDOWN when subscribed, nothing otherwise (the seed's finalize()).
  Decision teardown() const;
  // Forgets the subscription when the connection drops; the maps are kept.
  void disconnected();

  bool subscribed() const { return subscribed_; }
  const std::optional<v1::FrameworkID>& framework_id() const override { return framework_id_; }
  Policy policy() const { return policy_; }
  // Agents holding a sleeper, and agents whose sleeper is being killed to move it. Ordered by
  // agent id so that every decision is reproducible.
  const std::map<std::string, Sleeper>& sleepers() const { return tasks_.sleepers(); }
  const std::map<std::string, Sleeper>& migrating() const { return tasks_.migrating(); }
  std::size_t current_sleepers() const { return tasks_.size(); }
  // Whether a task of this id is on the books (running, starting, or being moved off).
  bool knows_task(const std::string& task_id) const { return tasks_.knows(task_id); }
  // Asked as a KILL leaves, perhaps long after it was decided: false for a task no longer being
  // killed (it ended, or was kept), and when it retires a task whose replacement runs but losses
  // since then leave no room for it. The task is then kept (linked to its replacement again).
  bool kill_still_wanted(const std::string& task_id);
  const Counters& counters() const { return counters_; }
  bool suppressed() const { return pacer_.suppressed(); }
  // Tasks whose reconciliation is unanswered, and KILLs waiting for a terminal update.
  std::size_t reconciling() const { return reconciler_.unanswered(); }
  std::size_t killing() const { return kills_.size(); }

  // Evacuation views (evacuate policy; the others leave them empty).
  std::uint32_t num_tasks() const override { return num_tasks_; }
  Time now() const override { return now_; }
  // The learnt lead time; the configured minimum for a policy that learns none.
  Time lead_time() const;
  const Evacuation& evacuation() const { return evacuation_; }
  const Recovery& recovery() const { return recovery_; }
  // In no particular order.
  const std::unordered_map<std::string, KnownAgent>& agents() const { return agent_book_.all(); }
  // Our tasks per value of the --spread_by attribute (empty without it).
  SpreadCount spread() const { return count_spread(tasks_, agent_book_); }
  const std::map<std::string, InverseOfferReply>& inverse_offer_replies() const {
    return task_policy_->inverse_offer_replies();
  }
  // Tasks on an agent with a window, ordered by deadline.
  std::vector<PlannedMove> planned_moves() const { return task_policy_->planned_moves(*this); }
  // Whether the moves the known windows require can all start by their deadlines within the
  // budgets (policy/evacuate/forecast.cpp), as of the end of the last frame.
  const Forecast& forecast() const { return task_policy_->forecast(); }
  // Tasks the master reports RUNNING and that are not being killed.
  std::size_t running_tasks() const override;
  // Tasks RUNNING, healthy if checked, for --min_ready_time, and not being killed.
  std::size_t ready_tasks() const override;
  // Whether this task is ready: RUNNING, healthy if checked, for --min_ready_time.
  bool ready(const Sleeper& task) const override;
  bool ready_when_running() const override;
  std::optional<Time> next_ready_at() const override;
  // Slots in crash-loop backoff (failures in a row, when they may launch again), by slot.
  const std::map<std::uint32_t, SlotBackoff>& crash_backoffs() const {
    return crash_backoff_.slots();
  }
  // Empty slots of N held back by their backoff now.
  std::size_t slots_backing_off() const override { return open_slots().waiting; }
  // The fewest running tasks seen since N first ran; nullopt before that.
  std::optional<std::size_t> min_running_seen() const { return min_running_seen_; }
  // Replacements starting and old tasks being killed.
  std::size_t migrations_in_flight() const {
    return tasks_.replacements_in_flight() + tasks_.migrating().size();
  }
  // Time from learning an agent's window to its task being gone, for the latest and the slowest
  // evacuation.
  std::optional<Time> last_evacuation() const { return task_policy_->last_evacuation(); }
  std::optional<Time> max_evacuation() const { return task_policy_->max_evacuation(); }

 private:
  Decision dispatch(const v1::scheduler::Event& event);
  // What every frame ends with: what became due, the plan's outlook, the offers wanted.
  Decision end_frame(const OfferDemand& before, Decision decision);
  // Routes an OFFERS event, once subscribed, to the policy that decides it.
  Decision offers(const std::vector<OfferSummary>& offers);
  Decision update(const v1::TaskStatus& status);
  void forget_unseen_launch(const Sleeper& sleeper, const v1::TaskStatus& status,
                            Decision& decision) const;
  void observe_capacity();

  // What the policy may use (PolicyHost): the books and the services that write them.
  TaskBook& task_book() override { return tasks_; }
  const TaskBook& task_book() const override { return tasks_; }
  AgentBook& agent_book() override { return agent_book_; }
  KillRetrier& kill_retrier() override { return kills_; }
  const KillRetrier& kill_retrier() const override { return kills_; }
  Counters& mutable_counters() override { return counters_; }
  std::optional<Time> ready_at(const Sleeper& task) const override;
  v1::scheduler::Call call(v1::scheduler::Call::Type type) const override;
  v1::scheduler::Call launch(const OfferSummary& offer, const AgentId& replaces,
                             Decision& decision) override;
  void kill(const v1::TaskID& task, const std::string& agent, Decision& decision) override;
  // Also REVIVEs (at the end of the frame) when an agent holding a sleeper got a new window.
  void learn_window(const std::string& agent_id, std::int64_t start, Decision& decision) override;
  void changed() override { ++version_; }
  std::optional<std::uint32_t> slot_to_fill() const override;
  bool backing_off(const Sleeper& task) const override;

  // Slots and crash-loop backoff (core/crash_loops.cpp).
  struct OpenSlots {
    std::size_t ready = 0;    // empty slots of N that may launch now
    std::size_t waiting = 0;  // empty slots held back by their backoff
    std::optional<std::uint32_t> lowest_ready;
  };
  OpenSlots open_slots() const;
  // The slot a LAUNCH fills: the replaced task's, or the lowest empty slot that may launch.
  std::uint32_t slot_for_launch(const AgentId& replaces) const;
  // A sleeper's terminal update: a task that ended by itself starts or lengthens its slot's
  // backoff.
  void note_crash(const Sleeper& task, const v1::TaskStatus& status, Decision& decision);
  // Clears the count of each slot whose task has now been ready for the reset time.
  void forget_served_crashes();
  // When a slot may launch again, or a count clears.
  std::optional<Time> next_crash_wakeup() const;

  // Subscription and resilience (core/subscription.cpp, core/recovery.cpp).
  Decision subscribed(const v1::scheduler::Event::Subscribed& subscribed);
  Decision removed(const std::string& message);
  // Reconciliation answers and updates for tasks this framework does not know.
  void reconciled(const v1::TaskStatus& status, Decision& decision);
  bool adopt_or_kill(const v1::TaskStatus& status, Decision& decision);
  // Asks about every task on the books, and every task being killed.
  void explicit_reconcile(Decision& decision);
  // Explicitly reconciles launched tasks never heard of for silent_launch.
  void question_silent_launches(Decision& decision);
  // What offers are needed for now (core/offer_demand.cpp).
  OfferDemand offer_demand() const;
  // The end of a frame: REVIVE if the frame added a need for offers (`before` is the demand at
  // its start), SUPPRESS once N tasks run and nothing is moving.
  void settle_offers(const OfferDemand& before, Decision& decision);
  // Whether offers are needed: a slot is empty, or a task is moving or may have to.
  bool wants_offers() const;
  // The task's kill grace period, if it names one.
  std::optional<Time> kill_grace() const;

  Policy policy_;
  PolicyRules rules_;
  std::uint32_t num_tasks_;
  std::string role_;
  TaskSpec task_;
  bool subscribed_ = false;
  std::optional<v1::FrameworkID> framework_id_;
  TaskBook tasks_;
  std::uint64_t next_task_id_ = 0;
  Counters counters_;

  Recovery recovery_;
  Time now_{0};
  std::uint64_t version_ = 0;
  Reconciler reconciler_;
  KillRetrier kills_;
  OfferPacer pacer_;
  CrashBackoff crash_backoff_;

  Evacuation evacuation_;
  AgentBook agent_book_;
  std::unique_ptr<TaskPolicy> task_policy_;  // the --policy: where tasks go and when they move
  std::optional<std::size_t> min_running_seen_;
  OfferReading reading_;
};

}  // namespace iof::framework
