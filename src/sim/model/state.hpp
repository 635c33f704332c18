#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "iof/sim/cluster.hpp"
#include "iof/wire/task_state.hpp"

#include "holdings.hpp"
#include "mesos/v1/allocator/allocator.pb.h"
#include "mesos/v1/mesos.pb.h"
#include "offer_wire.hpp"

// The model's data, shared by the files that implement Cluster. Each file owns one concern
// (frameworks, allocator, tasks, maintenance, views, registry); they meet only here.
namespace iof::sim {

namespace v1 = mesos::v1;
using v1::scheduler::Call;
using v1::scheduler::Event;

namespace model {

// An offer's id is "<master id>-O<number>"; the model keys offers by the number, which spares
// a 40-byte string, its allocation and its hashing in every book an offer is in.
using OfferNumber = std::uint64_t;

// A decline filter: offers of at most `resources` on this agent are refused until `expires`.
struct Filter {
  std::vector<v1::Resource> resources;
  Time expires{};
  std::uint64_t agent_version = 0;  // the agent's `version` when installed
};

// Where an agent stands in the master's books: registered; unreachable (its pings went
// unanswered); removed (its machine went DOWN); gone (drained with mark_gone).
enum class AgentState { registered, unreachable, removed, gone };

struct Agent {
  std::string id;
  std::string hostname;
  std::string ip;
  std::uint64_t ordinal = 0;  // N in agentN
  // Worked out once when the agent joins (Cluster::State::add_agent): offering 50,000 agents
  // rebuilt both for every offer.
  std::string machine;  // its machine's key in `machines` and `agents_by_machine`
  v1::URL url;          // the agent's libprocess URL, as offers carry it
  AgentWire wire;       // the parts of its offers that never change, serialized
  std::vector<v1::Resource> total;
  std::vector<v1::Attribute> attributes;  // --agent_attributes
  Holdings available;                     // neither offered nor used by a task
  std::uint64_t version = 0;              // bumped whenever `available` changes
  AgentState state = AgentState::registered;
  Time registered_at{};
  // The master pings the agent every --agent_ping_timeout from here on.
  Time pings_from{};
  // The agent's machine died without notice (/sim/agents/disconnect): nothing runs or reports
  // there any more, but the master does not know until the pings time out.
  bool vanished = false;
  std::uint64_t vanish_generation = 0;
  Time unreachable_at{};
  // DEACTIVATE_AGENT or DRAIN_AGENT: no offers. Kept while the agent is unreachable.
  bool deactivated = false;
  std::optional<v1::DrainInfo> drain;
  std::optional<Time> drain_started;  // the estimated drain start time
  std::set<OfferNumber> offers;       // outstanding offers on this agent
  std::set<std::string> tasks;        // task keys
  // The latest inverse-offer reply per framework id, for /maintenance/status.
  std::map<std::string, v1::allocator::InverseOfferStatus> statuses;

  bool registered() const { return state == AgentState::registered; }
  // The master's `active`: registered and not deactivated (vanished agents still look active).
  bool active() const { return registered() && !deactivated; }
};

struct Offer {
  std::string framework;
  std::size_t agent = 0;
  std::string role;
  std::vector<v1::Resource> resources;
};

struct InverseOffer {
  std::string framework;
  std::size_t agent = 0;
};

struct Framework {
  std::string id;
  v1::FrameworkInfo info;
  ConnectionId connection = 0;  // 0 while disconnected
  std::string stream_id;
  // Recovered from the registry and not subscribed since: never timed out, as a real master
  // keeps the frameworks its agents report after a failover.
  bool recovered = false;
  Time registered_at{};
  Time unregistered_at{};
  // Bumped on every (re)subscription and disconnection, so that timers of an older
  // connection do nothing.
  std::uint64_t epoch = 0;
  std::set<std::string> suppressed_roles;
  std::map<std::string, std::unordered_map<std::size_t, Filter>> filters;  // role -> agent
  std::unordered_map<std::size_t, Time> inverse_filters;                   // agent -> until
  std::unordered_map<std::size_t, std::string> inverse_offers;  // agent -> outstanding id
  // Hashed: a tree of 50,000 offer ids cost a dozen cache misses per offer made. Whoever needs an
  // order sorts.
  std::unordered_set<OfferNumber> offers;
  // Scheduler calls taken from this framework, by type (SUBSCRIBE included), as the master's
  // master/frameworks/<name>/<id>/calls/<type> counters.
  std::map<v1::scheduler::Call::Type, std::uint64_t> calls;
  std::set<std::string> tasks;              // task keys
  std::set<std::string> unreachable_tasks;  // keys into State::unreachable_tasks

