#pragma once

// What the HA scenarios watch while they run: every instance's /leader, and the master's tasks,
// sampled in the background every 20 ms. Two instances acting at once (each a subscribed
// leader that is not holding its calls) is the failure HA exists to prevent; the e2e invariants
// (never two tasks on an agent, never more than N + surge) must hold throughout as well.
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include "framework_fixture.hpp"

namespace iof::test::framework {

struct LeaderView {
  std::string role;  // leader, leader_calls_held, standby, joining; "" when not answering
  bool subscribed = false;
  std::string leader;
};

inline LeaderView leader_view(unsigned short port) {
  try {
    const auto reply = request(port, {"GET", "/leader", {}, ""}, std::chrono::seconds(2));
    const auto json = boost::json::parse(reply.body).as_object();
    LeaderView out;
    out.role = std::string(json.at("role").as_string());
    out.subscribed = json.at("subscribed").as_bool();
    if (const auto* leader = json.if_contains("leader"); leader && leader->is_string()) {
      out.leader = std::string(leader->as_string());
    }
    return out;
  } catch (const std::exception&) {
    return {};  // killed, stopped or frozen
  }
}

inline bool acting(const LeaderView& view) {
  return view.role == "leader" && view.subscribed;
}

class HaWatch {
 public:
  static constexpr std::size_t max_instances = 4;

  // `master_port`'s tasks are checked against `task_limit`.
  HaWatch(unsigned short master_port, std::size_t task_limit)
      : master_port_(master_port), task_limit_(task_limit) {
    thread_ = std::thread([this] { run(); });
  }
  ~HaWatch() {
    stopping_ = true;
    thread_.join();
  }
  HaWatch(const HaWatch&) = delete;
  HaWatch& operator=(const HaWatch&) = delete;

  // Instance `index` answers on `port` (0: no longer watched).
  void watch(std::size_t index, unsigned short port) { ports_.at(index) = port; }

  // When instance `index` was first seen acting / holding its calls, since the watch began.
  std::optional<std::chrono::milliseconds> first_acting(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return first_acting_.at(index);
  }
  std::optional<std::chrono::milliseconds> first_held(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return first_held_.at(index);
  }
  std::chrono::milliseconds elapsed() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began_);
  }
  // The first sample with two acting instances, or a broken e2e invariant; "" if none.
  std::string violation() const {
    std::lock_guard lock(mutex_);
    return violation_;
  }
  std::size_t samples() const { return samples_; }

 private:
  using Clock = std::chrono::steady_clock;

  void run() {
    while (!stopping_) {
      std::vector<std::size_t> acting_now;
      for (std::size_t i = 0; i < max_instances; ++i) {
        const unsigned short port = ports_.at(i);
        if (port == 0) {
          continue;
        }
        const auto view = leader_view(port);
        std::lock_guard lock(mutex_);
        if (acting(view)) {
          acting_now.push_back(i);
          if (!first_acting_.at(i)) {
            first_acting_.at(i) = elapsed();
          }
        }
        if (view.role == "leader_calls_held" && !first_held_.at(i)) {
          first_held_.at(i) = elapsed();
        }
      }
      std::string broken;
      if (acting_now.size() > 1) {
        broken = "instances " + std::to_string(acting_now[0]) + " and " +
                 std::to_string(acting_now[1]) + " were both subscribed leaders at " +
                 std::to_string(elapsed().count()) + " ms";
      } else {
        try {
          broken = invariant_violation(master_port_, task_limit_);
        } catch (const std::exception&) {
          // The master between two answers: the next sample looks again.
        }
      }
      {
        std::lock_guard lock(mutex_);
        if (violation_.empty() && !broken.empty()) {
          violation_ = broken;
        }
      }
      ++samples_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  unsigned short master_port_;
  std::size_t task_limit_;
  const Clock::time_point began_ = Clock::now();
  std::array<std::atomic<unsigned short>, max_instances> ports_{};
  mutable std::mutex mutex_;
  std::array<std::optional<std::chrono::milliseconds>, max_instances> first_acting_{};
  std::array<std::optional<std::chrono::milliseconds>, max_instances> first_held_{};
  std::string violation_;
  std::atomic<std::size_t> samples_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace iof::test::framework
