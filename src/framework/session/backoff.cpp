#include "iof/framework/backoff.hpp"

#include <algorithm>

namespace iof::framework {

Backoff::Backoff(Duration base, Duration cap, std::uint64_t seed)
    : base_(base), cap_(std::max(base, cap)), random_(seed) {}

Backoff::Duration Backoff::next() {
  if (attempt_ == 0) {
    ++attempt_;
    return base_;  // the card's one second, exactly
  }
  // base * 2^attempt, computed without overflow: once past the cap it stays there.
  double nominal = static_cast<double>(base_.count());
  for (unsigned i = 0; i < attempt_ && nominal < static_cast<double>(cap_.count()); ++i) {
    nominal *= 2;
  }
  ++attempt_;
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  const double jittered = std::min(nominal, static_cast<double>(cap_.count())) * jitter(random_);
  const auto wait = Duration(static_cast<Duration::rep>(jittered));
  return std::clamp(wait, base_, cap_);
}

}  // namespace iof::framework
