#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"
#include "iof/framework/core/snapshot.hpp"

// The bytes of the HA state znode: the state file's JSON, deflated with zlib. ZooKeeper refuses
// (by dropping the connection) a packet above its 1 MB jute.maxbuffer; the JSON of 10,000 tasks
// is about 1.5 MB, deflated it is a small fraction of that.
namespace iof::framework::ha {

// What a write may carry, leaving room in the 1 MiB packet for the path and the headers.
inline constexpr std::size_t max_state_node_bytes = 1'000'000;

// Fails, naming the sizes, when the deflated state is above max_state_node_bytes: a save must
// fail clearly rather than look like a lost connection.
Result<std::string> encode_state_node(const Snapshot& snapshot);
// An empty node is a first run (nullopt). Plain JSON is read as well, so that an operator can
// seed the node with a state file.
Result<std::optional<Snapshot>> decode_state_node(std::string_view bytes);

}  // namespace iof::framework::ha
