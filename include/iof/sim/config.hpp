#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// What a mesos-sim cluster is made of and how it behaves. Defaults are a real mesos-master's
// where one exists; the emulator-only settings default to what a small real cluster does.
namespace iof::sim {

// Wall-clock time, as nanoseconds since the Unix epoch: the unit of Mesos's TimeInfo, which the
// model compares with maintenance windows. The model never reads a clock; callers pass `now`.
using Time = std::chrono::nanoseconds;
using Duration = std::chrono::nanoseconds;

struct Config {
  // The master's identity. An empty id is drawn from `seed`, like a real master's random UUID.
  std::string master_id;
  std::string ip = "127.0.0.1";
  std::string hostname = "127.0.0.1";
  std::uint16_t port = 5050;
  std::string version = "1.12.0";

  Duration allocation_interval = std::chrono::seconds(1);
  // Offers are rescinded after this long; unset (the master's default) means never.
  std::optional<Duration> offer_timeout;
  Duration heartbeat_interval = std::chrono::seconds(15);
  // --roles: when set, frameworks may only subscribe with these roles ("*" is always allowed).
  std::optional<std::vector<std::string>> roles;

  // Simulated agents: agent1..agentN with ips 127.0.0.2, 127.0.0.3, ... each holding
  // `agent_resources` (Mesos resource syntax).
  std::size_t agents = 3;
  std::string agent_resources = "ports:[31000-32000];cpus:2;mem:1024;disk:10240";
  // Attributes per group of agents, as their --attributes flags would give them
  // (iof/sim/agent_attributes.hpp has the syntax); empty: none.
  std::string agent_attributes;

  // The simulated command executor: TASK_STARTING as soon as a task reaches its agent,
  // TASK_RUNNING `launch_latency` later; TASK_KILLED `kill_latency` after a kill.
  // The defaults are a real agent's, measured (see --task_launch_latency).
  Duration launch_latency = std::chrono::milliseconds(400);
  Duration kill_latency = std::chrono::milliseconds(100);
  // Each task's latencies spread uniformly over latency ± jitter, never below zero. The draw
  // depends only on `seed`, the task and its agent, so a replay (or another framework launching
  // the same task on the same agent) sees the same latency whatever else happens meanwhile.
  Duration launch_jitter{0};
  Duration kill_jitter{0};
  // A heavy tail on top: this fraction of launches and kills takes up to `slow_step_extra`
  // longer (drawn the same way). Off by default.
  double slow_step_fraction = 0;
  Duration slow_step_extra{0};
  // Health checks of simulated tasks fail until the task has run this long (a service that
  // takes a while to answer), then pass unless /sim/tasks/health broke the task's service.
  Duration task_ready_delay{0};
  // --execute: the shell really runs command tasks (TaskInfo.command, no custom executor) on
  // this machine. The model then reports TASK_STARTING, asks the shell to start or kill the
  // process (Cluster::take_execution_requests) and reports what the shell says happened
  // (task_started, task_exited) instead of simulating the latencies above.
  bool execute = false;
  // An agent resends an unacknowledged status update after this, doubling up to 10 minutes.
  Duration status_update_retry = std::chrono::seconds(10);

  // The master pings each agent every `agent_ping_timeout`; an agent that leaves
  // `max_agent_ping_timeouts` pings in a row unanswered is marked unreachable (mesos-master's
  // flags and defaults).
  Duration agent_ping_timeout = std::chrono::seconds(15);
  std::uint32_t max_agent_ping_timeouts = 5;

  // Seeds every random choice (ids, uuids, agent order) so that a run can be replayed.
  std::uint64_t seed = 0;
};

}  // namespace iof::sim
