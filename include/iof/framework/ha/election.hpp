#pragma once

#include <optional>
#include <string>
#include <vector>

// ZooKeeper's leader-election recipe over the members' znodes. Each instance creates an
// ephemeral sequential "member_<token>_<sequence>" node; the lowest sequence leads, and every
// other instance watches only the node just before its own, so that one departure wakes one
// instance (no herd). Pure: names in, a standing out.
namespace iof::framework::ha {

inline constexpr const char* member_prefix = "member_";

struct Standing {
  bool leads = false;
  std::string leader;                      // the leading member's node name
  std::optional<std::string> predecessor;  // the node to watch, unless this one leads
};

// Where `mine` stands among `members` (children of the members znode). nullopt when `mine` is
// not among them: its session expired and the server deleted it. Names that are not members'
// (no prefix or no 10-digit sequence) are ignored.
std::optional<Standing> standing(const std::vector<std::string>& members, const std::string& mine);

// The node among `members` that holds `token` in its name: after a lost connection, whether a
// create that may not have been answered did happen.
std::optional<std::string> member_with_token(const std::vector<std::string>& members,
                                             const std::string& token);

}  // namespace iof::framework::ha
