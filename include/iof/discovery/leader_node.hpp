#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Which of a master group's znodes leads: Mesos's election is "the oldest member wins".
namespace iof::discovery {

// Masters since Mesos 0.23 register as ephemeral sequential znodes with this label; ZooKeeper
// appends a 10-digit sequence number.
inline constexpr std::string_view master_node_prefix = "json.info_";

// The child with the lowest sequence number among the "json.info_<digits>" names, or nullopt if
// there is none. Other children (the replicated log's "log_replicas", pre-0.23 "info_" nodes
// holding binary protobuf) are ignored: they are no master this client can read.
std::optional<std::string> leader_node(const std::vector<std::string>& children);

}  // namespace iof::discovery
