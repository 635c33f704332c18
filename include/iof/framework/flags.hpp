#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "iof/common/result.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/codec.hpp"

// The framework's command line: every flag of Mesos's example with its name and default, each
// also read from MESOS_EXAMPLE_<NAME> (upper or lower case), the command line winning.
namespace iof::framework {

// How log lines are written on stderr: as before (text), or one JSON object a line.
enum class LogFormat { text, json };

struct Flags {
  // Where the master is: host:port, master@host:port, http(s)://host:port, zk://hosts/path,
  // file:///path holding one of those, or "local" (an embedded mesos-sim). The example requires
  // it; here it defaults to "local" so that the binary runs anywhere.
  std::string master = "local";
  std::uint32_t num_tasks = 1;
  std::string role = "*";
  bool checkpoint = false;
  bool authenticate = false;
  std::string principal = "test";
  std::optional<std::string> secret;  // file:// values are read from the file

  std::string http_address = "127.0.0.1:8090";
  // Where others (the Mesos UI, other HA instances) reach this instance's HTTP server, HOST:PORT.
  // Unset on the command line, main() sets it before the runtime starts, from --http_address
  // (advertised_address()): the runtime always finds it set there.
  std::optional<std::string> advertise_address;
  unsigned local_agents = 3;  // agents of the embedded master with --master=local
  // The subscribe loop's backoff grows from 1 s to this.
  std::chrono::milliseconds max_backoff = std::chrono::seconds(15);
  // Reconnect when this many heartbeat intervals pass without an event.
  unsigned heartbeat_misses = 5;
  // Calls sent on the calls connection before the first is answered (HTTP/1.1 pipelining); 1
  // waits for each answer, for a proxy between here and the master that mishandles pipelining.
  unsigned call_window = 64;
  // How long the master keeps the framework's tasks after it disconnects; Mesos's default of 0
  // would kill every task on the first network blip.
  std::chrono::seconds failover_timeout = std::chrono::hours(24 * 7);
  // Where the framework ID and the known tasks survive a restart of this process.
  std::optional<std::string> state_file;
  // Subscribe as a new framework when the master removed the saved one (otherwise exit 1).
  bool allow_new_framework = false;
  // TEARDOWN on SIGINT/SIGTERM, killing every task, as Mesos's example does.
  bool teardown_on_exit = false;
  // https:// masters: the CA certificates to trust (PEM; default: the system's), and whether to
  // check the master's certificate at all.
  std::optional<std::string> tls_ca_file;
  bool tls_verify = true;
  // Implicit reconciliation period.
  std::chrono::seconds reconcile_interval = std::chrono::minutes(10);
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  wire::ContentType content_type = wire::ContentType::protobuf;
  Policy policy = Policy::evacuate;
  // The evacuate policy's budgets and lead time.
  Evacuation evacuation;
  // Crash-loop backoff per slot: the first wait and the longest (intent and evacuate).
  std::chrono::nanoseconds crash_backoff = std::chrono::seconds(1);
  std::chrono::nanoseconds crash_backoff_max = std::chrono::minutes(5);
  // How long an agent holding nothing of ours is remembered after the master last named it.
  std::chrono::nanoseconds agent_memory = std::chrono::minutes(10);
  // High availability: several instances elect a leader and keep the state under this
  // zk://[user:password@]host:port[,host:port...]/path; only the leader subscribes.
  std::optional<std::string> ha_zk;
  // The ZooKeeper session timeout asked for: how long a killed leader's session outlives it.
  std::chrono::milliseconds ha_session_timeout = std::chrono::seconds(10);
  // The user the tasks run as on the agents (FrameworkInfo.user): --task_user, else the user
  // running the framework. A task file's "user" overrides it per task.
  std::string task_user;
  // Each task: --task_file, or the seed's loop with --task_command, --task_cpus, --task_mem.
  TaskSpec task;
};

// The result of reading the command line: flags to run with, or text to print and an exit status
// (--help and --version exit 0; bad input exits 1 with one line naming the problem).
struct FlagsOutcome {
  std::optional<Flags> flags;
  int exit_code = 0;
  std::string output;
};

FlagsOutcome parse_flags(int argc, const char* const* argv);

// Whether `master` has one of the accepted forms; the error says which forms are.
std::optional<std::string> master_problem(const std::string& master);

}  // namespace iof::framework
