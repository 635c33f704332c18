#pragma once

// What survives a restart of the process (--state_file), and its JSON form.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"
#include "iof/framework/core/crash_backoff.hpp"
#include "iof/framework/core/lead_time.hpp"
#include "iof/framework/core/types.hpp"

namespace iof::framework {

// What survives a restart of the process (--state_file): enough to re-subscribe as the same
// framework and adopt its tasks.
struct Snapshot {
  std::optional<std::string> framework_id;
  std::uint64_t next_task_id = 0;
  std::map<std::string, Sleeper> sleepers;   // by agent id
  std::map<std::string, Sleeper> migrating;  // by agent id
  // Slots in crash-loop backoff, by slot.
  std::map<std::uint32_t, SlotBackoff> backoffs;
  // What the evacuate policy learned about launch and kill times.
  LeadTimeSamples lead_time;

  bool operator==(const Snapshot&) const;
};
// JSON, so that an operator can read it: {"framework_id":..,"next_task_id":..,"tasks":[..]}, and
// "backoffs":[..] while a slot is in crash-loop backoff, "lead_time":{"launch_ns":[..],
// "kill_ns":[..]} once samples exist. A task without a "slot" (a file from
// before slots) gets the lowest slot no other task names.
std::string encode_snapshot(const Snapshot& snapshot);
Result<Snapshot> decode_snapshot(std::string_view text);

}  // namespace iof::framework
