// The maintenance benchmark (issue 6, point 8; issue 12, point 4): each policy of
// inverse-offer-framework faces the same rolling maintenance of a mesos-sim cluster (or a real
// one), one fresh cluster per policy with the same seed. Prints numbers; asserts nothing.
//
//   scripts/bench-maintenance.sh [flags]        (builds, then runs this program)
//   ./build/tests/bench/maintenance_bench --help
//
// Scenario, per policy: mesos-sim with --agents agents and jittered launch and kill latencies;
// the framework with --num_tasks=N --policy=P; once N tasks run (or --start_timeout passed), the
// agents are split into --groups groups and every --stagger the operator posts the schedule:
// the windows still pending plus the next group's, starting --notice later and lasting
// --window. At a window's start the group goes DOWN (/master/machine/down), at its end UP
// (/master/machine/up). /master/state is polled every --poll_interval throughout.
//
// Per policy:
// - evacuation time: for each group that held a live task of the framework when its window was
//   posted, from that POST until N tasks are RUNNING and none is live on the group's machines
//   (checked until the group comes back UP; a group that never gets there is "not evacuated");
// - the fewest RUNNING tasks seen from the first POST to the end;
// - live tasks on a group's machines just before its DOWN (and master/tasks_lost's increase
//   across the DOWN, which should agree);
// - moves per task: (tasks launched - N) / N, from every task the master knew of at the end;
// - scheduler calls the master took (its per-framework calls counters), the whole run.
//
// --master=real runs the same on a real mesos-master with real agents (scripts/real-mesos.sh).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "iof/wire/mesos_text.hpp"

#include "child_process.hpp"
#include "http_client.hpp"
#include "test_cluster.hpp"

#ifndef IOF_FRAMEWORK_BINARY
#error "IOF_FRAMEWORK_BINARY must name the inverse-offer-framework executable"
#endif

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;
using iof::test::ChildProcess;
using iof::test::HttpResponse;
using iof::test::request;

// ---- Interruption
// --------------------------------------------------------------------------------

volatile std::sig_atomic_t interrupted = 0;

extern "C" void on_signal(int) {
  interrupted = 1;
}

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

void check_interrupted() {
  if (interrupted != 0) {
    throw Interrupted();
  }
}

// Sleeps in short steps so that Ctrl-C is seen promptly.
void sleep_until(Clock::time_point until) {
  for (;;) {
    check_interrupted();
    const auto now = Clock::now();
    if (now >= until) {
      return;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, 20ms));
  }
}

// ---- Flags
// -----------------------------------------------------------------------------------------

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

constexpr const char* usage =
    R"(maintenance_bench: every framework policy on the same rolling maintenance of a
mesos-sim cluster (one fresh cluster per policy, same seed). Prints a table; asserts nothing.

Usage: maintenance_bench [--flag=value ...] [-- extra inverse-offer-framework flags]

  --policies=LIST          policies to run, in order (default seed,intent,evacuate); a
                           policy the framework rejects is reported as "not available"
  --agents=N               simulated agents (default 60)
  --num_tasks=N            the framework's --num_tasks (default 20)
  --groups=G               machine groups, taken in turn (default 10: 6 machines each)
  --stagger=T              time between two schedule POSTs (default 8s)
  --notice=T               a window starts this long after its POST (default 20s)
  --window=T               how long a group stays DOWN (default 15s)
  --launch_latency=T       mesos-sim --task_launch_latency (default 2s)
  --launch_jitter=T        mesos-sim --task_launch_jitter (default 1s)
  --kill_latency=T         mesos-sim --task_kill_latency (default 1s)
  --kill_jitter=T          mesos-sim --task_kill_jitter (default 500ms)
  --allocation_interval=T  mesos-sim --allocation_interval (default 1s)
  --start_timeout=T        how long to wait for N RUNNING tasks before the schedule starts
                           anyway (default 30s)
  --poll_interval=T        period of the /master/state poll (default 50ms)
  --seed=S                 mesos-sim --seed, the same for every policy (default 1)
  --master=KIND            sim (mesos-sim, the default) or real: a real mesos-master and
                           --agents mesos-agent processes from scripts/real-mesos.sh (MESOS_HOME,
                           else ../shared/mesos); the latency, jitter and seed flags are then
                           mesos-sim's only, a real agent has its own
  --framework=PATH         the inverse-offer-framework binary (default: likewise)
  --log_dir=DIR            keep each framework's log as DIR/framework-<policy>.log

