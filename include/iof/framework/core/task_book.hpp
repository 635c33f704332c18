#pragma once

// The framework's tasks: the sleeper on each agent, and the tasks being killed to move them. The
// only writer of both, so that a task is on the books once, on one agent, and a replacement's
// link always names a task that is still there.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "iof/framework/core/types.hpp"

namespace iof::framework {

class TaskBook {
 public:
  // Agents holding a sleeper, and agents whose task is being killed to move it. Ordered by agent
  // id: every decision iterates them in this order, so that it is reproducible.
  const std::map<std::string, Sleeper>& sleepers() const { return sleepers_; }
  const std::map<std::string, Sleeper>& migrating() const { return migrating_; }
  std::size_t size() const { return sleepers_.size() + migrating_.size(); }
  // Replacements launched whose old task still runs: they do not fill a slot of N.
  std::size_t replacements_in_flight() const { return replacements_; }

  // Indexes of the sleepers, kept in step with every change, so that what each event asks (what
  // must move, what replaces what, how many run) costs what it finds, not the number of tasks.
  // Agents whose sleeper has a maintenance window:
  const std::set<std::string>& windowed() const { return windowed_; }
  // Sleepers TASK_STAGING since a launch decided here (launched_at), oldest launch first:
  const std::set<std::pair<Time, std::string>>& staging_launches() const { return staging_; }
  // Agents whose sleeper is a replacement whose old task still runs:
  const std::set<std::string>& replacing() const { return replacing_; }
  // Agents whose sleeper is RUNNING with its launch not yet measured (launched_at is kept until
  // the task is ready):
  const std::set<std::string>& running_unmeasured() const { return unmeasured_; }
  // Those of them ready since a time, by that time:
  const std::set<std::pair<Time, std::string>>& running_unmeasured_by_ready() const {
    return unmeasured_ready_;
  }
  // Agents whose sleeper is RUNNING and ready since a time, by that time. A task waiting out
  // --min_ready_time is at the end.
  const std::set<std::pair<Time, std::string>>& running_ready_since() const { return ready_since_; }
  // Whether a sleeper is the replacement of the task on `agent`.
  bool being_replaced(const std::string& agent) const { return replacers_.contains(agent); }
  // The agents of the sleepers replacing the task on `agent`, by agent id; empty when none.
  const std::set<std::string>& replacements_of(const std::string& agent) const {
    static const std::set<std::string> none;
    const auto found = replacers_.find(agent);
    return found == replacers_.end() ? none : found->second;
  }
  // Sleepers in `state`.
  std::size_t in_state(v1::TaskState state) const;
  // How many times a sleeper's window became known or changed to another window: the demand for
  // offers grows with each (offer_pacer.hpp).
  std::uint64_t windows_learnt() const { return windows_learnt_; }

  // Where a task is on the books.
  struct Place {
    std::string agent;
    bool migrating = false;
  };
  std::optional<Place> find(const std::string& task_id) const;
  // For each slot below `count`, whether a sleeper fills it (a task being killed fills none); and
  // the lowest slot none fills.
  std::vector<bool> filled_slots(std::uint32_t count) const;
  std::uint32_t lowest_free_slot() const;
  bool knows(const std::string& task_id) const { return by_task_.contains(task_id); }

  // What a restart read back from the state file; replaces everything.
  void restore(const std::map<std::string, Sleeper>& sleepers,
               const std::map<std::string, Sleeper>& migrating);
  // The master removed the framework: its tasks are no longer ours.
  void clear();

  // A LAUNCH was decided: `sleeper` is the task on `agent`.
  void launch(const std::string& agent, Sleeper sleeper);
  // A live task of this framework that the books did not hold is kept as the sleeper on `agent`,
  // in the lowest free slot.
  void adopt(const std::string& agent, const v1::TaskID& task_id, v1::TaskState state,
             std::int64_t window_start);
  // The master reported the task's state.
  void set_state(const std::string& task_id, v1::TaskState state);
  // An update's `healthy` (none: it said nothing, and the last result stands) at `now`: the task
  // is ready while it is RUNNING and, when `checked` (it has a health check), its last result
  // was healthy; ready_since says since when.
  void set_health(const std::string& task_id, std::optional<bool> healthy, bool checked, Time now);
  // An offer or inverse offer told the window of the agent holding a sleeper. False when it was
  // already known.
  bool learn_window(const std::string& agent, std::int64_t start);
  // The sleeper on `agent` runs: when it was launched (0 when adopted or restored), forgotten
  // here so that each launch is measured once.
  Time take_launched_at(const std::string& agent);

  // The sleeper on `agent` is being killed to move it, the KILL decided at `kill_sent_at`.
  // `retired_for` names the agent of its running replacement when make-before-break retires it.
  void start_moving(const std::string& agent, Time kill_sent_at, AgentId retired_for = {});
  // The replacement on `agent` runs: it no longer replaces anything and is simply a task.
  void replacement_done(const std::string& agent);
  // The retirement of the task on `agent` is called off: it is the sleeper there again, and the
  // replacement it was retired for replaces it once more.
  void keep(const std::string& agent);

  // The task on `agent` is gone (ended, lost, or taken with its agent). A replacement of a removed
  // sleeper is now simply a task. Both return whether there was such a task.
  bool remove_sleeper(const std::string& agent);
  bool remove_migrating(const std::string& agent);

 private:
  // Puts `sleeper` on `agent` in `map`, replacing what was there; a task already on the books
  // elsewhere leaves that place, since a task runs on one agent only.
  void place(bool migrating, const std::string& agent, Sleeper sleeper);
  bool remove(bool migrating, const std::string& agent);
  std::map<std::string, Sleeper>& map_of(bool migrating) {
    return migrating ? migrating_ : sleepers_;
  }
  // The indexes' side of a sleeper leaving `agent` or arriving there; every change of a
  // sleeper's indexed fields is bracketed by the two.
  void unindex(const std::string& agent, const Sleeper& sleeper);
  void index(const std::string& agent, const Sleeper& sleeper);
  // Changes the sleeper on `agent`, if any, keeping the indexes.
  template <typename Change>
  void change_sleeper(const std::string& agent, const Change& change);

  std::map<std::string, Sleeper> sleepers_;   // by agent id
  std::map<std::string, Sleeper> migrating_;  // by agent id
  std::map<std::string, Place> by_task_;      // by task id, for both maps

  std::set<std::string> windowed_;
  std::set<std::pair<Time, std::string>> staging_;
  std::set<std::string> replacing_;
  std::set<std::string> unmeasured_;
  std::set<std::pair<Time, std::string>> unmeasured_ready_;
  std::map<std::string, std::set<std::string>>
      replacers_;  // replaced agent -> replacements' agents
  std::map<v1::TaskState, std::size_t> states_;
  // How many sleepers hold each slot (two while a restart sorts out a duplicate); a slot past
  // the end is held by none.
  std::vector<std::uint32_t> slot_holders_;
  std::set<std::pair<Time, std::string>> ready_since_;
  std::size_t replacements_ = 0;
  std::uint64_t windows_learnt_ = 0;
};

}  // namespace iof::framework