  bool has(v1::FrameworkInfo::Capability::Type capability) const;
  std::vector<std::string> roles() const;
  bool connected() const { return connection != 0; }
};

enum class Step : int { none = 0, running = 1, killed = 2 };

// The agent's health checker for a task launched with a HealthCheck, as upstream's
// HealthChecker runs it inside the command executor: first check `delay_seconds` after
// TASK_RUNNING, then every `interval_seconds`; failures within `grace_period_seconds` are
// ignored until a check has passed; `consecutive_failures` failures in a row kill the task.
struct Health {
  Time started{};            // the checker's start, with TASK_RUNNING
  bool initializing = true;  // no check has passed yet
  std::uint32_t consecutive_failures = 0;
  bool killed = false;           // the executor killed the task for failing them
  std::uint64_t generation = 0;  // of the simulated checks' timer
};

struct Task {
  std::string framework;
  std::size_t agent = 0;
  v1::TaskInfo info;
  std::string role;
  v1::TaskState state = v1::TASK_STAGING;  // the latest state the master knows
  std::vector<v1::Resource> resources;     // allocated while not terminal
  // The agent's status update stream: the front is in flight, the rest wait for its ACK.
  std::deque<v1::TaskStatus> pending;
  Duration retry_interval{};
  std::uint64_t retry_generation = 0;
  // The simulated executor's next transition.
  Step next_step = Step::none;
  Time next_step_due{};
  std::uint64_t step_generation = 0;
  bool killing = false;
  // A real process runs it (Config::execute): the shell reports its progress, no timer does.
  bool executed = false;
  std::string container_id;
  std::vector<v1::TaskStatus> history;
  // Set once the task runs, when it was launched with a health check.
  std::optional<Health> health;
  // /sim/tasks/health: the task's service fails every health check until made healthy again.
  bool service_broken = false;
};

// How an agent leaves the master's books, and what its tasks' frameworks are told.
struct Removal {
  AgentState becomes = AgentState::removed;
  std::string message;
  // For PARTITION_AWARE frameworks, and for the others.
  v1::TaskState aware_state = v1::TASK_LOST;
  v1::TaskStatus::Reason aware_reason = v1::TaskStatus::REASON_AGENT_REMOVED;
  v1::TaskState other_state = v1::TASK_LOST;
  v1::TaskStatus::Reason other_reason = v1::TaskStatus::REASON_AGENT_REMOVED;
  // Set when the agent becomes unreachable: on every update, and its tasks are kept.
  std::optional<Time> unreachable_at;
};

struct Machine {
  v1::MachineID id;
  v1::MachineInfo::Mode mode = v1::MachineInfo::UP;
  v1::Unavailability unavailability;
};

enum class TimerKind {
  heartbeat,
  offer_timeout,
  executor_step,
  update_retry,
  framework_removal,
  agent_unreachable,
  health_check
};

struct Timer {
  TimerKind kind{};
  std::string key;  // framework id, offer id or task key
  std::uint64_t generation = 0;
};

struct Counters {
  std::uint64_t valid_status_update_acknowledgements = 0;
  std::uint64_t invalid_status_update_acknowledgements = 0;
  std::uint64_t messages_decline_offers = 0;
  std::uint64_t messages_launch_tasks = 0;
  std::uint64_t messages_kill_task = 0;
  std::uint64_t messages_reconcile_tasks = 0;
  std::uint64_t messages_revive_offers = 0;
  std::uint64_t messages_suppress_offers = 0;
  std::uint64_t messages_status_update_acknowledgement = 0;
  std::uint64_t messages_teardown_framework = 0;
  std::uint64_t offers_sent = 0;
  std::uint64_t inverse_offers_sent = 0;
  std::uint64_t offers_rescinded = 0;
  std::uint64_t offers_declined = 0;
  std::uint64_t offers_accepted = 0;
  std::uint64_t tasks_launched = 0;
  std::uint64_t frameworks_removed = 0;
  std::uint64_t agents_removed = 0;  // master/slave_removals
  std::uint64_t agents_removed_unhealthy = 0;
  std::uint64_t agents_unreachable_scheduled = 0;
  std::uint64_t agents_unreachable_completed = 0;
  std::uint64_t agents_disconnected = 0;  // /sim/agents/disconnect
  std::uint64_t events_sent = 0;
  std::map<v1::TaskState, std::uint64_t> terminal_tasks;  // by final state
};

}  // namespace model

struct Cluster::State {
  Config config;
  v1::MasterInfo master_info;
  std::mt19937_64 random;
  Time started_at{};