A time T is a number of seconds (8, 0.5) or a Mesos duration (8secs, 500ms).
)";

Duration parse_time(const std::string& name, const std::string& value) {
  if (!value.empty() && value.find_first_not_of("0123456789.") == std::string::npos) {
    std::size_t used = 0;
    const double seconds = std::stod(value, &used);
    if (used == value.size()) {
      return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
    }
  }
  auto parsed = iof::wire::text::parse_duration(value);
  if (!parsed) {
    throw std::invalid_argument("--" + name + ": " + parsed.error().message);
  }
  return *parsed;
}

std::size_t parse_count(const std::string& name, const std::string& value) {
  std::size_t used = 0;
  unsigned long long parsed = 0;
  try {
    parsed = std::stoull(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || value[0] == '-') {
    throw std::invalid_argument("--" + name + ": expected a whole number, got '" + value + "'");
  }
  return static_cast<std::size_t>(parsed);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    std::string part = text.substr(start, end - start);
    if (!part.empty()) {
      out.push_back(std::move(part));
    }
    if (end == std::string::npos) {
      return out;
    }
    start = end + 1;
  }
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      o.framework_args.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    const auto equals = arg.find('=');
    if (!arg.starts_with("--") || equals == std::string::npos) {
      throw std::invalid_argument("expected --flag=value, got '" + arg + "'");
    }
    const std::string name = arg.substr(2, equals - 2);
    const std::string value = arg.substr(equals + 1);
    const std::map<std::string, Duration*> times{{"stagger", &o.stagger},
                                                 {"notice", &o.notice},
                                                 {"window", &o.window},
                                                 {"launch_latency", &o.launch_latency},
                                                 {"launch_jitter", &o.launch_jitter},
                                                 {"kill_latency", &o.kill_latency},
                                                 {"kill_jitter", &o.kill_jitter},
                                                 {"allocation_interval", &o.allocation_interval},
                                                 {"start_timeout", &o.start_timeout},
                                                 {"poll_interval", &o.poll_interval}};
    if (auto found = times.find(name); found != times.end()) {
      *found->second = parse_time(name, value);
    } else if (name == "agents") {
      o.agents = parse_count(name, value);
    } else if (name == "num_tasks") {
      o.tasks = parse_count(name, value);
    } else if (name == "groups") {
      o.groups = parse_count(name, value);
    } else if (name == "seed") {
      o.seed = parse_count(name, value);
    } else if (name == "policies") {
      o.policies = split(value, ',');
    } else if (name == "master") {
      if (value != "sim" && value != "real") {
        throw std::invalid_argument("--master must be sim or real, not '" + value + "'");
      }
      o.master = value == "sim" ? iof::test::MasterKind::sim : iof::test::MasterKind::real;
    } else if (name == "framework") {
      o.framework_binary = value;
    } else if (name == "log_dir") {
      o.log_dir = value;
    } else {
      throw std::invalid_argument("unknown flag --" + name + " (see --help)");
    }
  }
  if (o.agents == 0 || o.tasks == 0 || o.groups == 0 || o.groups > o.agents) {
    throw std::invalid_argument("need --agents >= --groups >= 1 and --num_tasks >= 1");
  }
  if (o.policies.empty()) {
    throw std::invalid_argument("--policies names no policy");
  }
  if (o.poll_interval <= Duration{0} || o.stagger < Duration{0}) {
    throw std::invalid_argument("--poll_interval must be positive, --stagger not negative");
  }
  return o;
}

