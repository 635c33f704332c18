// Tasks: ACCEPT with LAUNCH validated like the master, the simulated command executor, the
// agent's status update stream (one unacknowledged update per task, resent with backoff), KILL,
// ACKNOWLEDGE and RECONCILE.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <string_view>

#include "iof/wire/mesos_text.hpp"

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::Framework;
using model::Task;
namespace text = wire::text;
using Capability = v1::FrameworkInfo::Capability;

namespace {

constexpr Duration max_retry_interval = std::chrono::minutes(10);

// splitmix64's finaliser: spreads every input bit over the whole word.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

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

std::optional<std::string> validate_task_id(const std::string& id) {
  if (id.empty()) {
    return std::string("ID must not be empty");
  }
  if (id.size() > 255) {
    return std::string("ID must not be greater than 255 characters");
  }
  if (id == "." || id == "..") {
    return "'" + id + "' is disallowed";
  }
  for (const char c : id) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return "'" + id + "' contains invalid characters";
    }
  }
  return std::nullopt;
}

v1::TaskState for_framework(const Framework& framework, v1::TaskState state) {
  // Only partition-aware frameworks learn the newer states.
  if (framework.has(Capability::PARTITION_AWARE)) {
    return state;
  }
  switch (state) {
    case v1::TASK_DROPPED:
    case v1::TASK_UNREACHABLE:
    case v1::TASK_GONE:
    case v1::TASK_GONE_BY_OPERATOR:
    case v1::TASK_UNKNOWN:
      return v1::TASK_LOST;
    default:
      return state;
  }
}

}  // namespace

void Cluster::State::send_master_update(Framework& framework, v1::TaskStatus status) {
  Event event;
  event.set_type(Event::UPDATE);
  *event.mutable_update()->mutable_status() = std::move(status);
  send_to(framework, std::move(event));
}

// ---- ACCEPT ------------------------------------------------------------------------------------

