#pragma once

#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

#include "mesos/v1/mesos.pb.h"

// mesos-sim --agent_attributes: what a real agent's --attributes flag gives each group of
// simulated agents, so that offers and /master/state carry them. The value is a list of
// SELECTOR=ATTRIBUTES entries separated by '|':
//
//   agent[1-4]=rack:r1;zone:a|agent[5-8]=rack:r2|*=os:linux
//
// SELECTOR is '*' (every agent), agentN, or agent[N-M] (agentN to agentM). ATTRIBUTES is a
// Mesos --attributes text: name:value pairs separated by ';', each value a number (SCALAR),
// ranges such as [1-10,20-30] (RANGES) or else text (TEXT), as upstream's Attributes::parse
// reads them; set values ({a,b}) are refused, as a real agent refuses them. An agent takes the
// attributes of every entry it matches, in order; a later value of the same name replaces an
// earlier one.
namespace iof::sim {

struct AgentAttributeRule {
  // The ordinals N of the agents (agentN) the rule applies to, inclusive.
  std::uint64_t first = 1;
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  std::vector<mesos::v1::Attribute> attributes;
};

// Fails with a message naming the entry and what is wrong with it.
Result<std::vector<AgentAttributeRule>> parse_agent_attributes(std::string_view text);

// The attributes agentN gets.
std::vector<mesos::v1::Attribute> attributes_for(const std::vector<AgentAttributeRule>& rules,
                                                 std::uint64_t ordinal);

}  // namespace iof::sim