  std::vector<model::Agent> agents;
  std::unordered_map<std::string, std::size_t> agent_by_id;
  std::unordered_map<std::string, std::vector<std::size_t>> agents_by_machine;
  std::map<std::string, model::Framework> frameworks;
  std::map<std::string, v1::FrameworkInfo> removed_frameworks;
  std::unordered_map<model::OfferNumber, model::Offer> offers;
  std::unordered_map<std::string, model::InverseOffer> inverse_offers;
  std::map<std::string, model::Task> tasks;  // key: framework id + '\n' + task id
  // Tasks of unreachable agents, as the master keeps them for /master/state.
  std::map<std::string, model::Task> unreachable_tasks;
  // Finished tasks per framework id, oldest first: the master lists the latest
  // --max_completed_tasks_per_framework (1000) of them as "completed_tasks".
  std::map<std::string, std::deque<model::Task>> completed_tasks;
  static constexpr std::size_t max_completed_tasks_per_framework = 1000;
  std::map<std::string, model::Machine> machines;  // key: machine_key()
  v1::maintenance::Schedule schedule;
  std::unordered_map<ConnectionId, std::string> connections;  // -> framework id ("" refused)
  std::unordered_map<ConnectionId, std::string> stream_ids;   // until the stream is gone

  ConnectionId next_connection = 1;
  std::uint64_t next_framework = 0;
  std::uint64_t next_offer = 0;
  std::uint64_t next_agent = 0;

  std::multimap<Time, model::Timer> timers;
  Time next_periodic_allocation{};
  std::optional<Time> allocation_requested;

  std::vector<Outgoing> outbox;
  std::vector<ExecutionRequest> execution_requests;  // Config::execute only
  bool registry_changed = false;
  model::Counters counters;

