// The operator's maintenance: windows posted, moved and cancelled at random, machines taken
// DOWN at a window's start and brought UP at its end, through the master's own endpoints.
#include <algorithm>

#include <fmt/format.h>

#include "describe.hpp"
#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;

namespace {

std::string machine_json(const sim::Cluster::AgentSummary& agent) {
  return fmt::format(R"({{"hostname":"{}","ip":"{}"}})", agent.hostname, agent.ip);
}

}  // namespace

bool World::post_schedule() {
  const auto known = agents();
  std::string body = R"({"windows":[)";
  bool first = true;
  for (const auto& window : windows_) {
    if (window.ended) {
      continue;
    }
    std::string machines;
    for (const auto& agent_id : window.agents) {
      for (const auto& agent : known) {
        if (agent.id == agent_id) {
          machines += (machines.empty() ? "" : ",") + machine_json(agent);
        }
      }
    }
    const auto start = std::chrono::duration_cast<std::chrono::nanoseconds>(window.start).count();
    body += fmt::format(
        R"({}{{"machine_ids":[{}],"unavailability":{{"start":{{"nanoseconds":{}}},"duration":{{"nanoseconds":{}}}}}}})",
        first ? "" : ",", machines, start, window.duration.count());
    first = false;
  }
  body += "]}";
  return operator_call("/maintenance/schedule", body).status == 200;
}

// Agents that hold no task of ours, are up, and would take a task moved off `window`'s machines:
// no window of their own before that one ends.
std::size_t World::spare_agents(const Window& window) const {
  return spare_agent_ids(window).size();
}

std::vector<std::string> World::spare_agent_ids(const Window& window) const {
  const Master& master = masters_[leader_];
  if (!master.up) {
    return {};
  }
  const auto& cluster = master.service->cluster();
  std::set<std::string> used;
  for (const auto& task : cluster.task_summaries(framework_id())) {
    used.insert(task.agent_id);
  }
  std::vector<std::string> spare;
  for (const auto& agent : cluster.agent_summaries()) {
    const bool in_window =
        std::find(window.agents.begin(), window.agents.end(), agent.id) != window.agents.end();
    const bool later_or_none =
        !agent.window_start || *agent.window_start >= window.start + window.duration;
    if (agent.registered && !agent.vanished && !agent.deactivated && !agent.draining &&
        !in_window && later_or_none && !used.contains(agent.id)) {
      spare.push_back(agent.id);
    }
  }
  return spare;
}

void World::new_window() {
  std::set<std::string> planned;
  for (const auto& window : windows_) {
    if (!window.ended) {
      planned.insert(window.agents.begin(), window.agents.end());
    }
  }
  std::vector<std::string> candidates;
  for (const auto& agent : agents()) {
    if (agent.registered && !agent.vanished && agent.mode == v1::MachineInfo::UP &&
        !planned.contains(agent.id)) {
      candidates.push_back(agent.id);
    }
  }
  if (candidates.empty()) {
    return;
  }
  Window window;
  const auto size = 1 + draw(std::min<std::size_t>(3, candidates.size()));
  for (std::size_t i = 0; i < size; ++i) {
    const auto pick = draw(candidates.size());
    window.agents.push_back(candidates[pick]);
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  window.start = now_ + between(0s, 40min);
  window.latest_start = window.start;
  window.duration = between(2min, 30min);
  window.posted = now_;
  window.no_spare_at = spare_agents(window) == 0 ? now_ : Time{0};
  windows_.push_back(window);
  if (!post_schedule()) {
    windows_.pop_back();
    return;
  }
  trace(fmt::format("maintenance posted for {} agent(s) from {} at {} for {} s",
                    window.agents.size(), window.agents.front(), clock_text(window.start - start_),
                    std::chrono::duration_cast<std::chrono::seconds>(window.duration).count()));
  schedule_start(windows_.size() - 1);
}

void World::schedule_start(std::size_t index) {
  at(windows_[index].start, [this, index, start = windows_[index].start] {
    if (!quiet_ && !windows_[index].ended && windows_[index].start == start) {
      window_starts(index);
    }
  });
}

void World::change_window(bool cancel) {
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (!windows_[i].ended && !windows_[i].down && windows_[i].start > now_) {
      pending.push_back(i);
    }
  }
  if (pending.empty()) {
    return;
  }
  // A cancellation prefers a window whose machines hold our tasks: a move is then planned or
  // already in flight.
  if (cancel) {
    std::vector<std::size_t> holding;
    const auto* service = leader();
    const auto id = framework_id();
    if (service != nullptr && !id.empty()) {
      const auto tasks = service->cluster().task_summaries(id);
      for (const std::size_t i : pending) {
        for (const auto& task : tasks) {
          if (std::find(windows_[i].agents.begin(), windows_[i].agents.end(), task.agent_id) !=
              windows_[i].agents.end()) {
            holding.push_back(i);
            break;
          }
        }
      }
    }
    if (!holding.empty()) {
      pending = holding;
    }
  }
  const std::size_t index = pending[draw(pending.size())];
  Window before = windows_[index];
  Window& window = windows_[index];
  if (cancel) {
    window.ended = true;
    window.ended_at = now_;
    trace("maintenance cancelled");
  } else {
    const Time shift = between(-20min, 20min);
    window.start = std::max(now_ + 1min, window.start + shift);
    window.latest_start = std::max(window.latest_start, window.start);
    window.posted = now_;
    window.no_spare_at = spare_agents(window) == 0 ? now_ : Time{0};
    trace("maintenance moved to " + clock_text(window.start - start_));
  }
  if (!post_schedule()) {
    windows_[index] = before;
    return;
  }
  if (!cancel) {
    schedule_start(index);
  }
}

void World::window_starts(std::size_t index) {
  Window& window = windows_[index];
  if (uniform() < 0.2) {
    // The operator does not take these machines down: the window passes, then is removed.
    at(window.start + window.duration, [this, index] { window_ends(index); });
    return;
  }
  std::string machines;
  for (const auto& agent : agents()) {
    if (std::find(window.agents.begin(), window.agents.end(), agent.id) != window.agents.end()) {
      machines += (machines.empty() ? "" : ",") + machine_json(agent);
    }
  }
  check_down(window);
  if (operator_call("/machine/down", "[" + machines + "]").status == 200) {
    window.down = true;
  }
  at(window.start + window.duration, [this, index] { window_ends(index); });
}

void World::window_ends(std::size_t index) {
  Window& window = windows_[index];
  if (window.ended) {
    return;
  }
  if (window.down) {
    std::string machines;
    for (const auto& agent : agents()) {
      if (std::find(window.agents.begin(), window.agents.end(), agent.id) != window.agents.end()) {
        machines += (machines.empty() ? "" : ",") + machine_json(agent);
      }
    }
    if (operator_call("/machine/up", "[" + machines + "]").status != 200) {
      after(1min, [this, index] { window_ends(index); });  // the leader is away: later
      return;
    }
    window.down = false;
  }
  window.ended = true;
  window.ended_at = now_;
  sync_schedule();
}

void World::sync_schedule() {
  if (!post_schedule()) {
    after(1min, [this] { sync_schedule(); });  // no leader right now: the operator retries
  }
}

}  // namespace iof::simulation
