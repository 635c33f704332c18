// The benchmark's flags, its reaction to Ctrl-C, and the text helpers of its output.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "iof/wire/duration.hpp"

#include "bench.hpp"

namespace iof::bench::maintenance {

volatile std::sig_atomic_t interrupted = 0;

extern "C" void on_signal(int) {
  interrupted = 1;
}

void check_interrupted() {
  if (interrupted != 0) {
    throw Interrupted();
  }
}

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

const char* const usage =
    R"(maintenance_bench: every framework policy on the same rolling maintenance of a
mesos-sim cluster, or a real one with --master=real (one fresh cluster per policy, same
seed). Prints a table; asserts nothing.

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

namespace {

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

}  // namespace

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

}  // namespace iof::bench::maintenance
