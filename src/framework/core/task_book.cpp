// The task book: every change to the sleepers and the tasks being moved, with the index by task id
// kept in step.
#include "iof/framework/core/task_book.hpp"

#include <algorithm>
#include <utility>

namespace iof::framework {

std::optional<TaskBook::Place> TaskBook::find(const std::string& task_id) const {
  if (const auto found = by_task_.find(task_id); found != by_task_.end()) {
    return found->second;
  }
  return std::nullopt;
}

std::vector<bool> TaskBook::filled_slots(std::uint32_t count) const {
  std::vector<bool> filled(count, false);
  for (std::uint32_t slot = 0; slot < count && slot < slot_holders_.size(); ++slot) {
    filled[slot] = slot_holders_[slot] > 0;
  }
  return filled;
}

std::uint32_t TaskBook::lowest_free_slot() const {
  const auto free = std::find(slot_holders_.begin(), slot_holders_.end(), 0U);
  return static_cast<std::uint32_t>(free - slot_holders_.begin());
}

void TaskBook::restore(const std::map<std::string, Sleeper>& sleepers,
                       const std::map<std::string, Sleeper>& migrating) {
  clear();
  for (const auto& [agent, sleeper] : sleepers) {
    place(false, agent, sleeper);
  }
  for (const auto& [agent, sleeper] : migrating) {
    place(true, agent, sleeper);
  }
}

void TaskBook::clear() {
  sleepers_.clear();
  migrating_.clear();
  by_task_.clear();
  windowed_.clear();
  staging_.clear();
  replacing_.clear();
  unmeasured_.clear();
  replacers_.clear();
  states_.clear();
  slot_holders_.clear();
  unmeasured_ready_.clear();
  ready_since_.clear();
  replacements_ = 0;
}

std::size_t TaskBook::in_state(v1::TaskState state) const {
  const auto found = states_.find(state);
  return found == states_.end() ? 0 : found->second;
}

void TaskBook::unindex(const std::string& agent, const Sleeper& sleeper) {
  windowed_.erase(agent);
  staging_.erase({sleeper.launched_at, agent});
  replacing_.erase(agent);
  unmeasured_.erase(agent);
  if (sleeper.ready_since) {
    unmeasured_ready_.erase({*sleeper.ready_since, agent});
  }
  if (auto count = states_.find(sleeper.state); count != states_.end() && --count->second == 0) {
    states_.erase(count);
  }
  if (sleeper.slot < slot_holders_.size()) {
    --slot_holders_[sleeper.slot];
  }
  if (sleeper.state == v1::TASK_RUNNING && sleeper.ready_since) {
    ready_since_.erase({*sleeper.ready_since, agent});
  }
  if (!sleeper.replaces.empty()) {
    --replacements_;
    if (auto replaced = replacers_.find(sleeper.replaces.value()); replaced != replacers_.end()) {
      replaced->second.erase(agent);
      if (replaced->second.empty()) {
        replacers_.erase(replaced);
      }
    }
  }
}

void TaskBook::index(const std::string& agent, const Sleeper& sleeper) {
  if (sleeper.unavailability_start > 0) {
    windowed_.insert(agent);
  }
  if (sleeper.launched_at.count() > 0) {
    if (sleeper.state == v1::TASK_STAGING) {
      staging_.emplace(sleeper.launched_at, agent);
    } else if (sleeper.state == v1::TASK_RUNNING) {
      unmeasured_.insert(agent);
      if (sleeper.ready_since) {
        unmeasured_ready_.emplace(*sleeper.ready_since, agent);
      }
    }
  }
  ++states_[sleeper.state];
  if (sleeper.slot >= slot_holders_.size()) {
    slot_holders_.resize(std::size_t{sleeper.slot} + 1, 0);
  }
  ++slot_holders_[sleeper.slot];
  if (sleeper.state == v1::TASK_RUNNING && sleeper.ready_since) {
    ready_since_.emplace(*sleeper.ready_since, agent);
  }
  if (!sleeper.replaces.empty()) {
    ++replacements_;
    replacing_.insert(agent);
    replacers_[sleeper.replaces.value()].insert(agent);
  }
}

template <typename Change>
void TaskBook::change_sleeper(const std::string& agent, const Change& change) {
  const auto found = sleepers_.find(agent);
  if (found == sleepers_.end()) {
    return;
  }
  unindex(agent, found->second);
  change(found->second);
  index(agent, found->second);
}

void TaskBook::launch(const std::string& agent, Sleeper sleeper) {
  place(false, agent, std::move(sleeper));
}

void TaskBook::adopt(const std::string& agent, const v1::TaskID& task_id, v1::TaskState state,
                     std::int64_t window_start) {
  Sleeper adopted;
  adopted.task_id = task_id;
  adopted.slot = lowest_free_slot();
  adopted.state = state;
  adopted.unavailability_start = window_start;
  place(false, agent, std::move(adopted));
}

void TaskBook::set_state(const std::string& task_id, v1::TaskState state) {
  const auto found = by_task_.find(task_id);
  if (found == by_task_.end()) {
    return;
  }
  if (found->second.migrating) {
    migrating_.at(found->second.agent).state = state;
  } else {
    change_sleeper(found->second.agent, [&](Sleeper& sleeper) { sleeper.state = state; });
  }
}

void TaskBook::set_health(const std::string& task_id, std::optional<bool> healthy, bool checked,
                          Time now) {
  const auto found = by_task_.find(task_id);
  if (found == by_task_.end()) {
    return;
  }
  const auto change = [&](Sleeper& task) {
    // An update that says nothing of health (a reconciliation answer, a state change) keeps the
    // last result: checkers report a pass only when health changes, so forgetting it would leave
    // a healthy task unready for good.
    if (healthy) {
      task.healthy = healthy;
    }
    const bool ready = task.state == v1::TASK_RUNNING && (!checked || task.healthy.value_or(false));
    if (!ready) {
      task.ready_since.reset();
    } else if (!task.ready_since) {
      task.ready_since = now;
    }
  };
  if (found->second.migrating) {
    change(migrating_.at(found->second.agent));
  } else {
    change_sleeper(found->second.agent, change);
  }
}

bool TaskBook::learn_window(const std::string& agent, std::int64_t start) {
  const auto found = sleepers_.find(agent);
  if (found == sleepers_.end() || found->second.unavailability_start == start) {
    return false;
  }
  change_sleeper(agent, [&](Sleeper& sleeper) { sleeper.unavailability_start = start; });
  if (start > 0) {
    ++windows_learnt_;
  }
  return true;
}

Time TaskBook::take_launched_at(const std::string& agent) {
  Time launched_at{0};
  change_sleeper(
      agent, [&](Sleeper& sleeper) { launched_at = std::exchange(sleeper.launched_at, Time{0}); });
  return launched_at;
}

void TaskBook::start_moving(const std::string& agent, Time kill_sent_at, AgentId retired_for) {
  const auto found = sleepers_.find(agent);
  if (found == sleepers_.end()) {
    return;
  }
  Sleeper moving = found->second;
  moving.kill_sent_at = kill_sent_at;
  moving.retired_for = std::move(retired_for);
  place(true, agent, std::move(moving));  // leaves the sleepers: a task is in one place
}

void TaskBook::replacement_done(const std::string& agent) {
  change_sleeper(agent, [](Sleeper& sleeper) { sleeper.replaces = AgentId(); });
}

void TaskBook::keep(const std::string& agent) {
  const auto found = migrating_.find(agent);
  if (found == migrating_.end()) {
    return;
  }
  Sleeper back = found->second;
  const AgentId replacement = std::exchange(back.retired_for, AgentId());
  back.kill_sent_at = Time{0};
  place(false, agent, std::move(back));
  change_sleeper(replacement.value(), [&](Sleeper& linked) { linked.replaces = AgentId(agent); });
}

bool TaskBook::remove_sleeper(const std::string& agent) {
  return remove(false, agent);
}

bool TaskBook::remove_migrating(const std::string& agent) {
  return remove(true, agent);
}

void TaskBook::place(bool migrating, const std::string& agent, Sleeper sleeper) {
  const std::string task_id = sleeper.task_id.value();
  if (const auto known = by_task_.find(task_id); known != by_task_.end()) {
    auto& old_map = map_of(known->second.migrating);
    if (const auto old = old_map.find(known->second.agent); old != old_map.end()) {
      if (!known->second.migrating) {
        unindex(old->first, old->second);
      }
      old_map.erase(old);
    }
    by_task_.erase(known);
  }
  auto& map = map_of(migrating);
  if (const auto previous = map.find(agent); previous != map.end()) {
    if (!migrating) {
      unindex(agent, previous->second);
    }
    by_task_.erase(previous->second.task_id.value());
  }
  if (!migrating) {
    index(agent, sleeper);
  }
  map.insert_or_assign(agent, std::move(sleeper));
  by_task_.insert_or_assign(task_id, Place{agent, migrating});
}

bool TaskBook::remove(bool migrating, const std::string& agent) {
  auto& map = map_of(migrating);
  const auto found = map.find(agent);
  if (found == map.end()) {
    return false;
  }
  by_task_.erase(found->second.task_id.value());
  if (!migrating) {
    unindex(agent, found->second);
  }
  map.erase(found);
  if (!migrating) {
    // The task a replacement was started for is gone: the replacement is now simply a task.
    if (const auto replaced = replacers_.find(agent); replaced != replacers_.end()) {
      const std::set<std::string> replacements = replaced->second;
      for (const auto& replacement : replacements) {
        change_sleeper(replacement, [](Sleeper& sleeper) { sleeper.replaces = AgentId(); });
      }
    }
  }
  return true;
}

}  // namespace iof::framework
