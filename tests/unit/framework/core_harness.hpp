#pragma once

// The one harness the core's unit tests share: the evacuate core (recording its steps, see
// recording_core.hpp) with an injected clock, windows relative to a fixed start, and readers for
// what a Decision sends and logs.
#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"
#include "iof/framework/view/state.hpp"

#include "event_builders.hpp"
#include "recording_core.hpp"

namespace iof::test::core {

using namespace iof::test::events;
using namespace std::chrono_literals;

using iof::framework::Decision;
using iof::framework::Evacuation;
using iof::framework::Policy;
using iof::framework::Recovery;
using SchedulerState = iof::test::RecordingCore;
using iof::framework::TaskSpec;
using iof::framework::Time;

constexpr Time t0 = std::chrono::seconds(1'800'000'000);

// A window starting `from_start` after t0, in the master's nanoseconds.
inline std::int64_t window(std::chrono::seconds from_start) {
  return (t0 + from_start).count();
}

inline std::vector<std::pair<std::string, std::string>> launches(const Decision& decision) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& call : decision.calls) {
    if (call.type() == Call::ACCEPT) {
      const auto& task = call.accept().operations(0).launch().task_infos(0);
      out.emplace_back(task.task_id().value(), task.agent_id().value());
    }
  }
  return out;
}

inline std::vector<std::string> kills(const Decision& decision) {
  std::vector<std::string> out;
  for (const auto& call : decision.calls) {
    if (call.type() == Call::KILL) {
      out.push_back(call.kill().task_id().value());
    }
  }
  return out;
}

inline bool sends(const Decision& decision, Call::Type type) {
  return std::any_of(decision.calls.begin(), decision.calls.end(),
                     [&](const Call& call) { return call.type() == type; });
}

// The first call of `type`; the test must REQUIRE sends() first.
inline const Call& first(const Decision& decision, Call::Type type) {
  return *std::find_if(decision.calls.begin(), decision.calls.end(),
                       [&](const Call& call) { return call.type() == type; });
}

inline bool logs(const Decision& decision, const std::string& text) {
  return std::any_of(decision.log.begin(), decision.log.end(),
                     [&](const iof::framework::LogLine& line) {
                       return line.text.find(text) != std::string::npos;
                     });
}

// A planned move's status as /state shows it (default budgets).
inline std::string status_text(const iof::framework::PlannedMove& move) {
  return iof::framework::move_status_text(move, Evacuation{});
}

inline void append(Decision& into, Decision more) {
  into.calls.insert(into.calls.end(), more.calls.begin(), more.calls.end());
  into.log.insert(into.log.end(), more.log.begin(), more.log.end());
}

// One framework on the evacuate policy with its clock at `now`.
struct Harness {
  SchedulerState state;
  Time now = t0;

  explicit Harness(std::uint32_t tasks, Evacuation budgets = {}, TaskSpec task = {})
      : state(Policy::evacuate, tasks, "*", std::move(task), Recovery{}, budgets) {
    state.advance(now);
    state.handle(subscribed());
  }

  // `elapsed` later, `event` arrives (the runtime advances the clock before every event).
  Decision after(Time elapsed, const Event& event) {
    Decision decision = tick(elapsed);
    append(decision, state.handle(event));
    return decision;
  }
  Decision tick(Time elapsed) {
    now += elapsed;
    return state.advance(now);
  }

  // Launches one task on each agent (no windows) and reports each RUNNING after `launch_time`.
  void start_on(const std::vector<std::string>& agents, Time launch_time = 2s) {
    std::vector<v1::Offer> list;
    for (const auto& agent : agents) {
      list.push_back(offer("o-" + agent, agent));
    }
    const auto started = launches(after(1s, offers(list)));
    REQUIRE(started.size() == agents.size());
    Time elapsed = launch_time;
    for (const auto& [task, agent] : started) {
      after(elapsed, update(task, agent, v1::TASK_RUNNING));
      elapsed = 0s;
    }
    REQUIRE(state.running_tasks() == agents.size());
  }
};

}  // namespace iof::test::core
