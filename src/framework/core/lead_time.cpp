// The learned lead time: the 95th percentile of recent launch and kill latencies.
#include "iof/framework/core/lead_time.hpp"

#include <algorithm>
#include <cmath>

namespace iof::framework {

namespace {

// Enough samples for a stable p95 that still follows a cluster whose latencies change.
constexpr std::size_t max_samples = 64;

Time p95(std::vector<Time> samples) {
  if (samples.empty()) {
    return Time{0};
  }
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(samples.size())));
  return samples[std::max<std::size_t>(rank, 1) - 1];
}

}  // namespace

void LeadTime::add(std::vector<Time>& samples, Time sample) {
  if (sample.count() < 0) {
    return;
  }
  if (samples.size() == max_samples) {
    samples.erase(samples.begin());
  }
  samples.push_back(sample);
}

void LeadTime::restore(const LeadTimeSamples& saved) {
  launch_samples_.clear();
  kill_samples_.clear();
  for (const Time sample : saved.launches) {
    add(launch_samples_, sample);
  }
  for (const Time sample : saved.kills) {
    add(kill_samples_, sample);
  }
}

Time LeadTime::current() const {
  const auto learned =
      std::chrono::duration_cast<Time>((p95(launch_samples_) + p95(kill_samples_)) * factor_);
  return std::max(minimum_, learned);
}

}  // namespace iof::framework
