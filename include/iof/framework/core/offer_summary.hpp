#pragma once

// What the framework keeps of one offer while it decides: everything the policies read, and no
// more. A parsed mesos::v1::Offer is about 2.6 KB (URL, framework id, every resource with its
// allocation info); a master offering fifty thousand agents at once would cost the framework
// 120 MB for the length of one decision. An OFFERS event, protobuf or JSON, is read one offer at
// a time into these instead (session/offers_reader.cpp), and the decision is the same.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iof/framework/core/spread.hpp"
#include "iof/framework/core/task_spec.hpp"

#include "mesos/v1/mesos.pb.h"

namespace iof::framework {

struct OfferSummary {
  std::string id;
  std::string agent_id;
  std::string hostname;
  // The agent's maintenance window as the offer announces it (none when absent).
  bool has_window = false;
  std::int64_t window_start_ns = 0;
  std::int64_t window_duration_ns = -1;  // -1: no duration given
  // Whether it holds one task, by the policy's test (OfferReading::literal_fit).
  bool holds_task = false;
  // The ports a task launched here takes, when it holds one.
  std::vector<std::uint32_t> ports;
  // The agent's --spread_by value (none without --spread_by).
  std::optional<SpreadValue> spread;

  std::int64_t window_start() const { return has_window ? window_start_ns : 0; }
  bool operator==(const OfferSummary&) const = default;
};

// What an offer comes to for a framework running `task` in `role`, learning --spread_by's
// attribute `spread_by` (none when empty).
struct OfferReading {
  TaskSpec task;
  std::string role;
  std::string spread_by;
  // The seed's test (offer_holds_allocated) rather than offer_holds.
  bool literal_fit = false;

  OfferSummary summarize(const mesos::v1::Offer& offer) const;
};

}  // namespace iof::framework
