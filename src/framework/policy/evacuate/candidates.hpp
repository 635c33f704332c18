#pragma once

// Placement's candidates: free agents' offers a task could go to, and the picking of the best
// unused one in linear time overall. An OFFERS event from every agent of a 50,000-agent cluster
// must not be rescanned for each task placed.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "iof/framework/core/offer_summary.hpp"
#include "iof/framework/core/spread.hpp"

namespace iof::framework::evacuate {

// A free agent's offer a task could go to, and how good a home it is.
struct Candidate {
  const OfferSummary* offer = nullptr;
  std::int64_t window_start = 0;
  bool safe = false;
  std::optional<SpreadValue> spread;  // its --spread_by value; none without --spread_by
  std::uint64_t scattered = 0;        // the agent id's hash, the order among equals
};

// Candidates in preferred order (see placement.cpp: free of maintenance first, then the latest
// window), each taken at most once.
//
// The queues hold what the old scan found: an agent free of maintenance is safe and acceptable
// to every placement, so the first unused one per --spread_by value is all a pick weighs; agents
// with a window are ordered by it, latest first, and every acceptance test is "safe" and "after
// the window left", both thresholds on the window, so if the first unused one is refused, so is
// every later one.
class CandidatePicker {
 public:
  explicit CandidatePicker(const std::vector<Candidate>& sorted) : candidates_(sorted) {
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i].window_start == 0) {
        free_[sorted[i].spread].push_back(i);
      } else {
        windowed_.push_back(i);
      }
    }
  }

  // The best unused candidate `acceptable` takes, now marked used: among agents free of
  // maintenance, the one whose --spread_by value has the least `load_of` (the earliest in
  // preferred order among equals); else the earliest agent with a window, if acceptable.
  template <typename Acceptable, typename LoadOf>
  std::optional<std::size_t> pick(const Acceptable& acceptable, const LoadOf& load_of) {
    std::deque<std::size_t>* best = nullptr;
    std::size_t best_load = 0;
    for (auto& [value, queue] : free_) {
      if (queue.empty()) {
        continue;
      }
      const std::size_t value_load = load_of(value);
      if (!best || value_load < best_load ||
          (value_load == best_load && queue.front() < best->front())) {
        best = &queue;
        best_load = value_load;
      }
    }
    if (best) {
      const std::size_t chosen = best->front();
      best->pop_front();
      return chosen;
    }
    if (!windowed_.empty() && acceptable(candidates_[windowed_.front()])) {
      const std::size_t chosen = windowed_.front();
      windowed_.pop_front();
      return chosen;
    }
    return std::nullopt;
  }

 private:
  const std::vector<Candidate>& candidates_;
  std::map<std::optional<SpreadValue>, std::deque<std::size_t>> free_;
  std::deque<std::size_t> windowed_;
};

}  // namespace iof::framework::evacuate