std::chrono::milliseconds millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// ---- Text
// ------------------------------------------------------------------------------------------

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// "2 s", "0.5 s", "1.25 s": seconds with no trailing zeros.
std::string time_text(Duration d) {
  std::string text = fixed(seconds(d), 3);
  while (text.back() == '0') {
    text.pop_back();
  }
  if (text.back() == '.') {
    text.pop_back();
  }
  return text + " s";
}

std::string tasks_text(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " task" : " tasks");
}

// A Mesos duration mesos-sim reads back exactly.
std::string flag_time(Duration d) {
  return std::to_string(d.count()) + "ns";
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_=./,:+@%") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (const char c : arg) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// ---- The master's view -------------------------------------------------------------------------

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

bool is_live(const std::string& state) {
  return state == "TASK_STAGING" || state == "TASK_STARTING" || state == "TASK_RUNNING" ||
         state == "TASK_KILLING";
}

boost::json::value get_json(unsigned short port, const std::string& path) {
  const HttpResponse response = request(port, {"GET", path, {}, ""});
  if (response.status != 200) {
    throw std::runtime_error("GET " + path + " answered " + response.status_line);
  }
  return boost::json::parse(response.body);
}

View read_view(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  View view;
  for (const auto& agent : state.at("slaves").as_array()) {
    view.hostname_of[std::string(agent.at("id").as_string())] =
        std::string(agent.at("hostname").as_string());
  }
  for (const auto& framework : state.at("frameworks").as_array()) {
    const std::string framework_id(framework.at("id").as_string());
    for (const auto& task : framework.at("tasks").as_array()) {
      view.tasks.push_back({framework_id + "/" + std::string(task.at("id").as_string()),
                            std::string(task.at("slave_id").as_string()),
                            std::string(task.at("state").as_string())});
    }
  }
  return view;
}

std::size_t running(const View& view) {
  return static_cast<std::size_t>(
      std::count_if(view.tasks.begin(), view.tasks.end(),
                    [](const Task& t) { return t.state == "TASK_RUNNING"; }));
}

std::size_t live_on(const View& view, const std::set<std::string>& hostnames) {
  std::size_t count = 0;
  for (const auto& task : view.tasks) {
    auto host = view.hostname_of.find(task.agent_id);
    if (is_live(task.state) && host != view.hostname_of.end() && hostnames.contains(host->second)) {
      ++count;
    }
  }
  return count;
}

double metric(unsigned short port, const std::string& name) {
  const auto metrics = get_json(port, "/metrics/snapshot");
  const auto* value = metrics.as_object().if_contains(name);
  if (value == nullptr) {
    throw std::runtime_error("the master has no metric " + name);
  }
  return value->to_number<double>();
}

// Scheduler calls the master took from every framework: the master's per-framework
// master/frameworks/<name>/<id>/calls counters, on mesos-sim and a real master alike.
double framework_calls(unsigned short port) {
  double calls = 0;
  const auto metrics = get_json(port, "/metrics/snapshot");  // kept: the loop iterates into it
  for (const auto& [name, value] : metrics.as_object()) {
    const std::string_view key(name.data(), name.size());
    if (key.starts_with("master/frameworks/") && key.ends_with("/calls")) {
      calls += value.to_number<double>();
    }
  }
  return calls;
}

// Distinct tasks the master ever knew of: running, finished and unreachable.
std::size_t tasks_ever(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  std::set<std::string> ids;
  for (const auto& framework : state.at("frameworks").as_array()) {
    for (const char* list : {"tasks", "completed_tasks", "unreachable_tasks"}) {
      if (const auto* tasks = framework.as_object().if_contains(list)) {
        for (const auto& task : tasks->as_array()) {
          ids.insert(std::string(framework.at("id").as_string()) + "/" +
                     std::string(task.at("id").as_string()));
        }
      }
    }
  }
  return ids.size();
}

// Every agent's machine, in agent order (agent1, agent2, ...).
std::vector<Machine> machines_of(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  std::vector<std::pair<unsigned long, Machine>> numbered;
  for (const auto& agent : state.at("slaves").as_array()) {
    Machine machine;
    machine.hostname = std::string(agent.at("hostname").as_string());
    // "slave(1)@127.0.0.2:5051": the ip the master matches machines with.
    const std::string pid(agent.at("pid").as_string());
    const auto at = pid.find('@');
    const auto colon = pid.rfind(':');
    machine.ip = pid.substr(at + 1, colon - at - 1);
    const auto digits = machine.hostname.find_first_of("0123456789");
    const unsigned long ordinal =
        digits == std::string::npos ? 0 : std::stoul(machine.hostname.substr(digits));
    numbered.emplace_back(ordinal, std::move(machine));
  }
  std::sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.hostname < b.second.hostname;
  });
  std::vector<Machine> out;
  for (auto& [ordinal, machine] : numbered) {
    out.push_back(std::move(machine));
  }
  return out;
}