  // ---- shared helpers (state.cpp) ----
  void send(ConnectionId connection, Event event);
  void send_to(const model::Framework& framework, Event event);
  void send_to(const model::Framework& framework, std::shared_ptr<const SentEvent> event);
  void close(ConnectionId connection);
  void schedule_timer(Time at, model::TimerKind kind, std::string key, std::uint64_t generation);
  void request_allocation(Time now);
  std::string uuid_text();
  std::string uuid_bytes();
  model::Framework* framework(const std::string& id);
  // "<master id>-O": the ids of offers and inverse offers, which share one counter.
  std::string offer_id_prefix() const { return master_info.id() + "-O"; }
  std::string offer_id(model::OfferNumber number) const;
  // The number of the outstanding offer with this id, if there is one. Only the id as the master
  // wrote it names an offer: a number with a leading zero, a sign or another master's prefix
  // does not, as a string comparison would not match it either.
  std::optional<model::OfferNumber> outstanding_offer(std::string_view id) const;
  // The master's per-framework metrics (master/frameworks/<name>/<id>/...): the call counters.
  void add_framework_metrics(std::map<std::string, double>& metrics) const;
  model::Task* task(const std::string& framework_id, const std::string& task_id);
  std::optional<std::size_t> agent(const std::string& agent_id) const;
  // Registers a new agent: its machine and URL, and the indexes by id and by machine.
  void add_agent(model::Agent agent);
  const model::Machine* machine_of(const model::Agent& agent) const;
  void changed() { registry_changed = true; }

  // ---- frameworks.cpp ----
  void remove_framework(const std::string& id);
  void deactivate(model::Framework& framework);
  void heartbeat(const std::string& framework_id, std::uint64_t generation, Time now);
  void failover_timeout(const std::string& framework_id, std::uint64_t generation);

  // ---- allocator.cpp ----
  void allocate(Time now);
  void generate_inverse_offers(Time now);
  // Takes an offer back: its resources return to the agent, with a decline filter when given.
  void recover_offer(model::OfferNumber number, const std::optional<v1::Filters>& filters,
                     Time now);
  // A decline filter for what `framework` leaves unused on `agent`, per the refuse_seconds rules.
  void install_filter(model::Framework& framework, const std::string& role, std::size_t agent,
                      std::vector<v1::Resource> resources,
                      const std::optional<v1::Filters>& filters, Time now);
  void rescind_offer(model::OfferNumber number);
  void remove_inverse_offer(const std::string& id, bool rescind);
  void release(model::Agent& agent, const std::vector<v1::Resource>& resources);
  void decline(const Call& call, Time now);
  void revive(model::Framework& framework, const Call::Revive& revive, Time now);
  void suppress(model::Framework& framework, const Call::Suppress& suppress);
  void answer_inverse_offers(model::Framework& framework,
                             const google::protobuf::RepeatedPtrField<v1::OfferID>& ids,
                             const std::optional<v1::Filters>& filters,
                             v1::allocator::InverseOfferStatus::Status status, Time now);

  // ---- launch.cpp ----
  void accept(model::Framework& framework, const Call::Accept& accept, Time now);

  // ---- executor.cpp ----
  // The executor reports a new state: queued on the task's update stream, sent if at its head.
  void emit(const std::string& task_key, v1::TaskState state,
            const std::optional<std::string>& message, Time now);
  void executor_step(const std::string& task_key, std::uint64_t generation, Time now);
  // Queues an executor's status on the task's update stream (sent if at its head) and records
  // it; `emit` and the health updates both end here.
  void enqueue(const std::string& task_key, v1::TaskStatus status, Time now);

  // ---- health.cpp ----
  // The task runs: its health checker starts, if it has a health check.
  void start_health_checks(const std::string& task_key, Time now);
  // A simulated check is due (the task is not executed): it passes once the task has run for
  // --task_ready_delay, unless its service is broken.
  void health_check_due(const std::string& task_key, std::uint64_t generation, Time now);
  // One check's outcome, simulated or probed, through the checker's and the executor's rules.
  void health_checked(const std::string& task_key, bool passed, Time now);

  // ---- status_updates.cpp ----
  void acknowledge(model::Framework& framework, const Call::Acknowledge& ack, Time now);
  // Sends the head of a task's update stream and arms its resend.
  void forward(const std::string& task_key, Time now);
  void retry_update(const std::string& task_key, std::uint64_t generation, Time now);
  // Sends every task's pending head to a framework that (re)subscribed.
  void resume_updates(model::Framework& framework, Time now);
  // Drops a task from the master's books and frees what it still holds.
  void forget_task(const std::string& task_key, v1::TaskState final_state);
  // Keeps a finished task for /master/state.
  void complete(model::Task task);
  // A master-generated update (no uuid) to the framework, if it is connected.
  void send_master_update(model::Framework& framework, v1::TaskStatus status);

