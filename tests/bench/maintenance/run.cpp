// One policy's run: a fresh cluster, the framework, the rolling maintenance, the figures.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <tuple>

#include "bench.hpp"
#include "child_process.hpp"
#include "http_client.hpp"

namespace iof::bench::maintenance {

namespace {

using iof::test::ChildProcess;
using iof::test::HttpResponse;
using iof::test::request;

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
    result_.calls_by_type = framework_calls_by_type(port_);
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

}  // namespace

Result run_policy(const Options& options, std::string policy) {
  return Run(options, std::move(policy)).execute();
}

}  // namespace iof::bench::maintenance
