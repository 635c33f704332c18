// --spread_by: an agent's value of the attribute, and our tasks counted per value.
#include "iof/framework/core/spread.hpp"

#include <algorithm>

#include "iof/framework/core/agent_book.hpp"
#include "iof/framework/core/task_book.hpp"
#include "iof/wire/resources.hpp"

namespace iof::framework {

SpreadValue spread_value_of(const mesos::v1::Offer& offer, std::string_view attribute) {
  for (const auto& candidate : offer.attributes()) {
    if (candidate.name() != attribute) {
      continue;
    }
    if (candidate.type() == mesos::v1::Value::TEXT) {
      return SpreadValue(candidate.text().value());
    }
    // Scalars, ranges and sets are printed as Mesos prints a resource of that value, so that
    // "2" and "2.0" are one rack.
    mesos::v1::Resource as_resource;
    as_resource.set_type(candidate.type());
    *as_resource.mutable_scalar() = candidate.scalar();
    *as_resource.mutable_ranges() = candidate.ranges();
    *as_resource.mutable_set() = candidate.set();
    return SpreadValue(wire::text::format_value(as_resource));
  }
  return SpreadValue();
}

std::size_t SpreadCount::skew() const {
  if (tasks_per_value.empty()) {
    return 0;
  }
  const auto [fewest, most] =
      std::minmax_element(tasks_per_value.begin(), tasks_per_value.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  return most->second - fewest->second;
}

SpreadCount count_spread(const TaskBook& tasks, const AgentBook& agents) {
  SpreadCount count;
  for (const auto& [agent, known] : agents.all()) {
    if (known.spread_value) {
      count.tasks_per_value.try_emplace(*known.spread_value, 0);
    }
  }
  for (const auto& [agent, sleeper] : tasks.sleepers()) {
    if (const auto value = agents.spread_value(agent)) {
      ++count.tasks_per_value[*value];
    } else {
      ++count.unknown;
    }
  }
  return count;
}

}  // namespace iof::framework