  // ---- kill_reconcile.cpp ----
  void kill(model::Framework& framework, const Call::Kill& kill, Time now);
  // The command executor kills a live task: TASK_KILLING for frameworks that take it, then
  // SIGTERM with the grace period of `policy`, else of the task's kill policy, else 3 s.
  void executor_kill(const std::string& task_key, const v1::KillPolicy* policy, Time now);
  void reconcile(model::Framework& framework, const Call::Reconcile& reconcile, Time now);
  // The replies alone: a KILL of an unknown task reconciles it without counting a RECONCILE.
  void reconcile_tasks(model::Framework& framework, const Call::Reconcile& reconcile, Time now);

  // ---- maintenance.cpp ----
  // Machine DOWN: TASK_LOST "Agent <host> removed: <reason>" for each task, then as
  // drop_agent.
  void remove_agent(std::size_t agent, const std::string& reason, Time now);

  // ---- agents.cpp ----
  // The agent leaves the master's books: each task gets a master-generated update (then is
  // forgotten, or kept as unreachable), offers and inverse offers are rescinded, and every
  // connected framework gets FAILURE.
  void drop_agent(std::size_t agent, const model::Removal& removal, Time now);
  // Rescinds every outstanding offer and inverse offer on the agent.
  void rescind_offers_on(std::size_t agent);
  void mark_unreachable(const std::string& agent_id, std::uint64_t generation, Time now);
  // DRAINING agents without tasks become DRAINED, or gone with mark_gone.
  void check_drained(std::size_t agent, Time now);
  // The agent's executors kill a task because the agent drains.
  void drain_task(const std::string& task_key, Time now);
  // Config::execute: asks the shell to start or to kill the task's real process.
  void request_launch(const model::Task& task);
  void request_kill(const model::Task& task, Duration grace_period);
};

namespace model {

std::string task_key(const std::string& framework_id, const std::string& task_id);
std::string machine_key(const v1::MachineID& id);
using wire::is_terminal;
double seconds(Time time);
// An update the master generates itself (no uuid): SOURCE_MASTER, the reason, timestamped.
v1::TaskStatus master_status(const std::string& task_id, v1::TaskState state,
                             const std::string& message, v1::TaskStatus::Reason reason, Time now);
v1::TimeInfo time_info(Time time);
// A protobuf's seconds (a HealthCheck's, a DurationInfo's) as a duration, never negative.
Duration from_seconds(double seconds);
// Machines as the master prints them in error messages: JSON with sorted keys.
std::string machine_text(const v1::MachineID& id);
// Machines as the master streams them into text: "host (ip)", "host" or "(ip)".
std::string machine_name(const v1::MachineID& id);
// The state a framework is told in an update the master generates: TASK_LOST for the states
// only partition-aware frameworks know (status_updates.cpp).
v1::TaskState for_framework(const Framework& framework, v1::TaskState state);
// The master's task validation after the agent's check and before the resources': the kill
// policy, max_completion_time, the check and the health check (task_validation.cpp).
std::optional<std::string> invalid_task_policies(const v1::TaskInfo& task);
// And after the resources: the CommandInfo's environment and the ContainerInfo.
std::optional<std::string> invalid_task_containers(const v1::TaskInfo& task);
// How long the simulated executor takes for `step` ("launch" or "kill") of a task: the latency
// with a seeded jitter and heavy tail, the same for the same seed, task and agent (executor.cpp).
Duration jittered(Duration latency, Duration jitter, const Config& config, std::string_view step,
                  std::string_view task_key, std::string_view agent_id);

}  // namespace model
}  // namespace iof::sim
