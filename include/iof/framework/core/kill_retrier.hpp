#pragma once

// The KILLs the core sent and is waiting to see end: each is sent again, with a doubling delay,
// until a terminal update for its task arrives.
#include <map>
#include <optional>
#include <set>
#include <string>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

class KillRetrier {
 public:
  // `grace`: the task's kill grace period, said again on every KILL (nullopt: the agent's).
  explicit KillRetrier(const Recovery& recovery, std::optional<Time> grace = std::nullopt)
      : base_(recovery.retry_base), cap_(recovery.retry_cap), grace_(grace) {}

  // A KILL of `task` on `agent` has just been sent: send it again after retry_base.
  void sent(const std::string& task, const std::string& agent, Time now);
  // A restored task whose KILL may never have left: sent on the next retry round.
  void unsure(const std::string& task, const std::string& agent);
  // After a re-subscription: KILLs sent on the old connection may never have arrived.
  void all_due(Time now);
  // Its task ended: no more retries.
  void done(const std::string& task) { killing_.erase(task); }
  void clear() { killing_.clear(); }

  // The KILLs due by `now`, sent again with their delay doubled.
  void resend_due(Time now, const std::optional<v1::FrameworkID>& framework_id, Decision& decision,
                  Counters& counters);
  std::optional<Time> next_due() const;

  bool contains(const std::string& task) const { return killing_.contains(task); }
  bool empty() const { return killing_.empty(); }
  std::size_t size() const { return killing_.size(); }
  bool killing_on(const std::string& agent) const;
  std::set<std::string> agents() const;
  // Task id -> agent, in task id order.
  std::map<std::string, std::string> tasks() const;

 private:
  struct Retry {
    std::string agent;
    Time due{0};
    Time delay{0};
  };
  Time base_;
  Time cap_;
  std::optional<Time> grace_;
  std::map<std::string, Retry> killing_;  // by task id
};

// The KILL call for `task` on `agent`, with a KillPolicy when a grace period is given: it
// overrides the one the task was launched with, so every KILL says it again.
v1::scheduler::Call kill_call(const std::optional<v1::FrameworkID>& framework_id,
                              const std::string& task, const std::string& agent,
                              std::optional<Time> grace = std::nullopt);

}  // namespace iof::framework
