#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "iof/common/result.hpp"
#include "iof/sim/config.hpp"
#include "iof/sim/registry.pb.h"
#include "iof/sim/sent_event.hpp"

#include "mesos/v1/maintenance/maintenance.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

// The pure model of a Mesos master with simulated agents: frameworks, the allocator, tasks and a
// command executor per task, maintenance. It owns no socket and reads no clock: every entry
// point takes `now`, and every event it wants sent goes to an outbox the caller drains. That
// makes it deterministic for a given seed and sequence of calls, which is what the tests need.
namespace iof::sim {

// One SUBSCRIBE stream. Ids are never reused.
using ConnectionId = std::uint64_t;

struct Outgoing {
  ConnectionId connection = 0;
  // The event to send on that stream; absent means: close the stream after what came before.
  std::shared_ptr<const SentEvent> event;
};

// With Config::execute: what the model asks the shell's executor to do with a real process.
struct ExecutionRequest {
  enum class Kind { launch, kill };
  Kind kind = Kind::launch;
  std::string framework_id;
  std::string agent_id;
  std::string container_id;
  // The task as launched; for a kill only its id matters.
  mesos::v1::TaskInfo task;
  // kill: SIGTERM, then SIGKILL after this (the KILL call's kill_policy, else the task's, else
  // the command executor's 3 s default; a drain's max_grace_period caps it).
  Duration grace_period{};
};

enum class FrameworkState { unknown, removed, disconnected, connected };

// An operator call the master refused: the HTTP status and the body it answers with.
struct OperatorError {
  unsigned status = 400;
  std::string message;
};

class Cluster {
 public:
  // A new cluster whose agents register at `now`. Fails on an invalid --agent_resources or
  // --roles value.
  static Result<Cluster> create(Config config, Time now);
  // The cluster a restarted master recovers from its registry: same master id, agents,
  // frameworks (disconnected until they subscribe again), tasks, schedule and machine modes.
  static Result<Cluster> recover(Config config, const registry::Registry& registry, Time now);

  Cluster(Cluster&&) noexcept;
  Cluster& operator=(Cluster&&) noexcept;
  ~Cluster();

  const Config& config() const;
  const mesos::v1::MasterInfo& master_info() const;

  // ---- Scheduler API, for calls that passed the HTTP checks ------------------------------------

  // Opens the stream of a SUBSCRIBE. Its first events (SUBSCRIBED and HEARTBEAT, or ERROR and a
  // close when the subscription is refused) are in the outbox under the returned connection.
  // `principal` is the authenticated one, if any.
  ConnectionId subscribe(const mesos::v1::scheduler::Call& call,
                         const std::optional<std::string>& principal, Time now);
  // The Mesos-Stream-Id of a connection, refused ones included (the master sends the header
  // before it decides), until disconnected() is called for it; "" after that.
  std::string stream_id(ConnectionId connection) const;
  // The stream ended on the client's side (or the shell closed it).
  void disconnected(ConnectionId connection, Time now);

  FrameworkState framework_state(const std::string& framework_id) const;
  // The current stream id and principal of a connected framework.
  std::string framework_stream_id(const std::string& framework_id) const;
  std::optional<std::string> framework_principal(const std::string& framework_id) const;

  // Every call but SUBSCRIBE and UPDATE_FRAMEWORK, from a connected framework with the right
  // stream id: the master answers 202 and acts asynchronously, so nothing is returned.
  void handle(const mesos::v1::scheduler::Call& call, Time now);
  // UPDATE_FRAMEWORK answers 200 or 400 with this message.
  Result<void> update_framework(const mesos::v1::scheduler::Call& call, Time now);

  // ---- Fault injection (emulator only) --------------------------------------------------------

  // The task's process exits with status 1: its executor reports TASK_FAILED, as a crashing
  // command would. Fails for an unknown or already terminal task.
  Result<void> fail_task(const std::string& framework_id, const std::string& task_id, Time now);

  // The agent's machine dies without notice: nothing on it runs or reports any more, while the
  // master still counts it as registered until it has missed --max_agent_ping_timeouts pings
  // in a row; then the agent is marked unreachable. Returns how long that takes from `now`.
  // Fails for an agent that is not registered or already disconnected.
  Result<Duration> disconnect_agent(const std::string& agent_id, Time now);

  // Which tasks /sim/tasks/health acts on: one task of a framework (framework_id and task_id),
  // or every task on an agent (agent_id, optionally only those of framework_id).
  struct HealthTarget {
    std::string framework_id;
    std::string task_id;
    std::string agent_id;
  };
  // The selected tasks' services fail every health check from now on (`healthy` false), or
  // answer them again; their checkers report it at their next checks. Returns how many tasks
  // with a health check were selected. Fails for an unknown agent, and for a named task that
  // is unknown, terminal or without a health check.
  Result<std::size_t> set_task_health(const HealthTarget& target, bool healthy);

