#pragma once

// The evacuate policy: N tasks on the safest agents, each moved make-before-break off an agent
// before its maintenance window, within --max_surge and --max_unavailable. Its books are its own:
// the plan's waits and deadlines, the agents it emptied, the learnt lead time and the forecast.
// Split by concern: placement.cpp (where tasks go), inverse_offers.cpp (the answers), losses.cpp
// (what took a task), plan.cpp (retiring, kill-first moves, the planned moves), forecast.cpp.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "iof/framework/core/lead_time.hpp"
#include "iof/framework/core/task_policy.hpp"

namespace iof::framework {

class EvacuatePolicy final : public TaskPolicy {
 public:
  explicit EvacuatePolicy(const Evacuation& evacuation)
      : evacuation_(evacuation), lead_(evacuation) {}

  Decision offers(PolicyHost& host, const std::vector<OfferSummary>& offers) override;
  Decision inverse_offers(PolicyHost& host,
                          const v1::scheduler::Event::InverseOffers& offers) override;
  bool update(PolicyHost& host, const v1::TaskStatus& status, const std::string& agent,
              Decision& decision) override;
  void agent_failed(PolicyHost& host, const std::string& agent, Decision& decision) override;

  // At a move's deadline with no replacement started: kill first if the budget allows.
  void act_due(PolicyHost& host, Decision& decision) override;
  // Forgets agents idle for agent_memory (at most once a minute).
  void forget_idle_agents(PolicyHost& host) override;
  // Keeps forecast() current and logs when the set of moves at risk changes.
  void note_outlook(const PolicyHost& host, Decision& decision) override;
  std::optional<Time> next_due(const PolicyHost& host) const override;
  void add_demand(const PolicyHost& host, OfferDemand& demand) const override;

  void launched(const std::string& agent, std::int64_t window_start, Time now) override;
  void window_changed(const std::string& agent, std::int64_t start, Time now) override;
  void forget_all() override;
  bool kill_still_wanted(PolicyHost& host, const std::string& task_id) override;

  std::optional<Time> learnt_lead_time() const override { return lead_.current(); }
  LeadTimeSamples lead_time_samples() const override { return lead_.samples(); }
  void restore_lead_time(const LeadTimeSamples& saved) override { lead_.restore(saved); }
  std::vector<PlannedMove> planned_moves(const PolicyHost& host) const override;
  const Forecast& forecast() const override { return forecast_; }
  const std::map<std::string, InverseOfferReply>& inverse_offer_replies() const override {
    return inverse_offer_replies_;
  }
  std::optional<Time> last_evacuation() const override { return last_evacuation_; }
  std::optional<Time> max_evacuation() const override { return max_evacuation_; }

 private:
  // Why a move has not started: the surge budget is full, or no safe agent was offered.
  enum class MoveWait { surge, no_safe_offer, crash_backoff };

  const KnownAgent& note_agent(PolicyHost& host, const OfferSummary& offer);
  // Readiness (readiness.cpp): the task on `agent` is ready; launches ready by the clock; old
  // tasks whose replacement is not ready by their deadline; and when either comes next.
  void became_ready(PolicyHost& host, const std::string& agent, Decision& decision);
  void note_ready_launches(PolicyHost& host);
  void retire_unready_at_deadline(PolicyHost& host, Decision& decision);
  void readiness_due(const PolicyHost& host, std::optional<Time>& next) const;
  void replacement_running(PolicyHost& host, const std::string& agent, Decision& decision);
  // Retires the old tasks of running replacements whose retirement was deferred.
  void retire_replaced(PolicyHost& host, Decision& decision);
  // Kills the task on `agent` to move it; `retired_for` names its running replacement, if any.
  void retire(PolicyHost& host, const std::string& agent, const std::string& why,
              Decision& decision, AgentId retired_for = {});
  // No task of ours is left on `agent`: nullopt when our own KILL took it.
  void left_agent(PolicyHost& host, const std::string& agent, std::optional<Loss> loss);
  // Tasks that must leave their agent and have no replacement yet, earliest window first.
  std::vector<std::string> moves_by_deadline(const PolicyHost& host) const;
  Time deadline_of(std::int64_t window_start) const { return lead_.deadline_of(window_start); }
  // Whether killing a task before its replacement runs stays within --max_unavailable.
  bool kill_first_allowed(const PolicyHost& host) const;
  Forecast compute_forecast(const PolicyHost& host) const;
  // Whether the move of `task` waits out its slot's crash-loop backoff: only until its deadline.
  // A failing replacement may be the agent's fault, not the service's, and a move not started by
  // then leaves the task to be taken by the window: one more try costs one launch.
  bool move_backs_off(const PolicyHost& host, const Sleeper& task) const;
  std::string wait_text(MoveWait wait) const;

  Evacuation evacuation_;
  LeadTime lead_;
  std::map<std::string, InverseOfferReply> inverse_offer_replies_;  // by agent id
  std::map<std::string, Time> evacuation_started_;  // agent -> when its window became known
  std::map<std::string, MoveWait> move_waits_;      // by agent
  std::set<std::string> past_deadline_;             // agents whose deadline passed unmoved
  // Agents emptied by a kill-first move: never refilled before their maintenance, or the task
  // would come straight back and be killed again.
  std::set<std::string> vacated_;
  // Agents whose old task waits, its replacement RUNNING, until killing it keeps the budget.
  std::set<std::string> deferred_;
  Forecast forecast_;
  std::optional<Time> last_evacuation_;
  std::optional<Time> max_evacuation_;
};

}  // namespace iof::framework
