#pragma once

// The one interface every --policy sits behind. The facade (core/facade.cpp) owns the order of
// steps within a frame and calls a policy at fixed points; a policy owns its own books (the
// evacuate policy's plan, waits and forecast) and reaches the shared ones only through the
// PolicyHost it is handed, so that a policy never holds the core and the core can move.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "iof/framework/core/agent_book.hpp"
#include "iof/framework/core/forecast.hpp"
#include "iof/framework/core/kill_retrier.hpp"
#include "iof/framework/core/lead_time.hpp"
#include "iof/framework/core/offer_pacer.hpp"
#include "iof/framework/core/offer_summary.hpp"
#include "iof/framework/core/task_book.hpp"
#include "iof/framework/core/types.hpp"

namespace iof::framework {

namespace v1 = mesos::v1;

// What the core lends a policy for the length of one call: the shared books and the services
// that write them (a LAUNCH, a KILL, a learnt window), each keeping the books consistent.
class PolicyHost {
 public:
  virtual ~PolicyHost() = default;
  virtual Time now() const = 0;
  virtual const std::optional<v1::FrameworkID>& framework_id() const = 0;
  virtual std::uint32_t num_tasks() const = 0;
  virtual TaskBook& task_book() = 0;
  virtual const TaskBook& task_book() const = 0;
  virtual AgentBook& agent_book() = 0;
  virtual KillRetrier& kill_retrier() = 0;
  virtual const KillRetrier& kill_retrier() const = 0;
  virtual Counters& mutable_counters() = 0;
  // Tasks the master reports RUNNING and that are not being killed.
  virtual std::size_t running_tasks() const = 0;
  // Whether a task counts as serving: RUNNING, healthy if it has a health check, and so for
  // --min_ready_time. When it will, if it is RUNNING and healthy but not for that long yet.
  virtual bool ready(const Sleeper& task) const = 0;
  virtual std::optional<Time> ready_at(const Sleeper& task) const = 0;
  // Whether ready is simply RUNNING (no health check, no --min_ready_time): then no task is ever
  // RUNNING and not yet ready.
  virtual bool ready_when_running() const = 0;
  // The earliest time a task healthy and waiting out --min_ready_time becomes ready (none: no
  // task waits so), from the task book's indexes.
  virtual std::optional<Time> next_ready_at() const = 0;
  // Tasks that are ready and not being killed.
  virtual std::size_t ready_tasks() const = 0;

  // The lowest empty slot of N that may launch now: none when N slots are filled, or when every
  // empty one is in crash-loop backoff.
  virtual std::optional<std::uint32_t> slot_to_fill() const = 0;
  // Whether the task's slot is in crash-loop backoff: its replacement must wait.
  virtual bool backing_off(const Sleeper& task) const = 0;
  // Empty slots held back by their backoff: each will take a task when its backoff ends, so the
  // surge budget keeps room for it.
  virtual std::size_t slots_backing_off() const = 0;

  virtual v1::scheduler::Call call(v1::scheduler::Call::Type type) const = 0;
  // The LAUNCH of one task on `offer` (which holds one: OfferSummary::holds_task); `replaces`
  // names the agent whose task it replaces, if any.
  virtual v1::scheduler::Call launch(const OfferSummary& offer, const AgentId& replaces,
                                     Decision& decision) = 0;
  // A KILL, retried until a terminal update when the policy's rules say so.
  virtual void kill(const v1::TaskID& task, const std::string& agent, Decision& decision) = 0;
  // An agent holding a task got a new, changed or cancelled window.
  virtual void learn_window(const std::string& agent, std::int64_t start, Decision& decision) = 0;
  // The snapshot changed: the runtime saves it before the decision's calls leave.
  virtual void changed() = 0;

 protected:
  PolicyHost() = default;
  PolicyHost(const PolicyHost&) = default;
  PolicyHost(PolicyHost&&) = default;
  PolicyHost& operator=(const PolicyHost&) = default;
  PolicyHost& operator=(PolicyHost&&) = default;
};

class TaskPolicy {
 public:
  virtual ~TaskPolicy() = default;

  // Where tasks go: launches, moves and declines for one OFFERS event.
  virtual Decision offers(PolicyHost& host, const std::vector<OfferSummary>& offers) = 0;
  // The answer to the master's inverse offers.
  virtual Decision inverse_offers(PolicyHost& host,
                                  const v1::scheduler::Event::InverseOffers& offers) = 0;
  // An update of a task on the books, after the book took its state. True when the policy applied
  // it in full; false leaves the core's own loss rule to apply it.
  virtual bool update(PolicyHost& /*host*/, const v1::TaskStatus& /*status*/,
                      const std::string& /*agent*/, Decision& /*decision*/) {
    return false;
  }
  // A FAILURE without an executor: the agent is gone with whatever ran there.
  virtual void agent_failed(PolicyHost& /*host*/, const std::string& /*agent*/,
                            Decision& /*decision*/) {}

  // Run by the facade at the end of every subscribed frame, in this order: what became due
  // (every frame), agents to forget (timer frames only), and what to say about the plan.
  virtual void act_due(PolicyHost& /*host*/, Decision& /*decision*/) {}
  virtual void forget_idle_agents(PolicyHost& /*host*/) {}
  virtual void note_outlook(const PolicyHost& /*host*/, Decision& /*decision*/) {}
  // The policy's next deadline, if any.
  virtual std::optional<Time> next_due(const PolicyHost& /*host*/) const { return std::nullopt; }
  // What the policy adds to the offers the books need.
  virtual void add_demand(const PolicyHost& /*host*/, OfferDemand& /*demand*/) const {}

  // Hooks from the core's own services.
  virtual void launched(const std::string& /*agent*/, std::int64_t /*window_start*/, Time /*now*/) {
  }
  virtual void window_changed(const std::string& /*agent*/, std::int64_t /*start*/, Time /*now*/) {}
  // The master removed the framework and a new one starts with empty books.
  virtual void forget_all() {}
  // Asked as a KILL the task book still wants leaves: whether it is still wanted.
  virtual bool kill_still_wanted(PolicyHost& /*host*/, const std::string& /*task_id*/) {
    return true;
  }

  // The lead-time samples saved with the state, and restored from it; none for a policy that
  // plans no moves.
  virtual LeadTimeSamples lead_time_samples() const { return {}; }
  virtual void restore_lead_time(const LeadTimeSamples& /*saved*/) {}

  // Read-only views for /state and the metrics; empty for a policy that plans no moves.
  virtual std::optional<Time> learnt_lead_time() const { return std::nullopt; }
  virtual std::vector<PlannedMove> planned_moves(const PolicyHost& /*host*/) const { return {}; }
  virtual const Forecast& forecast() const;
  virtual const std::map<std::string, InverseOfferReply>& inverse_offer_replies() const;
  virtual std::optional<Time> last_evacuation() const { return std::nullopt; }
  virtual std::optional<Time> max_evacuation() const { return std::nullopt; }
};

// The policy --policy names; `evacuation` holds the evacuate policy's budgets and lead time.
std::unique_ptr<TaskPolicy> make_policy(Policy policy, const Evacuation& evacuation);

}  // namespace iof::framework
