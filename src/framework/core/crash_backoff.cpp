// Crash-loop backoff per slot: the doubling wait after each failure in a row, and its reset once
// a task stays ready.
#include "iof/framework/core/crash_backoff.hpp"

#include <algorithm>

namespace iof::framework {

Time CrashBackoff::failed(std::uint32_t slot, std::optional<Time> ready_since, Time now) {
  SlotBackoff& backoff = slots_[slot];
  if (ready_since && now - *ready_since >= reset_after_) {
    backoff.failures = 0;  // it served long enough: this failure starts a new count
  }
  ++backoff.failures;
  Time wait = initial_;
  for (std::uint32_t doubling = 1; doubling < backoff.failures && wait < cap_; ++doubling) {
    wait *= 2;
  }
  wait = std::min(wait, cap_);
  backoff.last_failure = now;
  backoff.not_before = now + wait;
  return wait;
}

bool CrashBackoff::stayed_ready(std::uint32_t slot, Time ready_since, Time now) {
  const auto found = slots_.find(slot);
  if (found == slots_.end() || ready_since < found->second.last_failure ||
      now - ready_since < reset_after_) {
    return false;
  }
  slots_.erase(found);
  return true;
}

bool CrashBackoff::waiting(std::uint32_t slot, Time now) const {
  const auto found = slots_.find(slot);
  return found != slots_.end() && now < found->second.not_before;
}

std::optional<Time> CrashBackoff::next_launch_allowed(Time now) const {
  std::optional<Time> next;
  for (const auto& [slot, backoff] : slots_) {
    if (backoff.not_before > now && (!next || backoff.not_before < *next)) {
      next = backoff.not_before;
    }
  }
  return next;
}

std::optional<Time> CrashBackoff::reset_at(std::uint32_t slot, Time ready_since) const {
  const auto found = slots_.find(slot);
  if (found == slots_.end() || ready_since < found->second.last_failure) {
    return std::nullopt;
  }
  return ready_since + reset_after_;
}

}  // namespace iof::framework
