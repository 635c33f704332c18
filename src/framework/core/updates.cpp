// Status updates: acknowledged, answered to reconciliation, and applied to the task they name,
// with the seed's own rules for what counts as a lost task.
#include "iof/framework/core/calls.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/task_state.hpp"

namespace iof::framework {

using v1::scheduler::Call;

Decision SchedulerState::update(const v1::TaskStatus& status) {
  Decision decision;
  decision.log.push_back({"Task " + status.task_id().value() + " is in state " +
                              v1::TaskState_Name(status.state()) +
                              (status.has_message() ? " with message: " + status.message() : ""),
                          subject_of(status)});
  if (status.has_uuid() && framework_id_) {
    Call ack = call(Call::ACKNOWLEDGE);
    *ack.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
    *ack.mutable_acknowledge()->mutable_task_id() = status.task_id();
    ack.mutable_acknowledge()->set_uuid(status.uuid());
    decision.calls.push_back(std::move(ack));
  }
  if (status.reason() == v1::TaskStatus::REASON_RECONCILIATION ||
      reconciler_.asking(status.task_id().value())) {
    reconciled(status, decision);
  }
  if (wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN) {
    kills_.done(status.task_id().value());
  }
  if (adopt_or_kill(status, decision)) {
    return decision;
  }
  std::string agent = status.agent_id().value();
  bool known = false;
  const auto place = tasks_.find(status.task_id().value());
  if (rules_.matches_updates_by_task) {
    // Master-generated updates may lack the agent; the task id says where the sleeper was.
    if (place) {
      agent = place->agent;
      known = true;
    }
  } else {
    known = tasks_.sleepers().contains(agent) || tasks_.migrating().contains(agent);
  }
  if (known && place && place->agent == agent) {
    const auto& map = place->migrating ? tasks_.migrating() : tasks_.sleepers();
    forget_unseen_launch(map.at(agent), status, decision);
    if (!place->migrating) {
      // While the book still says since when it was ready.
      note_crash(map.at(agent), status, decision);
    }
    tasks_.set_state(status.task_id().value(), status.state());
    tasks_.set_health(status.task_id().value(),
                      status.has_healthy() ? std::optional(status.healthy()) : std::nullopt,
                      task_.health_check.has_value(), now_);
  }
  if (known && task_policy_->update(*this, status, agent, decision)) {
    return decision;
  }
  if (known && tasks_.migrating().contains(agent) && status.state() == v1::TASK_KILLED) {
    ++counters_.sleepers_killed;
    tasks_.remove_migrating(agent);
    changed();
    return decision;
  }
  // TASK_UNKNOWN only ever answers reconciliation: the master has no such task any more.
  const bool lost = rules_.seed_loss_rule
                        ? (status.state() == v1::TASK_FINISHED || status.state() == v1::TASK_LOST ||
                           status.state() == v1::TASK_FAILED || status.state() == v1::TASK_ERROR ||
                           status.state() == v1::TASK_KILLED)
                        : wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN;
  // The seed counts every such update, of tasks it no longer knows too.
  if (lost && (known || rules_.seed_loss_rule)) {
    ++counters_.sleepers_lost_abnormally;
  }
  if (lost && known) {
    tasks_.remove_sleeper(agent);
    tasks_.remove_migrating(agent);
    changed();  // a slot opened: the facade revives offers
  }
  return decision;
}

// A LAUNCH the master never saw (reconciliation says the task is unknown or lost before anything
// was heard of it) leaves its offer outstanding at the master: decline it, or its resources are
// held until the offer times out, which by default is never.
void SchedulerState::forget_unseen_launch(const Sleeper& sleeper, const v1::TaskStatus& status,
                                          Decision& decision) const {
  const bool never_heard = sleeper.state == v1::TASK_STAGING && sleeper.launched_at.count() > 0;
  const bool unknown = status.reason() == v1::TaskStatus::REASON_RECONCILIATION &&
                       (wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN);
  if (!never_heard || !unknown || sleeper.launched_with.value().empty()) {
    return;
  }
  decision.log.push_back({"The master never saw the LAUNCH of task " + sleeper.task_id.value() +
                              "; declining its offer " + sleeper.launched_with.value(),
                          subject_of(status)});
  Call decline = call(Call::DECLINE);
  *decline.mutable_decline()->add_offer_ids() = sleeper.launched_with;
  decision.calls.push_back(std::move(decline));
}

}  // namespace iof::framework
