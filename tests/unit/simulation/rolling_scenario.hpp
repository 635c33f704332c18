#pragma once

// What the simulator's scenario tests share: a rolling maintenance on short notice, and a run's
// first violation as text.
#include <chrono>
#include <cstdint>
#include <string>

#include "iof/simulation/scenario.hpp"

namespace iof::simulation::testing {

// 20 agents in 5 groups of 4, N = 12; a group's window is posted 25 s ahead, a minute apart, so
// a group's tasks have 15 s after the 10 s lead time to start their moves: one at a time, two.
inline Scenario short_notice(std::uint32_t surge) {
  using namespace std::chrono_literals;
  Scenario out;
  out.seed = 1;
  out.agents = 20;
  out.tasks = 12;
  out.max_surge = surge;
  out.max_unavailable = 0;
  out.faults.clear();
  out.rolling = Rolling{5, 60s, 25s, 15s};
  out.timing = Timing{};
  out.fixed_lead = 10s;
  out.trace = true;
  return out;
}

inline std::string failure(const SeedResult& result) {
  return result.violation ? result.violation->what : std::string("none");
}

}  // namespace iof::simulation::testing