std::string machine_ids_json(const std::vector<Machine>& machines) {
  std::string out = "[";
  for (const auto& machine : machines) {
    out += (out.size() > 1 ? "," : "");
    out += R"({"hostname":")" + machine.hostname + R"(","ip":")" + machine.ip + R"("})";
  }
  return out + "]";
}

// ---- One policy's run
// ----------------------------------------------------------------------------

struct Group {
  std::vector<Machine> machines;
  std::set<std::string> hostnames;
  bool posted = false;
  bool up = false;
  Clock::time_point posted_at{};
  std::int64_t start_ns = 0;  // the window, in wall-clock nanoseconds
  std::size_t live_at_post = 0;
  std::optional<Clock::duration> evacuated_after;
  std::size_t live_at_down = 0;
  double lost_at_down = 0;
};

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
};

enum class Kind { up = 0, down = 1, post = 2 };  // at equal times: free machines first

struct Step {
  Clock::duration at;  // after the first POST
  Kind kind;
  std::size_t group;
  bool operator<(const Step& other) const {
    return std::tie(at, kind, group) < std::tie(other.at, other.kind, other.group);
  }
};

class Run {
 public:
  Run(const Options& options, std::string policy) : o_(options) {
    result_.policy = std::move(policy);
  }

  Result execute() {
    iof::test::ClusterOptions cluster_options;
    cluster_options.agents = static_cast<int>(o_.agents);
    cluster_options.allocation_interval = millis(o_.allocation_interval);
    cluster_options.sim_launch_latency = millis(o_.launch_latency);
    cluster_options.sim_kill_latency = millis(o_.kill_latency);
    cluster_options.sim_flags = {"--seed=" + std::to_string(o_.seed),
                                 "--task_launch_jitter=" + flag_time(o_.launch_jitter),
                                 "--task_kill_jitter=" + flag_time(o_.kill_jitter)};
    auto cluster = iof::test::TestCluster::start(o_.master, cluster_options);
    cluster_ = cluster.get();
    port_ = cluster->port();
    make_groups();

    std::vector<std::string> args{cluster->master_flag(), "--num_tasks=" + std::to_string(o_.tasks),
                                  "--policy=" + result_.policy, "--http_address=127.0.0.1:0"};
    args.insert(args.end(), o_.framework_args.begin(), o_.framework_args.end());
    ChildProcess framework(o_.framework_binary, args);
    framework_ = &framework;
    started_ = Clock::now();
    if (!framework_started(framework)) {
      framework_ = nullptr;
      return result_;
    }
    progress("framework started: --num_tasks=" + std::to_string(o_.tasks) +
             " --policy=" + result_.policy);

    wait_for_tasks();
    run_schedule();

    result_.scheduler_calls = framework_calls(port_);
    result_.launched = static_cast<double>(tasks_ever(port_));
    if (static_cast<double>(ids_seen_.size()) != result_.launched) {
      result_.notes.push_back("the master knew " + fixed(result_.launched, 0) +
                              " tasks, the polls saw " + std::to_string(ids_seen_.size()));
    }
    if (!exit_status_) {
      const int status = framework.stop();
      progress("framework stopped with SIGTERM, exit status " + std::to_string(status));
      if (status != 0) {
        result_.notes.push_back("the framework exited with status " + std::to_string(status) +
                                " on SIGTERM");
      }
    }
    keep_log(framework);
    framework_ = nullptr;
    return result_;
  }

