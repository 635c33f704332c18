#include "iof/discovery/leader_node.hpp"

#include <charconv>
#include <cstdint>

namespace iof::discovery {
namespace {

// ZooKeeper writes the sequence as "%010d"; a name whose tail is not all digits is no member.
std::optional<std::uint64_t> sequence_of(std::string_view name) {
  if (!name.starts_with(master_node_prefix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(master_node_prefix.size());
  std::uint64_t value = 0;
  const char* end = digits.data() + digits.size();
  const auto [rest, error] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || error != std::errc() || rest != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> leader_node(const std::vector<std::string>& children) {
  const std::string* best = nullptr;
  std::uint64_t best_sequence = 0;
  for (const auto& child : children) {
    const auto sequence = sequence_of(child);
    if (!sequence) {
      continue;
    }
    // The name breaks ties ("json.info_7" against "json.info_0000000007") so that the answer
    // does not depend on the order ZooKeeper lists the children in.
    if (best == nullptr || *sequence < best_sequence ||
        (*sequence == best_sequence && child < *best)) {
      best = &child;
      best_sequence = *sequence;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return *best;
}

}  // namespace iof::discovery
