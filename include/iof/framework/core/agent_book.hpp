#pragma once

// What the framework knows about the agents it was offered or told about: hostnames, maintenance
// windows, values of the --spread_by attribute, why their tasks were lost. Idle agents are
// forgotten, so that the book stays as small as the cluster (an agent back from DOWN has a new id).
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "iof/framework/core/offer_summary.hpp"
#include "iof/framework/core/types.hpp"

namespace iof::framework {

class AgentBook {
 public:
  // `spread_by` names the attribute whose value offers teach (none when empty).
  explicit AgentBook(const Recovery& recovery, std::string spread_by = {})
      : memory_(recovery.agent_memory), spread_by_(std::move(spread_by)) {}

  // An offer named the agent: its hostname and window, and it is back if it was lost.
  const KnownAgent& offered(const OfferSummary& offer, Time now);
  // An inverse offer announced the agent's window.
  void announced(const std::string& agent, const v1::Unavailability& unavailability, Time now);
  // A FAILURE named the agent: lost, as DOWN when it had a window, as gone otherwise.
  Loss failed(const std::string& agent, Time now);
  // Its task was taken by maintenance (failures are not the agent's doing and not recorded).
  void lost(const std::string& agent, Loss loss);

  // The agent's window start in ns since the epoch; 0 when none (or the agent is unknown).
  std::int64_t window_start(const std::string& agent) const;
  // The agent's --spread_by value; none when not known (no --spread_by, or not offered yet).
  std::optional<SpreadValue> spread_value(const std::string& agent) const;
  // In no particular order.
  const std::unordered_map<std::string, KnownAgent>& all() const { return agents_; }

  // At most once a minute: forgets the agents not named for agent_memory that `keep` does not
  // hold on to, and returns their ids.
  std::vector<std::string> forget_idle(
      Time now, const std::function<bool(const std::string&, const KnownAgent&)>& keep);

 private:
  Time memory_;
  std::string spread_by_;
  // Hashed: every offer looks its agent up, and an ordered map of 50k ids costs a dozen
  // comparisons of long common prefixes per lookup.
  std::unordered_map<std::string, KnownAgent> agents_;
  Time next_forget_{0};
};

}  // namespace iof::framework
