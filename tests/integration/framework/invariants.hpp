#pragma once

// The invariants every scenario checks, seen two ways:
// - TaskHistory reads, after the fact, the times at which agents reported each task's states
//   (the master keeps them for finished tasks too), so a duplicate that lived 10 ms between two
//   polls is still seen;
// - InvariantWatch samples the master in the background and sees what the history cannot: a
//   task still STAGING, which has reported nothing yet.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "framework_fixture.hpp"

namespace iof::test::framework {

struct TaskLife {
  std::string id;
  std::string agent_id;
  double started = 0;                                         // first state reported
  double stopping = std::numeric_limits<double>::infinity();  // TASK_KILLING or terminal
  double ended = std::numeric_limits<double>::infinity();     // terminal
};

inline bool is_terminal_state(const std::string& state) {
  return state == "TASK_FINISHED" || state == "TASK_FAILED" || state == "TASK_KILLED" ||
         state == "TASK_ERROR" || state == "TASK_LOST" || state == "TASK_DROPPED" ||
         state == "TASK_GONE" || state == "TASK_GONE_BY_OPERATOR" || state == "TASK_UNREACHABLE";
}

// Every task of every framework the master knows, running or completed.
inline std::vector<TaskLife> task_history(unsigned short port) {
  std::vector<TaskLife> out;
  const auto state = master_state(port);
  for (const char* group : {"frameworks", "completed_frameworks"}) {
    for (const auto& framework : state.at(group).as_array()) {
      for (const char* list : {"tasks", "completed_tasks", "unreachable_tasks"}) {
        const auto* tasks = framework.as_object().if_contains(list);
        if (tasks == nullptr) {
          continue;
        }
        for (const auto& task : tasks->as_array()) {
          const auto& t = task.as_object();
          TaskLife life{std::string(t.at("id").as_string()),
                        std::string(t.at("slave_id").as_string())};
          const auto& statuses = t.at("statuses").as_array();
          if (statuses.empty()) {
            continue;  // still STAGING: seen only by sampling
          }
          life.started = std::numeric_limits<double>::infinity();
          for (const auto& status : statuses) {
            const std::string name(status.at("state").as_string());
            const double at = status.at("timestamp").to_number<double>();
            life.started = std::min(life.started, at);
            if (name == "TASK_KILLING" || is_terminal_state(name)) {
              life.stopping = std::min(life.stopping, at);
            }
            if (is_terminal_state(name)) {
              life.ended = std::min(life.ended, at);
            }
          }
          out.push_back(std::move(life));
        }
      }
    }
  }
  return out;
}

// The most tasks alive and not being killed at one moment, and the first moment it was reached:
// the starts and stops swept in time order, a stop first at equal times.
inline std::pair<std::size_t, double> peak_alive_at(const std::vector<TaskLife>& history) {
  std::vector<std::pair<double, int>> edges;
  for (const auto& life : history) {
    edges.emplace_back(life.started, +1);
    edges.emplace_back(life.stopping, -1);
  }
  std::sort(edges.begin(), edges.end());
  long alive = 0;
  long peak = 0;
  double peak_at = 0;
  for (const auto& [at, step] : edges) {
    alive += step;
    if (alive > peak) {
      peak = alive;
      peak_at = at;
    }
  }
  return {static_cast<std::size_t>(peak), peak_at};
}

// The first violation in the history, or "": two tasks alive at once on one agent, or more than
// `most` tasks alive and not being killed at one moment (N + the surge budget).
inline std::string history_violation(const std::vector<TaskLife>& history, std::size_t most) {
  std::map<std::string, std::vector<const TaskLife*>> by_agent;
  for (const auto& life : history) {
    by_agent[life.agent_id].push_back(&life);
  }
  for (const auto& [agent, lives] : by_agent) {
    for (std::size_t i = 0; i < lives.size(); ++i) {
      for (std::size_t j = i + 1; j < lives.size(); ++j) {
        if (lives[i]->started < lives[j]->ended && lives[j]->started < lives[i]->ended) {
          return "tasks " + lives[i]->id + " and " + lives[j]->id + " were alive together on " +
                 agent;
        }
      }
    }
  }
  if (const auto [peak, at] = peak_alive_at(history); peak > most) {
    return std::to_string(peak) + " tasks alive and not being killed at " + std::to_string(at) +
           ", more than " + std::to_string(most);
  }
  return {};
}

// The most tasks alive and not being killed at one moment, from the history.
inline std::size_t peak_alive(const std::vector<TaskLife>& history) {
  return peak_alive_at(history).first;
}

// Samples the master every 10 ms: the fewest RUNNING tasks, and the first violation of one task
// per agent or of N + surge tasks alive and not being killed (STAGING counts: it is launched).
class InvariantWatch {
 public:
  InvariantWatch(unsigned short port, std::size_t most)
      : thread_([this, port, most] {
          while (!stop_) {
            try {
              check(live_tasks(port), most);
            } catch (const std::exception& e) {
              record(std::string("the master did not answer: ") + e.what());
            }
            std::this_thread::sleep_for(10ms);
          }
        }) {}
  ~InvariantWatch() { finish(); }
  InvariantWatch(const InvariantWatch&) = delete;
  InvariantWatch& operator=(const InvariantWatch&) = delete;

  void finish() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  std::size_t fewest_running() const { return fewest_; }
  std::string violation() const {
    std::lock_guard lock(mutex_);
    return violation_;
  }

 private:
  void check(const std::vector<Task>& tasks, std::size_t most) {
    std::set<std::string> agents;
    std::size_t running = 0;
    std::size_t not_killing = 0;
    for (const auto& task : tasks) {
      if (!agents.insert(task.agent_id).second) {
        record("two live tasks on agent " + task.agent_id);
      }
      running += task.state == "TASK_RUNNING" ? 1U : 0U;
      not_killing += task.state == "TASK_KILLING" ? 0U : 1U;
    }
    // A real master shows a killed task RUNNING until its agent reports TASK_KILLING, so right
    // after a KILL and the launch it made room for, its view can hold one task too many for
    // that round trip. An excess counts once it outlasts excess_grace; the task history, from
    // the agents' own times, is the exact check.
    const auto now = std::chrono::steady_clock::now();
    if (not_killing <= most) {
      excess_since_.reset();
    } else if (!excess_since_) {
      excess_since_ = now;
    } else if (now - *excess_since_ >= excess_grace) {
      record(
          std::to_string(not_killing) + " live tasks not being killed, more than " +
          std::to_string(most) + ", for " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(now - *excess_since_).count()) +
          " ms");
    }
    fewest_ = std::min(fewest_.load(), running);
  }
  void record(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (violation_.empty()) {
      violation_ = what;
    }
  }

  static constexpr auto excess_grace = std::chrono::milliseconds(250);
  std::optional<std::chrono::steady_clock::time_point> excess_since_;  // the watch thread's
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> fewest_{SIZE_MAX};
  mutable std::mutex mutex_;
  std::string violation_;
  std::thread thread_;
};

}  // namespace iof::test::framework