 private:
  void progress(const std::string& text) const {
    std::printf("  [%s %6.1fs] %s\n", result_.policy.c_str(), seconds(Clock::now() - started_),
                text.c_str());
    std::fflush(stdout);
  }

  void make_groups() {
    const auto machines = machines_of(port_);
    if (machines.size() != o_.agents) {
      throw std::runtime_error("the master shows " + std::to_string(machines.size()) +
                               " agents, expected " + std::to_string(o_.agents));
    }
    groups_.resize(o_.groups);
    for (std::size_t g = 0; g < o_.groups; ++g) {
      for (std::size_t i = g * o_.agents / o_.groups; i < (g + 1) * o_.agents / o_.groups; ++i) {
        groups_[g].machines.push_back(machines[i]);
        groups_[g].hostnames.insert(machines[i].hostname);
      }
    }
  }

  // Reads the framework's metrics line; false (with the row marked) if it did not start.
  bool framework_started(ChildProcess& framework) {
    for (int i = 0; i < 3; ++i) {
      const std::string line = framework.first_line(10s);
      if (line.find("/metrics/snapshot") != std::string::npos) {
        return true;
      }
      if (line.empty()) {
        break;
      }
    }
    const int status = framework.wait(5s);
    const std::string errors = framework.stderr_text();
    keep_log(framework);
    if (status >= 0 && errors.find("for --policy") != std::string::npos) {
      result_.available = false;
      result_.notes.push_back("not available: the framework rejects --policy=" + result_.policy);
      progress("not available: " + errors.substr(0, errors.find('\n')));
    } else {
      result_.available = false;
      result_.notes.push_back("the framework did not start (exit status " + std::to_string(status) +
                              ")");
      progress("the framework did not start: " + errors.substr(0, errors.find('\n')));
    }
    return false;
  }

  // False once the framework has exited (noted once).
  bool framework_alive() {
    if (exit_status_) {
      return false;
    }
    const int status = framework_->wait(0ms);
    if (status < 0) {
      return true;
    }
    exit_status_ = status;
    result_.notes.push_back("the framework exited by itself with status " + std::to_string(status) +
                            " after " + fixed(seconds(Clock::now() - started_), 1) + " s");
    progress("the framework exited by itself with status " + std::to_string(status) + ": " +
             last_line(framework_->stderr_text()));
    return false;
  }

