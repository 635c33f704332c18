// KILL and RECONCILE: a kill goes to the task's executor (TASK_KILLING first for frameworks that
// take it); a KILL of a task the master does not know is answered by reconciling that task; a
// RECONCILE is answered from what the master knows of each task, or else of its agent.
#include "state.hpp"

namespace iof::sim {

using model::for_framework;
using model::Framework;
using model::jittered;
using model::Task;
using Capability = v1::FrameworkInfo::Capability;

void Cluster::State::kill(Framework& framework, const Call::Kill& kill, Time now) {
  ++counters.messages_kill_task;
  Task* task = this->task(framework.id, kill.task_id().value());
  if (task == nullptr) {
    // The master answers a KILL of a task it does not know by reconciling that task.
    Call::Reconcile reconcile;
    auto* entry = reconcile.add_tasks();
    *entry->mutable_task_id() = kill.task_id();
    if (kill.has_agent_id()) {
      *entry->mutable_agent_id() = kill.agent_id();
    }
    reconcile_tasks(framework, reconcile, now);
    return;
  }
  if (kill.has_agent_id() && kill.agent_id().value() != agents[task->agent].id) {
    return;
  }
  if (model::is_terminal(task->state) || task->killing || agents[task->agent].vanished) {
    return;  // a kill sent to a vanished agent is lost
  }
  executor_kill(model::task_key(framework.id, kill.task_id().value()),
                kill.has_kill_policy() ? &kill.kill_policy() : nullptr, now);
}

void Cluster::State::executor_kill(const std::string& key, const v1::KillPolicy* policy, Time now) {
  Task& task = tasks.at(key);
  task.killing = true;
  const Framework* framework = this->framework(task.framework);
  if (framework != nullptr && framework->has(Capability::TASK_KILLING_STATE)) {
    emit(key, v1::TASK_KILLING, std::nullopt, now);
  }
  if (task.executed) {
    // The command executor's grace period: the KILL's kill_policy, else the task's, else 3 s.
    Duration grace = std::chrono::seconds(3);
    if (policy != nullptr && policy->has_grace_period()) {
      grace = Duration(policy->grace_period().nanoseconds());
    } else if (task.info.has_kill_policy() && task.info.kill_policy().has_grace_period()) {
      grace = Duration(task.info.kill_policy().grace_period().nanoseconds());
    }
    request_kill(task, std::max(Duration::zero(), grace));
    changed();
    return;
  }
  task.next_step = model::Step::killed;
  task.next_step_due = now + jittered(config.kill_latency, config.kill_jitter, config, "kill", key,
                                      agents[task.agent].id);
  schedule_timer(task.next_step_due, model::TimerKind::executor_step, key, ++task.step_generation);
  changed();
}

void Cluster::State::reconcile(Framework& framework, const Call::Reconcile& reconcile, Time now) {
  ++counters.messages_reconcile_tasks;
  reconcile_tasks(framework, reconcile, now);
}

void Cluster::State::reconcile_tasks(Framework& framework, const Call::Reconcile& reconcile,
                                     Time now) {
  const auto latest = [&](const Task& task) {
    // The master knows the state of the update the agent is delivering (its head), which can
    // be behind the executor's latest when the framework has not acknowledged it yet.
    const v1::TaskState state = task.pending.empty() ? task.state : task.pending.front().state();
    v1::TaskStatus status = model::master_status(task.info.task_id().value(), state,
                                                 "Reconciliation: Latest task state",
                                                 v1::TaskStatus::REASON_RECONCILIATION, now);
    status.mutable_agent_id()->set_value(agents[task.agent].id);
    if (!task.history.empty()) {
      *status.mutable_executor_id() = task.history.back().executor_id();
      *status.mutable_container_status() = task.history.back().container_status();
    }
    // A real master answers with the health of the last status it received from the agent (the
    // update in flight, else the last one delivered): Master::reconcile() in upstream
    // src/master/master.cpp passes protobuf::getTaskHealth(*task), which src/common/
    // protobuf_utils.cpp reads from the task's last status. Without it a framework restarted
    // from its state file could never learn that its running tasks are healthy.
    const v1::TaskStatus* last = task.pending.empty()
                                     ? (task.history.empty() ? nullptr : &task.history.back())
                                     : &task.pending.front();
    if (last != nullptr && last->has_healthy()) {
      status.set_healthy(last->healthy());
    }
    return status;
  };
  if (reconcile.tasks_size() == 0) {
    for (const auto& key : framework.tasks) {
      send_master_update(framework, latest(tasks.at(key)));
    }
    return;
  }
  for (const auto& entry : reconcile.tasks()) {
    if (const Task* task = this->task(framework.id, entry.task_id().value())) {
      send_master_update(framework, latest(*task));
      continue;
    }
    // By what the master knows of the agent: registered, unreachable, gone, or nothing (an
    // agent a machine DOWN removed is forgotten).
    v1::TaskState state = v1::TASK_UNKNOWN;
    std::string message = "Reconciliation: Task is unknown";
    std::optional<Time> unreachable_at;
    if (entry.has_agent_id()) {
      if (auto index = agent(entry.agent_id().value())) {
        switch (agents[*index].state) {
          case model::AgentState::registered:
            state = v1::TASK_GONE;
            message = "Reconciliation: Task is unknown to the agent";
            break;
          case model::AgentState::unreachable:
            state = v1::TASK_UNREACHABLE;
            message = "Reconciliation: Task is unreachable";
            unreachable_at = agents[*index].unreachable_at;
            break;
          case model::AgentState::gone:
            state = v1::TASK_GONE_BY_OPERATOR;
            message = "Reconciliation: Task is gone";
            break;
          case model::AgentState::removed:
            break;
        }
      }
    }
    v1::TaskStatus status =
        model::master_status(entry.task_id().value(), for_framework(framework, state), message,
                             v1::TaskStatus::REASON_RECONCILIATION, now);
    if (entry.has_agent_id()) {
      *status.mutable_agent_id() = entry.agent_id();
    }
    if (unreachable_at) {
      *status.mutable_unreachable_time() = model::time_info(*unreachable_at);
    }
    send_master_update(framework, std::move(status));
  }
}

}  // namespace iof::sim