void Cluster::State::accept(Framework& framework, const Call::Accept& accept, Time now) {
  ++counters.messages_launch_tasks;

  // The offers, checked in the master's order; the first problem wins.
  std::optional<std::string> error;
  std::vector<std::string> ids;
  if (accept.offer_ids_size() == 0) {
    error = "No offers specified";
  }
  std::set<std::string> seen;
  for (const auto& id : accept.offer_ids()) {
    if (!error && !seen.insert(id.value()).second) {
      error = "Duplicate offer " + id.value() + " in offer list";
    }
    ids.push_back(id.value());
  }
  for (const auto& id : ids) {
    if (error) {
      break;
    }
    auto found = offers.find(id);
    if (found == offers.end()) {
      error = "Offer " + id + " is no longer valid";
    } else if (found->second.framework != framework.id) {
      error = "Offer " + id + " has invalid framework " + found->second.framework +
              " while framework " + framework.id + " is expected";
    }
  }
  if (!error) {
    const model::Offer& first = offers.at(ids.front());
    for (const auto& id : ids) {
      const model::Offer& offer = offers.at(id);
      if (offer.role != first.role) {
        error = "Aggregated offers must be allocated to the same role. Offer " + id +
                " uses role '" + offer.role + " but another is using role '" + first.role;
        break;
      }
      if (offer.agent != first.agent) {
        error = "Aggregated offers must belong to one single agent. Offer " + id + " uses agent " +
                agents[offer.agent].id + " and agent " + agents[first.agent].id;
        break;
      }
    }
  }

  if (error) {
    for (const auto& id : seen) {
      auto found = offers.find(id);
      if (found != offers.end() && found->second.framework == framework.id) {
        recover_offer(id, std::nullopt, now);
      }
    }
    const auto lost = for_framework(framework, v1::TASK_DROPPED);
    for (const auto& operation : accept.operations()) {
      std::vector<const v1::TaskInfo*> launched;
      for (const auto& task : operation.launch().task_infos()) {
        launched.push_back(&task);
      }
      for (const auto& task : operation.launch_group().task_group().tasks()) {
        launched.push_back(&task);
      }
      for (const auto* task : launched) {
        v1::TaskStatus status = model::master_status(task->task_id().value(), lost,
                                                     "Task launched with invalid offers: " + *error,
                                                     v1::TaskStatus::REASON_INVALID_OFFERS, now);
        *status.mutable_agent_id() = task->agent_id();
        ++counters.terminal_tasks[lost];
        send_master_update(framework, std::move(status));
      }
    }
    return;
  }

  // Take the offers out; what the tasks do not use goes back under the accept's filters.
  const std::size_t agent_index = offers.at(ids.front()).agent;
  const std::string role = offers.at(ids.front()).role;
  std::vector<v1::Resource> remaining;
  for (const auto& id : ids) {
    model::Offer offer = std::move(offers.at(id));
    offers.erase(id);
    agents[agent_index].offers.erase(id);
    framework.offers.erase(id);
    remaining = text::sum(remaining, offer.resources);
  }
  ++counters.offers_accepted;
  Agent& agent = agents[agent_index];

  const auto launch = [&](const v1::TaskInfo& task, const v1::ExecutorInfo* group_executor,
                          bool& executor_charged) {
    const std::string& id = task.task_id().value();
    std::optional<std::string> invalid = validate_task_id(id);
    if (!invalid && tasks.contains(model::task_key(framework.id, id))) {
      invalid = "Task has duplicate ID: " + id;
    }
    if (!invalid && task.agent_id().value() != agent.id) {
      invalid = "Task uses invalid agent " + task.agent_id().value() + " while agent " + agent.id +
                " is expected";
    }
    if (!invalid && task.resources_size() == 0) {
      invalid = std::string("Task uses no resources");
    }
    if (!invalid && text::sum({task.resources().begin(), task.resources().end()}, {}).empty()) {
      // Every resource was malformed or empty (Mesos names the first problem; we name none).
      invalid = std::string("Task uses invalid resources: no valid, non-empty resource");
    }
    if (!invalid && group_executor == nullptr && task.has_command() == task.has_executor()) {
      invalid = std::string(
          "Task should have at least one (but not both) of CommandInfo or "
          "ExecutorInfo present");
    }
    std::vector<v1::Resource> needed(task.resources().begin(), task.resources().end());
    const v1::ExecutorInfo* executor = group_executor != nullptr ? group_executor
                                       : task.has_executor()     ? &task.executor()
                                                                 : nullptr;
    if (executor != nullptr && !executor_charged) {
      needed = text::sum(needed, {executor->resources().begin(), executor->resources().end()});
    }
    if (!invalid && !text::contains(remaining, needed)) {
      invalid = "Total resources " + text::format_resources(text::sum(needed, {})) +
                " required by task and its executor is more than available " +
                text::format_resources(remaining);
    }
    if (invalid) {
      v1::TaskStatus status = model::master_status(id, v1::TASK_ERROR, *invalid,
                                                   v1::TaskStatus::REASON_TASK_INVALID, now);
      *status.mutable_agent_id() = task.agent_id();
      ++counters.terminal_tasks[v1::TASK_ERROR];
      send_master_update(framework, std::move(status));
      return;
    }
    if (executor != nullptr) {
      executor_charged = true;
    }
    auto left = text::difference(remaining, needed);
    remaining = left ? std::move(*left) : std::vector<v1::Resource>{};

    const std::string key = model::task_key(framework.id, id);
    Task& launched = tasks[key];
    launched.framework = framework.id;
    launched.agent = agent_index;
    launched.info = task;
    if (group_executor != nullptr) {
      *launched.info.mutable_executor() = *group_executor;
    }
    launched.role = role;
    launched.resources = text::sum(needed, {});
    launched.retry_interval = config.status_update_retry;
    launched.container_id = uuid_text();
    framework.tasks.insert(key);
    agent.tasks.insert(key);
    ++counters.tasks_launched;
    if (agent.vanished) {
      // The master sends the task to an agent that is no longer there: it stays STAGING.
      return;
    }
    // The agent hands the task to its executor, which reports STARTING at once and RUNNING
    // once the process is up.
    emit(key, v1::TASK_STARTING, std::nullopt, now);
    launched.next_step = model::Step::running;
    launched.next_step_due = now + jittered(config.launch_latency, config.launch_jitter, config,
                                            "launch", key, agent.id);
    schedule_timer(launched.next_step_due, model::TimerKind::executor_step, key,
                   ++launched.step_generation);
  };

  for (const auto& operation : accept.operations()) {
    if (operation.type() == v1::Offer::Operation::LAUNCH) {
      for (const auto& task : operation.launch().task_infos()) {
        bool charged = false;
        launch(task, nullptr, charged);
      }
    } else if (operation.type() == v1::Offer::Operation::LAUNCH_GROUP) {
      bool charged = false;
      for (const auto& task : operation.launch_group().task_group().tasks()) {
        launch(task, &operation.launch_group().executor(), charged);
      }
    }
    // Reservations, volumes and disks are not modelled: those operations change nothing.
  }
  release(agent, remaining);
  if (!remaining.empty()) {
    // Without `filters` the proto default applies: Filters{refuse_seconds: 5}.
    install_filter(framework, role, agent_index, std::move(remaining), accept.filters(), now);
  }
  changed();
}

// ---- The simulated executor and the agent's update stream --------------------------------------

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
  status.set_timestamp(model::seconds(now));
  if (task.info.has_executor()) {
    *status.mutable_executor_id() = task.info.executor().executor_id();
  } else {
    status.mutable_executor_id()->set_value(task.info.task_id().value());
  }
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_uuid(uuid_bytes());
  auto* container = status.mutable_container_status();
  container->add_network_infos()->add_ip_addresses()->set_ip_address(agent.ip);
  container->mutable_container_id()->set_value(task.container_id);
  // The command executor's process, as a real agent reports it; one per task, and the same after
  // a failover since it comes from the container id.
  container->set_executor_pid(
      static_cast<std::uint32_t>(1000 + std::hash<std::string>{}(task.container_id) % 4000000));

  task.state = state;
  task.history.push_back(status);
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