  static std::string last_line(std::string text) {
    while (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    return text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  }

  void keep_log(ChildProcess& framework) const {
    if (o_.log_dir.empty()) {
      return;
    }
    std::filesystem::create_directories(o_.log_dir);
    std::ofstream(o_.log_dir + "/framework-" + result_.policy + ".log") << framework.stderr_text();
  }

  void wait_for_tasks() {
    const auto deadline = started_ + o_.start_timeout;
    for (;;) {
      const View view = observe();
      if (running(view) >= o_.tasks) {
        result_.reached_n_after = seconds(Clock::now() - started_);
        progress(std::to_string(o_.tasks) + " tasks RUNNING");
        return;
      }
      if (Clock::now() >= deadline || !framework_alive()) {
        result_.notes.push_back("N tasks never ran: " + std::to_string(running(view)) + " of " +
                                std::to_string(o_.tasks) + " RUNNING after " +
                                time_text(o_.start_timeout) + "; the schedule ran anyway");
        progress("gave up waiting: " + std::to_string(running(view)) + " of " +
                 std::to_string(o_.tasks) + " tasks RUNNING; running the schedule anyway");
        return;
      }
      sleep_until(Clock::now() + o_.poll_interval);
    }
  }

  // One poll of /master/state, folded into the figures.
  View observe() {
    check_interrupted();
    View view = read_view(port_);
    const auto now = Clock::now();
    for (const auto& task : view.tasks) {
      ids_seen_.insert(task.key);
    }
    if (first_post_) {
      const std::size_t count = running(view);
      result_.min_running = std::min(result_.min_running.value_or(count), count);
    }
    for (auto& group : groups_) {
      if (group.posted && !group.up && group.live_at_post > 0 && !group.evacuated_after &&
          running(view) >= o_.tasks && live_on(view, group.hostnames) == 0) {
        group.evacuated_after = now - group.posted_at;
      }
    }
    return view;
  }

  void run_schedule() {
    std::vector<Step> steps;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const auto post =
          std::chrono::duration_cast<Clock::duration>(o_.stagger) * static_cast<Clock::rep>(g);
      const auto down = post + std::chrono::duration_cast<Clock::duration>(o_.notice);
      const auto up = down + std::chrono::duration_cast<Clock::duration>(o_.window);
      steps.push_back({post, Kind::post, g});
      steps.push_back({down, Kind::down, g});
      steps.push_back({up, Kind::up, g});
    }
    std::sort(steps.begin(), steps.end());
    const auto origin = Clock::now();
    auto next_poll = origin;
    for (std::size_t i = 0; i < steps.size();) {
      while (i < steps.size() && Clock::now() >= origin + steps[i].at) {
        perform(steps[i]);
        ++i;
      }
      if (i == steps.size()) {
        break;
      }
      if (Clock::now() >= next_poll) {
        observe();
        framework_alive();
        next_poll += o_.poll_interval;
        if (next_poll < Clock::now()) {
          next_poll = Clock::now() + o_.poll_interval;
        }
      }
      sleep_until(std::min(next_poll, origin + steps[i].at));
    }
    observe();
    for (auto& group : groups_) {
      result_.live_at_down += group.live_at_down;
      result_.lost_at_down += group.lost_at_down;
      if (group.live_at_post > 0) {
        ++result_.groups_with_tasks;
        if (group.evacuated_after) {
          result_.evacuations.push_back(seconds(*group.evacuated_after));
          if (*group.evacuated_after < o_.notice) {
            ++result_.evacuated_before_down;
          }
        } else {
          ++result_.not_evacuated;
        }
      }
    }
  }

  std::string schedule_json() const {
    std::string windows;
    for (const auto& group : groups_) {
      if (!group.posted || group.up) {
        continue;
      }
      windows += (windows.empty() ? "" : ",");
      windows += R"({"machine_ids":)" + machine_ids_json(group.machines) +
                 R"(,"unavailability":{"start":{"nanoseconds":)" + std::to_string(group.start_ns) +
                 R"(},"duration":{"nanoseconds":)" + std::to_string(o_.window.count()) + "}}}";
    }
    return R"({"windows":[)" + windows + "]}";
  }

  void post(const std::string& path, const std::string& body) {
    const HttpResponse response = request(port_, {"POST", path, {}, body});
    if (response.status != 200) {
      result_.notes.push_back("POST " + path + " answered " + response.status_line + ": " +
                              response.body);
      progress("POST " + path + " answered " + response.status_line + ": " + response.body);
    }
  }