  // ---- Real execution (Config::execute) --------------------------------------------------------

  // Launches and kills the shell must carry out, in order.
  std::vector<ExecutionRequest> take_execution_requests();
  // The task's process runs: its executor reports TASK_RUNNING.
  void task_started(const std::string& framework_id, const std::string& task_id, Time now);
  // The task's process ended (or could not start): its executor reports `state` (terminal) with
  // `message`, as the command executor words it. Ignored for unknown or terminal tasks.
  void task_exited(const std::string& framework_id, const std::string& task_id,
                   mesos::v1::TaskState state, const std::string& message, Time now);
  // One real probe of the task's health check passed or failed (the shell probes executed tasks
  // that have one, from TASK_RUNNING on). Ignored for unknown, killed or terminal tasks.
  void health_checked(const std::string& framework_id, const std::string& task_id, bool passed,
                      Time now);

  // ---- Agents (v1 operator calls) ---------------------------------------------------------------

  // DRAIN_AGENT: deactivates the agent (its offers are rescinded and no more are made) and has
  // it kill every task; DRAINING becomes DRAINED once no task is left, or the agent is marked
  // gone with `mark_gone`. Also accepted for an unreachable agent, which stays DRAINING.
  std::optional<OperatorError> drain_agent(const std::string& agent_id,
                                           std::optional<Duration> max_grace_period, bool mark_gone,
                                           Time now);
  // DEACTIVATE_AGENT: no more offers from the agent; its tasks keep running.
  std::optional<OperatorError> deactivate_agent(const std::string& agent_id);
  // REACTIVATE_AGENT: offers again from a deactivated or DRAINED agent.
  std::optional<OperatorError> reactivate_agent(const std::string& agent_id);

  // ---- Maintenance (the legacy endpoints and the v1 operator calls share these) ----------------

  Result<void> update_schedule(const mesos::v1::maintenance::Schedule& schedule, Time now);
  Result<void> start_maintenance(const std::vector<mesos::v1::MachineID>& machines, Time now);
  Result<void> stop_maintenance(const std::vector<mesos::v1::MachineID>& machines, Time now);
  mesos::v1::maintenance::Schedule schedule() const;
  mesos::v1::maintenance::ClusterStatus maintenance_status() const;

  // ---- Time ------------------------------------------------------------------------------------

  // Runs everything due by `now`: allocations, heartbeats, offer timeouts, executor progress,
  // status update retries, framework removals.
  void advance(Time now);
  // When advance() next has something to do.
  std::optional<Time> next_wakeup() const;

  // ---- Output ----------------------------------------------------------------------------------

  std::vector<Outgoing> take_outbox();
  // True when the registry changed since the last call (so the shell persists only then).
  bool take_registry_changed();
  registry::Registry registry() const;

  // ---- Views -----------------------------------------------------------------------------------

  // Typed summaries for the deterministic simulator's invariants (no JSON round trip).
  struct AgentSummary {
    std::string id;
    std::string hostname;
    std::string ip;
    bool registered = false;   // not unreachable, removed or gone
    bool vanished = false;     // its machine died (disconnect_agent)
    bool deactivated = false;  // DEACTIVATE_AGENT or DRAIN_AGENT
    bool draining = false;
    mesos::v1::MachineInfo::Mode mode = mesos::v1::MachineInfo::UP;
    std::optional<Time> window_start;  // of its machine's scheduled unavailability
  };
  struct TaskSummary {
    std::string task_id;
    std::string agent_id;
    mesos::v1::TaskState state = mesos::v1::TASK_STAGING;
    bool killing = false;  // a KILL reached the master
  };
  std::vector<AgentSummary> agent_summaries() const;
  // The ids of the agents registered now, in the master's order; cheap enough for every step.
  // The views are valid until the model next changes.
  void registered_agents(std::vector<std::string_view>& out) const;
  // The framework's tasks the master knows, unreachable ones included, by task id.
  std::vector<TaskSummary> task_summaries(const std::string& framework_id) const;
  // Status updates of the framework still waiting for an acknowledgement.
  std::size_t unacknowledged_updates(const std::string& framework_id) const;
  // Whether the framework has suppressed offers for every one of its roles.
  bool framework_suppressed(const std::string& framework_id) const;

  // GET /master/state, in the real master's JSON shape for the parts the model has.
  std::string state_json() const;
  // GET /metrics/snapshot: the master/* figures.
  std::map<std::string, double> metrics(Time now) const;

  struct State;

 private:
  explicit Cluster(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace iof::sim