void Cluster::State::forward(const std::string& key, Time now) {
  Task& task = tasks.at(key);
  if (agents[task.agent].vanished) {
    return;  // the agent, which resends, is gone
  }
  if (Framework* framework = this->framework(task.framework)) {
    Event event;
    event.set_type(Event::UPDATE);
    *event.mutable_update()->mutable_status() = task.pending.front();
    send_to(*framework, std::move(event));
  }
  schedule_timer(now + task.retry_interval, model::TimerKind::update_retry, key,
                 ++task.retry_generation);
}

void Cluster::State::retry_update(const std::string& key, std::uint64_t generation, Time now) {
  auto found = tasks.find(key);
  if (found == tasks.end() || found->second.retry_generation != generation ||
      found->second.pending.empty()) {
    return;
  }
  Task& task = found->second;
  task.retry_interval = std::min(task.retry_interval * 2, max_retry_interval);
  forward(key, now);
  // forward() scheduled the next resend from the doubled interval; the backoff starts from
  // the configured first interval again after an ACK.
}

void Cluster::State::resume_updates(Framework& framework, Time now) {
  for (const auto& key : framework.tasks) {
    Task& task = tasks.at(key);
    if (!task.pending.empty()) {
      forward(key, now);
    }
  }
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
  } else if (step == model::Step::killed) {
    emit(key, v1::TASK_KILLED, std::string("Command terminated with signal Terminated"), now);
  }
}

void Cluster::State::forget_task(const std::string& key, v1::TaskState final_state) {
  auto found = tasks.find(key);
  if (found == tasks.end()) {
    return;
  }
  Task& task = found->second;
  if (!model::is_terminal(task.state)) {
    ++counters.terminal_tasks[final_state];
  }
  release(agents[task.agent], task.resources);
  agents[task.agent].tasks.erase(key);
  if (Framework* framework = this->framework(task.framework)) {
    framework->tasks.erase(key);
  }
  complete(std::move(task));
  tasks.erase(found);
  changed();
}

void Cluster::State::complete(model::Task task) {
  auto& finished = completed_tasks[task.framework];
  task.pending.clear();
  finished.push_back(std::move(task));
  if (finished.size() > max_completed_tasks_per_framework) {
    finished.pop_front();
  }
}

wire::Result<void> Cluster::fail_task(const std::string& framework_id, const std::string& task_id,
                                      Time now) {
  State& s = *state_;
  Task* task = s.task(framework_id, task_id);
  if (task == nullptr || model::is_terminal(task->state)) {
    return wire::Error{"No running task '" + task_id + "' of framework '" + framework_id + "'"};
  }
  if (s.agents[task->agent].vanished) {
    return wire::Error{"Task '" + task_id + "' of framework '" + framework_id +
                       "' is on a disconnected agent"};
  }
  ++task->step_generation;  // whatever the executor was about to report, it will not
  task->next_step = model::Step::none;
  s.emit(model::task_key(framework_id, task_id), v1::TASK_FAILED,
         std::string("Command exited with status 1"), now);
  return {};
}

// ---- KILL, ACKNOWLEDGE, RECONCILE --------------------------------------------------------------

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
  task->killing = true;
  const std::string key = model::task_key(framework.id, kill.task_id().value());
  if (framework.has(Capability::TASK_KILLING_STATE)) {
    emit(key, v1::TASK_KILLING, std::nullopt, now);
  }
  task->next_step = model::Step::killed;
  task->next_step_due = now + jittered(config.kill_latency, config.kill_jitter, config, "kill", key,
                                       agents[task->agent].id);
  schedule_timer(task->next_step_due, model::TimerKind::executor_step, key,
                 ++task->step_generation);
  changed();
}

void Cluster::State::acknowledge(Framework& framework, const Call::Acknowledge& ack, Time now) {
  ++counters.messages_status_update_acknowledgement;
  const std::string key = model::task_key(framework.id, ack.task_id().value());
  const auto agent_index = agent(ack.agent_id().value());
  // After every acknowledgement it passes to a registered agent, the master checks whether the
  // agent has finished draining.
  const auto check = [&] {
    if (agent_index) {
      check_drained(*agent_index, now);
    }
  };
  auto found = tasks.find(key);
  if (found == tasks.end() || agents[found->second.agent].id != ack.agent_id().value() ||
      !agents[found->second.agent].registered() || found->second.pending.empty() ||
      found->second.pending.front().uuid() != ack.uuid()) {
    ++counters.invalid_status_update_acknowledgements;
    check();
    return;
  }
  ++counters.valid_status_update_acknowledgements;
  Task& task = found->second;
  task.pending.pop_front();
  task.retry_interval = config.status_update_retry;
  ++task.retry_generation;
  if (!task.pending.empty()) {
    forward(key, now);
  } else if (model::is_terminal(task.state)) {
    // The terminal update is acknowledged: the master forgets the task.
    forget_task(key, task.state);
  }
  check();
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
