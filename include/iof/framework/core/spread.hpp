#pragma once

// --spread_by: the agent attribute (a rack, a zone) whose values the evacuate policy balances its
// tasks across. An agent's value is learnt from its offers (the agent book keeps it); the tasks on
// each value are counted from the task book, so that placement, /state and the metrics agree.
#include <compare>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "mesos/v1/mesos.pb.h"

namespace iof::framework {

class AgentBook;
class TaskBook;

// One value of the --spread_by attribute, as Mesos prints it: TEXT as is, SCALAR as "2" or "1.5",
// RANGES as "[1-10, 20-30]", SET as "{a, b}". An agent without the attribute has the empty value:
// a value of its own, balanced like any other, since such agents share no known failure domain
// with the others. Its own type, so that it is never mixed up with an agent id or a hostname.
class SpreadValue {
 public:
  SpreadValue() = default;
  explicit SpreadValue(std::string text) : text_(std::move(text)) {}

  const std::string& text() const { return text_; }

  auto operator<=>(const SpreadValue&) const = default;

 private:
  std::string text_;
};

// The value the offer's agent has for `attribute` (the empty value when it has none).
SpreadValue spread_value_of(const mesos::v1::Offer& offer, std::string_view attribute);

// Our tasks (not those being killed) per value, every value of a known agent present even with
// none. A task whose agent's value is not known yet (restored from the state file or adopted,
// its agent not offered since) is counted apart, as unknown, until its agent is offered.
struct SpreadCount {
  std::map<SpreadValue, std::size_t> tasks_per_value;
  std::size_t unknown = 0;

  // Tasks on the fullest value minus tasks on the emptiest: 0 or 1 is as even as it gets.
  std::size_t skew() const;
};

SpreadCount count_spread(const TaskBook& tasks, const AgentBook& agents);

}  // namespace iof::framework
