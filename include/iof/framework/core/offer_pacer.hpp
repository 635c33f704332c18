#pragma once

// Whether offers flow: SUPPRESS once nothing needs them, REVIVE (rate-limited) when something
// does, and both said again when the master shows it never applied them. The seed policy never
// does either.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

// What offers are needed for, summarised by the facade before and after every frame. The pacer
// REVIVEs when a frame added a need, wherever in the core it arose, so no owner has to remember
// to ask for offers.
struct OfferDemand {
  // Slots of N that no task fills (a replacement in flight fills none).
  std::size_t open_slots = 0;
  // Moves that the surge budget lets start now.
  std::size_t startable_moves = 0;
  // How many times an agent already holding a task got a new or changed window (a task launched
  // onto an agent with a window is not counted: it was placed knowing it).
  std::uint64_t windows_learnt = 0;
  // Agents whose task is past its deadline unmoved.
  std::set<std::string> past_deadline;
  // Whether the policy counts its moves in startable_moves (the evacuate policy): then a new
  // window needs offers only while a move may start; the surge freeing up REVIVEs later.
  bool moves_counted = false;

  // A slot opened, a move may start, a deadline passed, or an agent already holding a task got a
  // new or changed window (while a move may start, when moves are counted): offers declined for
  // minutes may now be needed.
  bool grew_from(const OfferDemand& before) const;
};

class OfferPacer {
 public:
  // `active` is false for the seed, which never revives or suppresses.
  OfferPacer(bool active, const Recovery& recovery)
      : active_(active), revive_interval_(recovery.revive_interval) {}

  // Offers arrived. True when they came well after our SUPPRESS (not ones already on their way
  // when it was sent): the master never applied it, so offers count as flowing again.
  bool offers_arrived(Time now);
  // At the end of a frame: REVIVE (now, or as soon as the rate limit allows) when the frame
  // added a need for offers.
  void settle(const OfferDemand& before, const OfferDemand& after, Time now,
              const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
              Counters& counters);
  // SUPPRESS once subscribed and nothing wants offers.
  void suppress_unless_wanted(bool wants_offers, bool subscribed, std::uint32_t num_tasks, Time now,
                              const std::optional<v1::FrameworkID>& framework_id,
                              Decision& decision, Counters& counters);
  // A REVIVE the rate limit held back, or one the master never applied (no offers call_settle
  // after it while offers are wanted).
  void revive_due(Time now, bool wants_offers, const std::optional<v1::FrameworkID>& framework_id,
                  Decision& decision, Counters& counters);
  std::optional<Time> next_due() const;
  // A SUPPRESS or REVIVE got no answer or was refused.
  void suppress_failed() { suppressed_ = false; }
  void revive_failed();
  // A (re-)subscription or a dropped connection: suppression does not survive it.
  void forget_suppression() { suppressed_ = false; }

  bool suppressed() const { return suppressed_; }
  bool revive_wanted() const { return revive_wanted_; }

 private:
  void revive(Time now, const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
              Counters& counters);

  // Offers this long after a SUPPRESS, or none this long after a REVIVE, mean the master never
  // applied it: longer than a call queued behind a lost one takes to leave, shorter than a
  // decline filter.
  static constexpr Time call_settle = std::chrono::seconds(180);

  bool active_;
  Time revive_interval_;
  bool suppressed_ = false;
  Time suppressed_at_{0};
  Time last_offers_at_{0};
  bool revive_wanted_ = false;
  std::optional<Time> last_revive_;
};

}  // namespace iof::framework