  void perform(const Step& step) {
    Group& group = groups_[step.group];
    const std::string name =
        "group " + std::to_string(step.group + 1) + "/" + std::to_string(groups_.size());
    switch (step.kind) {
      case Kind::post: {
        const View view = observe();
        group.live_at_post = live_on(view, group.hostnames);
        group.posted = true;
        group.posted_at = Clock::now();
        group.start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             (std::chrono::system_clock::now() + o_.notice).time_since_epoch())
                             .count();
        post("/master/maintenance/schedule", schedule_json());
        first_post_ = true;
        progress(name + " scheduled (" + group.machines.front().hostname + ".." +
                 group.machines.back().hostname + ", window in " + time_text(o_.notice) +
                 "): " + tasks_text(group.live_at_post) + " live there, " +
                 std::to_string(running(view)) + " RUNNING in all");
        break;
      }
      case Kind::down: {
        const View view = observe();
        group.live_at_down = live_on(view, group.hostnames);
        const double lost_before = metric(port_, "master/tasks_lost");
        post("/master/machine/down", machine_ids_json(group.machines));
        group.lost_at_down = metric(port_, "master/tasks_lost") - lost_before;
        std::string evacuation = "not evacuated yet";
        if (group.live_at_post == 0) {
          evacuation = "held no task when scheduled";
        } else if (group.evacuated_after) {
          evacuation = "evacuated after " + fixed(seconds(*group.evacuated_after), 2) + " s";
        }
        progress(name + " DOWN: " + tasks_text(group.live_at_down) + " live on it (" +
                 fixed(group.lost_at_down, 0) + " TASK_LOST); " + evacuation);
        break;
      }
      case Kind::up: {
        post("/master/machine/up", machine_ids_json(group.machines));
        // A real agent that machine/down shut down must be started again; mesos-sim brings it
        // back by itself.
        cluster_->machines_up({group.hostnames.begin(), group.hostnames.end()});
        group.up = true;
        std::string evacuation;
        if (group.live_at_post > 0) {
          evacuation = group.evacuated_after
                           ? "; evacuated after " + fixed(seconds(*group.evacuated_after), 2) + " s"
                           : "; never evacuated";
        }
        progress(name + " UP" + evacuation);
        break;
      }
    }
  }

  const Options& o_;
  Result result_;
  iof::test::TestCluster* cluster_ = nullptr;
  unsigned short port_ = 0;
  std::vector<Group> groups_;
  ChildProcess* framework_ = nullptr;
  std::optional<int> exit_status_;
  Clock::time_point started_ = Clock::now();
  bool first_post_ = false;
  std::set<std::string> ids_seen_;
};

// ---- The table
// -------------------------------------------------------------------------------------

// Nearest rank: the smallest value with at least p% of the values at or below it.
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

std::vector<std::string> columns() {
  return {"policy",
          "N RUNNING after",
          "evacuation p50",
          "evacuation p99",
          "groups evacuated (before DOWN)",
          "min RUNNING / N",
          "live at DOWN (TASK_LOST)",
          "tasks launched",
          "moves per task",
          "HTTP calls"};
}

std::vector<std::string> cells(const Result& r, std::size_t n) {
  if (!r.available) {
    return {r.policy, "not available", "", "", "", "", "", "", "", ""};
  }
  const auto seconds_text = [](double s) { return fixed(s, 2) + " s"; };
  const std::string count = fixed(r.launched, 0);
  return {
      r.policy,
      r.reached_n_after ? seconds_text(*r.reached_n_after) : "never",
      r.evacuations.empty() ? "-" : seconds_text(percentile(r.evacuations, 50)),
      r.evacuations.empty() ? "-" : seconds_text(percentile(r.evacuations, 99)),
      std::to_string(r.evacuations.size()) + "/" + std::to_string(r.groups_with_tasks) + " (" +
          std::to_string(r.evacuated_before_down) + ")" +
          (r.not_evacuated > 0 ? ", " + std::to_string(r.not_evacuated) + " never" : ""),
      (r.min_running ? std::to_string(*r.min_running) : "-") + "/" + std::to_string(n),
      std::to_string(r.live_at_down) + " (" + fixed(r.lost_at_down, 0) + ")",
      count,
      r.launched >= static_cast<double>(n)
          ? fixed((r.launched - static_cast<double>(n)) / static_cast<double>(n), 2)
          : "-",
      fixed(r.scheduler_calls, 0),
  };
}

