// Launching a task on an offer, and learning the window of an agent that holds one.
#include "iof/framework/core/calls.hpp"
#include "iof/framework/core/offer_fit.hpp"
#include "iof/framework/core/task_info.hpp"
#include "iof/framework/scheduler_state.hpp"

namespace iof::framework {

using v1::scheduler::Call;

Call SchedulerState::launch(const OfferSummary& offer, const AgentId& replaces,
                            Decision& decision) {
  const std::string& agent = offer.agent_id;
  const std::string id = std::to_string(next_task_id_++);
  decision.log.push_back(
      {"Starting task " + id + " on " + agent + " (" + offer.hostname + ")" +
           (replaces.empty() ? "" : " to replace the task on " + replaces.value()),
       {id, agent}});
  // The policy checked that the offer holds the task, its ports too.
  std::vector<std::uint32_t> ports = offer.ports;
  v1::AgentID agent_id;
  agent_id.set_value(agent);
  v1::TaskInfo task =
      task_info(task_, LaunchPlace{id, "Sleeper Agent " + id, agent_id, role_, ports});

  Sleeper sleeper;
  sleeper.task_id = task.task_id();
  sleeper.slot = slot_for_launch(replaces);
  sleeper.unavailability_start = offer.window_start();
  sleeper.replaces = replaces;
  sleeper.launched_at = now_;
  sleeper.launched_with.set_value(offer.id);
  sleeper.ports = std::move(ports);
  task_policy_->launched(agent, sleeper.unavailability_start, now_);
  tasks_.launch(agent, std::move(sleeper));
  Call accept = call(Call::ACCEPT);
  accept.mutable_accept()->add_offer_ids()->set_value(offer.id);
  auto* operation = accept.mutable_accept()->add_operations();
  operation->set_type(v1::Offer::Operation::LAUNCH);
  *operation->mutable_launch()->add_task_infos() = std::move(task);
  ++counters_.tasks_launched;
  changed();
  return accept;
}

void SchedulerState::learn_window(const std::string& agent_id, std::int64_t start,
                                  Decision& decision) {
  if (!tasks_.learn_window(agent_id, start)) {
    return;
  }
  changed();
  task_policy_->window_changed(agent_id, start, now_);
  if (start == 0) {
    return;  // maintenance cancelled: nothing has to move
  }
  if (rules_.paces_offers) {
    // Offers of other agents were declined for 600 s; without them nothing can move. The facade
    // REVIVEs at the end of the frame if the move may start now, else once it may (the evacuate
    // policy's surge budget), so the log does not promise a REVIVE here.
    const std::string& task = tasks_.sleepers().at(agent_id).task_id.value();
    decision.log.push_back(
        {"Agent " + agent_id + " holding task " + task + " goes into maintenance",
         {task, agent_id}});
  }
}

}  // namespace iof::framework
