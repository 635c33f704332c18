#pragma once

// What the maintenance benchmark's parts share: its options, the master's view of the cluster,
// a policy's result, and the text helpers. One file per part: options.cpp (flags, interruption,
// text), master_view.cpp (what the master shows), run.cpp (one policy's run), table.cpp (the
// printed table), main.cpp.
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_cluster.hpp"

#ifndef IOF_FRAMEWORK_BINARY
#error "IOF_FRAMEWORK_BINARY must name the inverse-offer-framework executable"
#endif

namespace iof::bench::maintenance {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;

// ---- Interruption: Ctrl-C stops the run, and every process it started.
extern volatile std::sig_atomic_t interrupted;
extern "C" void on_signal(int);
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};
void check_interrupted();
// Sleeps in short steps so that Ctrl-C is seen promptly.
void sleep_until(Clock::time_point until);

// ---- Flags
struct Options {
  std::size_t agents = 60;
  std::size_t tasks = 20;
  std::size_t groups = 10;
  Duration stagger = 8s;
  Duration notice = 20s;
  Duration window = 15s;
  Duration launch_latency = 2s;
  Duration launch_jitter = 1s;
  Duration kill_latency = 1s;
  Duration kill_jitter = 500ms;
  Duration allocation_interval = 1s;
  Duration start_timeout = 30s;
  Duration poll_interval = 50ms;
  std::uint64_t seed = 1;
  std::vector<std::string> policies{"seed", "intent", "evacuate"};
  iof::test::MasterKind master = iof::test::MasterKind::sim;
  std::string framework_binary = IOF_FRAMEWORK_BINARY;
  std::string log_dir;
  std::vector<std::string> framework_args;  // after "--"
};

extern const char* const usage;
// Throws std::invalid_argument with the reason; --help prints `usage` and exits 0.
Options parse_options(int argc, char** argv);

// ---- Text
std::chrono::milliseconds millis(Duration d);
double seconds(Duration d);
std::string fixed(double value, int decimals);
std::string time_text(Duration d);
std::string tasks_text(std::size_t count);
// A Mesos duration mesos-sim reads back exactly.
std::string flag_time(Duration d);
std::string shell_quote(const std::string& arg);

// ---- The master's view
struct Machine {
  std::string hostname;
  std::string ip;
};

struct Task {
  std::string key;  // framework id + '/' + task id
  std::string agent_id;
  std::string state;
};

struct View {
  std::map<std::string, std::string> hostname_of;  // registered agent id -> hostname
  std::vector<Task> tasks;  // every framework's (all are the benchmarked one)
};

View read_view(unsigned short port);
std::size_t running(const View& view);
std::size_t live_on(const View& view, const std::set<std::string>& hostnames);
double metric(unsigned short port, const std::string& name);
// Scheduler calls the master took from every framework: the master's per-framework
// master/frameworks/<name>/<id>/calls counters, on mesos-sim and a real master alike.
double framework_calls(unsigned short port);
// The same calls by type (subscribe, accept, decline, revive, ...): the master's
// master/frameworks/<name>/<id>/calls/<type> counters; types with none left out.
std::map<std::string, double> framework_calls_by_type(unsigned short port);
// Distinct tasks the master ever knew of: running, finished and unreachable.
std::size_t tasks_ever(unsigned short port);
// Every agent's machine, in agent order (agent1, agent2, ...).
std::vector<Machine> machines_of(unsigned short port);
std::string machine_ids_json(const std::vector<Machine>& machines);

// ---- One policy's run, and the table
struct Result {
  std::string policy;
  bool available = true;
  std::vector<std::string> notes;
  std::optional<double> reached_n_after;  // seconds from the framework's start
  std::vector<double> evacuations;        // seconds, groups that held tasks and got evacuated
  std::size_t groups_with_tasks = 0;
  std::size_t not_evacuated = 0;
  std::size_t evacuated_before_down = 0;
  std::optional<std::size_t> min_running;
  std::size_t live_at_down = 0;
  double lost_at_down = 0;
  double launched = 0;
  double scheduler_calls = 0;
  std::map<std::string, double> calls_by_type;
};

// A fresh cluster, the framework with this policy, the rolling maintenance; the figures.
Result run_policy(const Options& options, std::string policy);
void print_tables(const std::vector<Result>& results, std::size_t n);

}  // namespace iof::bench::maintenance
