// Launching tasks: ACCEPT with LAUNCH and LAUNCH_GROUP. The offers and then each task are
// validated in the master's order and with its messages; a valid task goes to the simulated
// executor (executor.cpp), and what the tasks leave of the offers goes back under the accept's
// filters.
#include <set>

#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::for_framework;
using model::Framework;
using model::jittered;
using model::Task;
namespace text = wire::text;

namespace {

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

}  // namespace

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
  std::vector<model::OfferNumber> numbers;
  for (const auto& id : ids) {
    if (error) {
      break;
    }
    const auto number = outstanding_offer(id);
    if (!number) {
      error = "Offer " + id + " is no longer valid";
    } else if (const auto& owner = offers.at(*number).framework; owner != framework.id) {
      error = "Offer " + id + " has invalid framework " + owner + " while framework " +
              framework.id + " is expected";
    } else {
      numbers.push_back(*number);
    }
  }
  if (!error) {
    const model::Offer& first = offers.at(numbers.front());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string& id = ids[i];
      const model::Offer& offer = offers.at(numbers[i]);
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
      const auto number = outstanding_offer(id);
      if (number && offers.at(*number).framework == framework.id) {
        recover_offer(*number, std::nullopt, now);
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
  const std::size_t agent_index = offers.at(numbers.front()).agent;
  const std::string role = offers.at(numbers.front()).role;
  std::vector<v1::Resource> remaining;
  for (const auto number : numbers) {
    model::Offer offer = std::move(offers.at(number));
    offers.erase(number);
    agents[agent_index].offers.erase(number);
    framework.offers.erase(number);
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
    if (!invalid) {
      invalid = model::invalid_task_policies(task);
    }
    if (!invalid && task.resources_size() == 0) {
      invalid = std::string("Task uses no resources");
    }
    if (!invalid && text::sum({task.resources().begin(), task.resources().end()}, {}).empty()) {
      // Every resource was malformed or empty (Mesos names the first problem; we name none).
      invalid = std::string("Task uses invalid resources: no valid, non-empty resource");
    }
    if (!invalid) {
      invalid = model::invalid_task_containers(task);
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
    if (config.execute && !launched.info.has_executor() && launched.info.has_command()) {
      // A real process runs it; the shell reports TASK_RUNNING once it is started.
      launched.executed = true;
      request_launch(launched);
      return;
    }
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

}  // namespace iof::sim
