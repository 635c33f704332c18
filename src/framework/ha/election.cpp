#include "iof/framework/ha/election.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace iof::framework::ha {

namespace {

// ZooKeeper appends the sequence as 10 zero-padded digits, so equal-length suffixes order as
// numbers do.
constexpr std::size_t sequence_digits = 10;

std::optional<std::string_view> sequence_of(std::string_view name) {
  if (!name.starts_with(member_prefix) || name.size() < sequence_digits + 7) {
    return std::nullopt;
  }
  const auto sequence = name.substr(name.size() - sequence_digits);
  if (!std::all_of(sequence.begin(), sequence.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  return sequence;
}

}  // namespace

std::optional<Standing> standing(const std::vector<std::string>& members, const std::string& mine) {
  std::vector<std::pair<std::string_view, const std::string*>> ordered;
  for (const auto& name : members) {
    if (const auto sequence = sequence_of(name)) {
      ordered.emplace_back(*sequence, &name);
    }
  }
  std::sort(ordered.begin(), ordered.end());
  const auto at = std::find_if(ordered.begin(), ordered.end(),
                               [&](const auto& member) { return *member.second == mine; });
  if (at == ordered.end()) {
    return std::nullopt;
  }
  Standing out;
  out.leader = *ordered.front().second;
  out.leads = at == ordered.begin();
  if (!out.leads) {
    out.predecessor = *std::prev(at)->second;
  }
  return out;
}

std::optional<std::string> member_with_token(const std::vector<std::string>& members,
                                             const std::string& token) {
  const std::string marker = std::string(member_prefix) + token + "_";
  for (const auto& name : members) {
    if (name.starts_with(marker) && sequence_of(name)) {
      return name;
    }
  }
  return std::nullopt;
}

}  // namespace iof::framework::ha
