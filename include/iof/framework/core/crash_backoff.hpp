#pragma once

// Crash-loop backoff per slot. Each of the N tasks fills a numbered slot; when the task in a slot
// fails by itself (exits, errors, is killed by its health check), the slot waits before its next
// launch: 1 s after the first failure, twice as long after each next one, capped at 5 min (the
// flags --crash_backoff and --crash_backoff_max). A task that stays ready for 5 min clears its
// slot's count, as Kubernetes' CrashLoopBackOff does, so an occasional crash never waits long.
#include <cstdint>
#include <map>
#include <optional>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

// One slot's failures in a row and when it may launch again. Persisted in the state file, so a
// restart does not turn a crash loop into a launch storm.
struct SlotBackoff {
  std::uint32_t failures = 0;
  Time last_failure{0};  // ns since the epoch
  Time not_before{0};    // ns since the epoch

  bool operator==(const SlotBackoff&) const = default;
};

class CrashBackoff {
 public:
  explicit CrashBackoff(const Recovery& recovery)
      : initial_(recovery.crash_backoff),
        cap_(recovery.crash_backoff_max),
        reset_after_(recovery.crash_backoff_reset) {}

  // The task in `slot` failed at `now`; `ready_since` is since when it had been ready, if it
  // was. Returns the slot's wait before its next launch.
  Time failed(std::uint32_t slot, std::optional<Time> ready_since, Time now);
  // A task in `slot` has been ready since `ready_since`: once it has been so for the reset time,
  // having become ready after the slot's last failure (an old task still serving while its
  // replacement crash-loops proves nothing), the slot's failures are forgotten. True when that
  // happened now.
  bool stayed_ready(std::uint32_t slot, Time ready_since, Time now);

  // Whether `slot` must not launch yet.
  bool waiting(std::uint32_t slot, Time now) const;
  // The earliest time a waiting slot may launch again.
  std::optional<Time> next_launch_allowed(Time now) const;
  // When a slot's ready task will have cleared its count: `ready_since` + the reset time, for a
  // slot that has failures.
  std::optional<Time> reset_at(std::uint32_t slot, Time ready_since) const;

  const std::map<std::uint32_t, SlotBackoff>& slots() const { return slots_; }
  void restore(std::map<std::uint32_t, SlotBackoff> slots) { slots_ = std::move(slots); }
  void clear() { slots_.clear(); }

 private:
  Time initial_;
  Time cap_;
  Time reset_after_;
  std::map<std::uint32_t, SlotBackoff> slots_;  // only slots with failures
};

}  // namespace iof::framework
