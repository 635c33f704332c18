// The simulated command executor: how long its steps take (the configured latency, a seeded
// jitter and a heavy tail), the states it reports (STARTING, RUNNING, KILLING, KILLED, and FAILED
// for an injected failure) and how a draining agent marks its kills. Each report joins the task's
// update stream (status_updates.cpp).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::Framework;
using model::Task;
using Capability = v1::FrameworkInfo::Capability;

namespace model {

namespace {

// splitmix64's finaliser: spreads every input bit over the whole word.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

}  // namespace

// `latency` moved by a draw from [-jitter, +jitter] that depends only on the seed, the step
// ("launch" or "kill"), the task and its agent (FNV-1a over the texts: std::hash may differ
// between builds), never below zero. A `slow` fraction of steps (a heavy tail: an image pull, a
// loaded agent) takes up to `slow_extra` longer, drawn the same way.
Duration jittered(Duration latency, Duration jitter, const Config& config, std::string_view step,
                  std::string_view task_key, std::string_view agent_id) {
  const bool tail = config.slow_step_fraction > 0 && config.slow_step_extra.count() > 0;
  if (jitter.count() <= 0 && !tail) {
    return latency;
  }
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::string_view part : {step, task_key, agent_id}) {
    for (const char c : part) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    hash = (hash ^ 0xffU) * 0x100000001b3ULL;  // a separator no text contains
  }
  const std::uint64_t draw = mix(config.seed ^ mix(hash));
  Duration out = latency;
  if (jitter.count() > 0) {
    const std::uint64_t span = static_cast<std::uint64_t>(jitter.count()) * 2 + 1;
    out += Duration{static_cast<Duration::rep>(draw % span) - jitter.count()};
  }
  if (tail) {
    const std::uint64_t second = mix(draw);
    const double uniform = static_cast<double>(second >> 11U) * 0x1p-53;  // [0, 1)
    if (uniform < config.slow_step_fraction) {
      const std::uint64_t span = static_cast<std::uint64_t>(config.slow_step_extra.count()) + 1;
      out += Duration{static_cast<Duration::rep>(mix(second) % span)};
    }
  }
  return std::max(Duration{0}, out);
}

}  // namespace model

void Cluster::State::emit(const std::string& key, v1::TaskState state,
                          const std::optional<std::string>& message, Time now) {
  Task& task = tasks.at(key);
  const Agent& agent = agents[task.agent];
  if (agent.vanished) {
    return;  // nothing reports from a dead machine
  }
  // A draining agent marks its kills: REASON_AGENT_DRAINING, and TASK_GONE_BY_OPERATOR for
  // partition-aware frameworks when the agent will be marked gone.
  std::optional<v1::TaskStatus::Reason> reason;
  if (agent.drain && (state == v1::TASK_KILLING || state == v1::TASK_KILLED)) {
    reason = v1::TaskStatus::REASON_AGENT_DRAINING;
    const Framework* framework = this->framework(task.framework);
    if (agent.drain->config().mark_gone() && framework != nullptr &&
        framework->has(Capability::PARTITION_AWARE)) {
      state = v1::TASK_GONE_BY_OPERATOR;
    }
  }
  if (model::is_terminal(task.state) && model::is_terminal(state)) {
    return;  // the agent drops a second terminal update for a task
  }
  v1::TaskStatus status;
  *status.mutable_task_id() = task.info.task_id();
  status.set_state(state);
  if (message) {
    status.set_message(*message);
  }
  if (reason) {
    status.set_reason(*reason);
  }
  status.mutable_agent_id()->set_value(agent.id);
  if (task.info.has_executor()) {
    *status.mutable_executor_id() = task.info.executor().executor_id();
  } else {
    status.mutable_executor_id()->set_value(task.info.task_id().value());
  }
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  auto* container = status.mutable_container_status();
  container->add_network_infos()->add_ip_addresses()->set_ip_address(agent.ip);
  container->mutable_container_id()->set_value(task.container_id);
  // The command executor's process, as a real agent reports it; one per task, and the same after
  // a failover since it comes from the container id.
  container->set_executor_pid(
      static_cast<std::uint32_t>(1000 + std::hash<std::string>{}(task.container_id) % 4000000));
  // The command executor marks the end of a task it killed for failing its health check.
  if (model::is_terminal(state) && task.health && task.health->killed) {
    status.set_healthy(false);
  }
  enqueue(key, std::move(status), now);
}

void Cluster::State::enqueue(const std::string& key, v1::TaskStatus status, Time now) {
  Task& task = tasks.at(key);
  status.set_uuid(uuid_bytes());
  status.set_timestamp(model::seconds(now));
  const v1::TaskState state = status.state();
  task.state = state;
  // The master keeps one status per state in a row: a health update replaces the RUNNING
  // before it.
  if (!task.history.empty() && task.history.back().state() == state) {
    task.history.back() = status;
  } else {
    task.history.push_back(status);
  }
  if (model::is_terminal(state)) {
    release(agents[task.agent], task.resources);
    task.resources.clear();
    task.next_step = model::Step::none;
    ++counters.terminal_tasks[state];
  }
  task.pending.push_back(std::move(status));
  if (task.pending.size() == 1) {
    forward(key, now);
  }
  changed();
}

void Cluster::State::executor_step(const std::string& key, std::uint64_t generation, Time now) {
  auto found = tasks.find(key);
  if (found == tasks.end() || found->second.step_generation != generation) {
    return;
  }
  Task& task = found->second;
  const model::Step step = task.next_step;
  task.next_step = model::Step::none;
  if (step == model::Step::running) {
    emit(key, v1::TASK_RUNNING, std::nullopt, now);
    start_health_checks(key, now);
  } else if (step == model::Step::killed) {
    emit(key, v1::TASK_KILLED, std::string("Command terminated with signal Terminated"), now);
  }
}

Result<void> Cluster::fail_task(const std::string& framework_id, const std::string& task_id,
                                Time now) {
  State& s = *state_;
  Task* task = s.task(framework_id, task_id);
  if (task == nullptr || model::is_terminal(task->state)) {
    return Error{"No running task '" + task_id + "' of framework '" + framework_id + "'"};
  }
  if (s.agents[task->agent].vanished) {
    return Error{"Task '" + task_id + "' of framework '" + framework_id +
                 "' is on a disconnected agent"};
  }
  ++task->step_generation;  // whatever the executor was about to report, it will not
  task->next_step = model::Step::none;
  if (task->executed) {
    s.request_kill(*task, Duration::zero());  // the real process goes; its exit is not reported
  }
  s.emit(model::task_key(framework_id, task_id), v1::TASK_FAILED,
         std::string("Command exited with status 1"), now);
  return {};
}

}  // namespace iof::sim
