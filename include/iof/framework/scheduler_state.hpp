#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"

// The framework's pure core: what it knows about its sleeper tasks and how it decides. Events in,
// calls out; no sockets, no clock. The runtime owns one SchedulerState on its strand.
namespace iof::framework {

namespace v1 = mesos::v1;

// The seed's task: cpus:0.2;mem:32 running a shell loop, ids "0", "1", ...
struct TaskTemplate {
  double cpus = 0.2;
  double mem = 32;
  std::string command = "while [ true ]; do echo ZZZzzz...; sleep 5; done";
};

// How offers are judged (--policy).
enum class Policy {
  // Mesos's example as published, defects included: it compares its role-allocated task
  // resources with offers that carry no allocation (so it never launches on a real master),
  // treats an agent with no known window as the riskiest, and never revives its 600 s
  // declines. The baseline every benchmark compares against.
  seed,
  // The seed's intent with those three defects fixed, and all declines of one OFFERS event sent
  // as one DECLINE call.
  intent,
};

std::optional<Policy> policy_from_name(std::string_view name);
std::string_view policy_name(Policy policy);

struct Sleeper {
  v1::TaskID task_id;
  // Start of the agent's maintenance window in ns since the epoch; 0 when none is known.
  std::int64_t unavailability_start = 0;
};

struct Counters {
  std::uint64_t offers_received = 0;
  std::uint64_t inverse_offers_received = 0;
  std::uint64_t sleepers_killed = 0;
  std::uint64_t sleepers_lost_abnormally = 0;
  std::uint64_t tasks_launched = 0;
  std::uint64_t migrations = 0;
  std::uint64_t revives = 0;
};

// What the runtime must do after an event: send these calls in order; exit if asked.
struct Decision {
  std::vector<v1::scheduler::Call> calls;
  struct Exit {
    int status = 1;
    std::string message;
  };
  std::optional<Exit> exit;
  std::vector<std::string> log;  // one line each, for the runtime's logger
};

class SchedulerState {
 public:
  SchedulerState(Policy policy, std::uint32_t num_tasks, std::string role, TaskTemplate task);

  Decision handle(const v1::scheduler::Event& event);
  // TEARDOWN when subscribed, nothing otherwise (the seed's finalize()).
  Decision teardown() const;
  // Forgets the subscription when the connection drops; the maps are kept.
  void disconnected() { subscribed_ = false; }

  bool subscribed() const { return subscribed_; }
  const std::optional<v1::FrameworkID>& framework_id() const { return framework_id_; }
  Policy policy() const { return policy_; }
  // Agents holding a sleeper, and agents whose sleeper is being killed to move it. Ordered by
  // agent id so that every decision is reproducible.
  const std::map<std::string, Sleeper>& sleepers() const { return sleepers_; }
  const std::map<std::string, Sleeper>& migrating() const { return migrating_; }
  std::size_t current_sleepers() const { return sleepers_.size() + migrating_.size(); }
  const Counters& counters() const { return counters_; }

 private:
  Decision offers(const v1::scheduler::Event::Offers& offers);
  Decision inverse_offers(const v1::scheduler::Event::InverseOffers& offers);
  Decision update(const v1::TaskStatus& status);
  v1::scheduler::Call call(v1::scheduler::Call::Type type) const;
  std::vector<v1::Resource> task_resources(bool allocated) const;
  // REVIVE when an agent holding a sleeper got a new or changed window (intent policy only).
  void learn_window(const std::string& agent_id, std::int64_t start, Decision& decision);

  Policy policy_;
  std::uint32_t num_tasks_;
  std::string role_;
  TaskTemplate task_;
  bool subscribed_ = false;
  std::optional<v1::FrameworkID> framework_id_;
  std::map<std::string, Sleeper> sleepers_;
  std::map<std::string, Sleeper> migrating_;
  Counters counters_;
};

}  // namespace iof::framework
