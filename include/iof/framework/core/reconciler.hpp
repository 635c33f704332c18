#pragma once

// Reconciliation: after every subscription the core asks the master about each task it knows
// (explicit, retried with a doubling delay until every task is answered), then about every task
// the master knows (implicit), and again every reconcile_interval.
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

class Reconciler {
 public:
  explicit Reconciler(const Recovery& recovery) : recovery_(recovery) {}

  // Names `task` on `agent` in the next RECONCILE, until it is answered.
  void ask_about(const std::string& task, const std::string& agent) { unanswered_[task] = agent; }
  // The same, unless the task is already asked about.
  void also_ask_about(const std::string& task, const std::string& agent) {
    unanswered_.try_emplace(task, agent);
  }
  // The next explicit RECONCILE is retried after retry_base again.
  void restart_backoff() { delay_ = {}; }
  // One RECONCILE naming every unanswered task, asked again after the (doubled) delay.
  void ask_unanswered(Time now, const std::optional<v1::FrameworkID>& framework_id,
                      Decision& decision, Counters& counters);
  // An empty RECONCILE: the master answers with every task of this framework it knows.
  void ask_everything(Time now, const std::optional<v1::FrameworkID>& framework_id,
                      Decision& decision, Counters& counters);
  // An answer about `task`: true when it was the last one unanswered.
  bool answered(const std::string& task);
  // What `now` made due: an explicit retry or the periodic implicit reconciliation.
  void ask_due(Time now, const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
               Counters& counters);
  std::optional<Time> next_due() const;
  // The connection dropped: the next SUBSCRIBED starts over.
  void forget();
  // The framework starts over as a new one: nothing is asked about any more.
  void clear() { unanswered_.clear(); }

  bool asking(const std::string& task) const { return unanswered_.contains(task); }
  std::size_t unanswered() const { return unanswered_.size(); }

 private:
  Recovery recovery_;
  std::map<std::string, std::string> unanswered_;  // task id -> agent
  Time delay_{0};
  std::optional<Time> due_;           // next explicit retry
  std::optional<Time> implicit_due_;  // next implicit reconciliation
};

}  // namespace iof::framework
