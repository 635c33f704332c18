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
#include <cstdio>
#include <string>
#include <vector>

#include "bench.hpp"

using namespace iof::bench::maintenance;

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
      results.push_back(run_policy(o, policy));
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