void print_tables(const std::vector<Result>& results, std::size_t n) {
  std::vector<std::vector<std::string>> rows{columns()};
  for (const auto& result : results) {
    rows.push_back(cells(result, n));
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  std::printf("\n");
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c] + std::string(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("\nMarkdown, for the README:\n\n");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line = "|";
    for (const auto& cell : rows[r]) {
      line += " " + cell + " |";
    }
    std::printf("%s\n", line.c_str());
    if (r == 0) {
      line = "|";
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        line += c == 0 ? "---|" : "---:|";
      }
      std::printf("%s\n", line.c_str());
    }
  }
  std::printf(
      "\n- N RUNNING after: from the framework's start.\n"
      "- evacuation: from a group's schedule POST until N tasks are RUNNING and none is live on\n"
      "  the group's machines; for the groups that held a live task when posted, checked until\n"
      "  the group is UP again (before DOWN: done within the notice).\n"
      "- min RUNNING: the fewest seen from the first POST to the end.\n"
      "- live at DOWN: the framework's live tasks on a group's machines just before its\n"
      "  machine/down, summed over groups (in brackets: master/tasks_lost's rise across them).\n"
      "- moves per task: (tasks launched - N) / N, tasks launched being every task the master\n"
      "  knew of at the end.\n"
      "- HTTP calls: scheduler calls the master took over the whole run (its per-framework\n"
      "  master/frameworks/<name>/<id>/calls counters).\n");
  for (const auto& result : results) {
    for (const auto& note : result.notes) {
      std::printf("- %s: %s\n", result.policy.c_str(), note.c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "maintenance_bench: %s\n", error.what());
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::string command;
  for (int i = 0; i < argc; ++i) {
    command += (i == 0 ? "" : " ") + shell_quote(argv[i]);
  }
  const auto& o = options;
  const std::size_t size = o.agents / o.groups;
  std::printf("Maintenance benchmark: every policy on the same rolling maintenance of %s\n",
              o.master == iof::test::MasterKind::sim ? "mesos-sim" : "a real Mesos");
  std::printf("command: %s\n", command.c_str());
  std::printf(
      "scenario: %zu agents in %zu groups of %s machines; N = %zu tasks; a group's window is "
      "posted every %s, starts %s after its POST and lasts %s (DOWN, then UP); %slaunch %s +- "
      "%s, kill %s +- %s; allocation every %s; seed %llu; start timeout %s; /master/state "
      "polled every %s\n",
      o.agents, o.groups,
      o.agents % o.groups == 0 ? std::to_string(size).c_str()
                               : (std::to_string(size) + "-" + std::to_string(size + 1)).c_str(),
      o.tasks, time_text(o.stagger).c_str(), time_text(o.notice).c_str(),
      time_text(o.window).c_str(),
      o.master == iof::test::MasterKind::real ? "real agents (mesos-sim's would be: " : "",
      time_text(o.launch_latency).c_str(), time_text(o.launch_jitter).c_str(),
      time_text(o.kill_latency).c_str(),
      (time_text(o.kill_jitter) + (o.master == iof::test::MasterKind::real ? ")" : "")).c_str(),
      time_text(o.allocation_interval).c_str(), static_cast<unsigned long long>(o.seed),
      time_text(o.start_timeout).c_str(), time_text(o.poll_interval).c_str());
  std::printf("framework binary: %s\n", o.framework_binary.c_str());
  std::fflush(stdout);

  const auto began = Clock::now();
  std::vector<Result> results;
  try {
    for (const auto& policy : o.policies) {
      std::printf("\npolicy %s:\n", policy.c_str());
      std::fflush(stdout);
      results.push_back(Run(o, policy).execute());
    }
  } catch (const Interrupted&) {
    std::fprintf(stderr, "maintenance_bench: interrupted; every process it started is stopped\n");
    return 130;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "maintenance_bench: %s\n", error.what());
    return 1;
  }
  print_tables(results, o.tasks);
  std::printf("\ntotal time: %.0f s\n", seconds(Clock::now() - began));
  return 0;
}
