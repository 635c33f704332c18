// The ready budget: the framework's own KILLs never take the tasks it knows to be ready below
// N - max_unavailable. Ready is RUNNING and, with a health check, healthy by the latest result,
// for --min_ready_time. Each task's first KILL is judged as it leaves, by what this framework
// process had been told by then: losses it did not cause or had not heard of (failures, DOWN,
// agents gone, health flaps) are not its doing. The policy's defined exception is a move forced
// by its deadline (issue 15 item 2: the replacement not ready, counted as unready_at_deadline;
// or losses elsewhere left the fleet short), counted apart.
#include <fmt/format.h>

#include "iof/wire/task_state.hpp"

#include "world.hpp"

namespace iof::simulation {

void World::note_told(const v1::scheduler::Event& event) {
  if (event.type() == v1::scheduler::Event::FAILURE && event.failure().has_agent_id() &&
      !event.failure().has_executor_id()) {
    // The agent is gone, and the framework gives up its tasks there.
    std::erase_if(told_ready_, [&](const auto& entry) {
      return entry.second.agent == event.failure().agent_id().value();
    });
    return;
  }
  if (event.type() != v1::scheduler::Event::UPDATE) {
    return;
  }
  const auto& status = event.update().status();
  if (wire::is_terminal(status.state())) {
    told_ready_.erase(status.task_id().value());
    return;
  }
  Told& task = told_ready_[status.task_id().value()];
  task.state = status.state();
  if (status.has_agent_id()) {
    task.agent = status.agent_id().value();
  }
  // An update that says nothing of health keeps the last result, as the framework does.
  if (status.has_healthy()) {
    task.healthy = status.healthy();
  }
  const bool ready =
      task.state == v1::TASK_RUNNING && (!scenario_.health_check || task.healthy.value_or(false));
  if (!ready) {
    task.ready_since.reset();
  } else if (!task.ready_since) {
    task.ready_since = now_;
  }
}

bool World::told_ready(const Told& task) const {
  return task.ready_since && now_ - *task.ready_since >= scenario_.min_ready_time;
}

void World::check_ready_kill(const std::string& task_id) {
  if (!reached_n_ || scenario_.policy != framework::Policy::evacuate ||
      !judged_kills_.insert(task_id).second) {
    return;  // the other policies kill first; a retry was judged with the first KILL
  }
  const auto killed = told_ready_.find(task_id);
  if (killed == told_ready_.end() || !told_ready(killed->second)) {
    return;  // not ready: killing it takes no capacity the framework counts
  }
  std::size_t others = 0;
  for (const auto& [id, task] : told_ready_) {
    // A task whose KILL already left is going, whatever it last said.
    others += id != task_id && !judged_kills_.contains(id) && told_ready(task) ? 1U : 0U;
  }
  const std::size_t floor =
      scenario_.tasks > scenario_.max_unavailable ? scenario_.tasks - scenario_.max_unavailable : 0;
  if (others >= floor) {
    return;
  }
  if (window_due(killed->second.agent)) {
    ++result_.deadline_kills_below_ready_budget;
    return;
  }
  violated(fmt::format(
      "the KILL of ready task {} leaves {} ready (RUNNING{}{}), below N - max_unavailable = {}, "
      "and its agent's window is not due within the lead time",
      task_id, others, scenario_.health_check ? ", healthy" : "",
      scenario_.min_ready_time > Time{0}
          ? fmt::format(
                " for {} s",
                std::chrono::duration_cast<std::chrono::seconds>(scenario_.min_ready_time).count())
          : std::string(),
      floor));
}

}  // namespace iof::simulation
