// iof-simulate: runs seeds of the deterministic simulation and reports what they found. Exit 0
// when every seed kept every promise, 1 on a violation (with the command that replays it), 2 on
// bad flags.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>
#include <tuple>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <fmt/format.h>

#include "iof/framework/core/budget.hpp"
#include "iof/simulation/scenario.hpp"

#include "describe.hpp"

namespace {

using namespace iof::simulation;

struct Options {
  Scenario scenario;
  std::uint64_t seeds = 1;
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  std::string trace_file;
};

// Parses the flags into `options`; returns the exit status when the program should stop now.
std::optional<int> parse(int argc, char** argv, Options& options) {
  CLI::App app{
      "Deterministic simulation of inverse-offer-framework against mesos-sim's master "
      "model, in virtual time, under random faults.",
      "iof-simulate"};
  auto& scenario = options.scenario;
  std::string policy = "evacuate";
  std::string faults = "all";
  std::string sabotage = "none";
  std::string trace_detail = "summary";
  std::uint64_t quiet_minutes = 20;
  app.add_option("--seed", scenario.seed, "First seed")->capture_default_str();
  app.add_option("--seeds", options.seeds, "How many seeds, from --seed on")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}))
      ->capture_default_str();
  app.add_option("--hours", scenario.hours, "Simulated hours per seed")
      ->check(CLI::Range(0.01, 10000.0))
      ->capture_default_str();
  app.add_option("--agents", scenario.agents, "Agents in the cluster")
      ->check(CLI::Range(1U, 10000U))
      ->capture_default_str();
  app.add_option("--tasks", scenario.tasks, "N, the tasks to keep running")
      ->check(CLI::Range(1U, 10000U))
      ->capture_default_str();
  app.add_option("--policy", policy, "seed, intent or evacuate")->capture_default_str();
  app.add_option("--call_window", scenario.call_window,
                 "The framework's --call_window: calls sent ahead of their answers (1: one at a "
                 "time)")
      ->check(CLI::Range(1U, 1024U))
      ->capture_default_str();
  std::string max_surge = "25%";
  std::string max_unavailable = "0";
  app.add_option("--max_surge", max_surge,
                 "Evacuation surge budget: a count or a percentage of --tasks, rounded up")
      ->capture_default_str();
  app.add_option("--max_unavailable", max_unavailable,
                 "Evacuation unavailability budget: a count or a percentage of --tasks, rounded "
                 "down")
      ->capture_default_str();
  std::uint64_t min_ready_seconds = 0;
  app.add_option("--min_ready_time_seconds", min_ready_seconds,
                 "The framework's --min_ready_time: a replacement must stay RUNNING this long "
                 "before the old task is killed")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{3600}))
      ->capture_default_str();
  std::uint64_t ready_delay_seconds = 0;
  app.add_flag("--health_check", scenario.health_check,
               "The framework's tasks have a health check (simulated by the model); allows the "
               "health_flap fault");
  app.add_option("--task_ready_delay_seconds", ready_delay_seconds,
                 "With --health_check: services pass their checks only this long after they start")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{3600}))
      ->capture_default_str();
  app.add_option("--racks", scenario.racks,
                 "Agents in this many racks of consecutive agents (attribute rack), and the "
                 "framework's --spread_by=rack; 0: none")
      ->check(CLI::Range(0U, 10000U))
      ->capture_default_str();
  app.add_option("--faults", faults,
                 "all, none, or a comma list of fault names, all among them (e.g. "
                 "all,crash_loop)")
      ->capture_default_str();
  app.add_option("--crash_loop_max_launches", scenario.crash_loop_max_launches,
                 "With crash_loop: at most this many LAUNCHes in any virtual minute of a crash "
                 "loop on every agent, from 3 min into it (0: measured, not "
                 "checked)")
      ->capture_default_str();
  app.add_option("--faults_per_hour", scenario.faults_per_hour, "Mean faults per simulated hour")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  app.add_option("--quiet_minutes", quiet_minutes,
                 "Minutes at the end without faults, after which liveness is checked")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000}))
      ->capture_default_str();
  app.add_option("--sabotage", sabotage,
                 "A deliberately broken framework: never_acknowledge, "
                 "kill_before_replacement_runs, ignore_maintenance, hoard_agents or "
                 "retire_before_ready")
      ->capture_default_str();
  app.add_option("--jobs", options.jobs, "Seeds run in parallel")
      ->check(CLI::Range(1U, 256U))
      ->capture_default_str();
  app.add_option("--trace", options.trace_file,
                 "Write every event, call and fault of the (single) seed to this file");
  app.add_option("--trace_detail", trace_detail,
                 "summary, or full: every call as JSON and every state-file write")
      ->check(CLI::IsMember({"summary", "full"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "iof-simulate: %s\n", error.what());
    return 2;
  }
  const auto parsed_policy = iof::framework::policy_from_name(policy);
  if (!parsed_policy) {
    std::fprintf(stderr, "iof-simulate: unknown --policy '%s' (seed, intent or evacuate)\n",
                 policy.c_str());
    return 2;
  }
  scenario.policy = *parsed_policy;
  const auto parsed_sabotage = sabotage_from_name(sabotage);
  if (!parsed_sabotage) {
    std::fprintf(stderr, "iof-simulate: unknown --sabotage '%s'\n", sabotage.c_str());
    return 2;
  }
  scenario.sabotage = *parsed_sabotage;
  // Resolved against N as the framework's flags resolve them; the replay line names the counts.
  using iof::framework::Budget;
  for (const auto& [text, target, name, rounding, max_percent] :
       {std::tuple{max_surge, &scenario.max_surge, "--max_surge", Budget::Rounding::up,
                   iof::framework::max_surge_percent},
        std::tuple{max_unavailable, &scenario.max_unavailable, "--max_unavailable",
                   Budget::Rounding::down, 100U}}) {
    const auto budget = iof::framework::parse_budget(text, max_percent);
    if (!budget) {
      std::fprintf(stderr,
                   "iof-simulate: invalid value '%s' for %s: expected a count or a percentage of "
                   "--tasks (at most %u%%)\n",
                   text.c_str(), name, max_percent);
      return 2;
    }
    *target = budget->resolve(scenario.tasks, rounding);
  }
  scenario.quiet = std::chrono::minutes(quiet_minutes);
  scenario.min_ready_time = std::chrono::seconds(min_ready_seconds);
  scenario.ready_delay = std::chrono::seconds(ready_delay_seconds);
  scenario.faults.clear();
  if (faults != "none") {
    std::size_t from = 0;
    while (from <= faults.size()) {
      const auto comma = std::min(faults.find(',', from), faults.size());
      const std::string name = faults.substr(from, comma - from);
      from = comma + 1;
      if (name == "all") {
        scenario.faults.insert(all_faults().begin(), all_faults().end());
        if (scenario.health_check) {
          scenario.faults.insert(Fault::health_flap);
        }
        continue;
      }
      const auto fault = fault_from_name(name);
      if (!fault) {
        std::string known;
        for (const Fault each : all_faults()) {
          known += (known.empty() ? "" : ", ") + std::string(fault_name(each));
        }
        known += ", health_flap (with --health_check), crash_loop";
        std::fprintf(stderr, "iof-simulate: unknown fault '%s' in --faults (known: %s)\n",
                     name.c_str(), known.c_str());
        return 2;
      }
      scenario.faults.insert(*fault);
    }
  }
  if (scenario.faults.contains(Fault::health_flap) && !scenario.health_check) {
    std::fputs("iof-simulate: the health_flap fault needs --health_check\n", stderr);
    return 2;
  }
  if (!options.trace_file.empty() && options.seeds != 1) {
    std::fputs("iof-simulate: --trace needs --seeds=1\n", stderr);
    return 2;
  }
  scenario.trace = !options.trace_file.empty();
  scenario.trace_in_full = trace_detail == "full";
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto status = parse(argc, argv, options)) {
    return *status;
  }
  const std::clock_t cpu_start = std::clock();
  std::vector<SeedResult> results(options.seeds);
  std::atomic<std::uint64_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < std::min<std::uint64_t>(options.jobs, options.seeds); ++i) {
    workers.emplace_back([&] {
      for (std::uint64_t n = next++; n < options.seeds; n = next++) {
        Scenario scenario = options.scenario;
        scenario.seed = options.scenario.seed + n;
        results[n] = simulate(scenario);
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;

  if (!options.trace_file.empty()) {
    std::ofstream out(options.trace_file, std::ios::binary);
    out << results.front().trace;
    if (!out) {
      std::fprintf(stderr, "iof-simulate: cannot write %s\n", options.trace_file.c_str());
      return 1;
    }
  }
  double hours = 0;
  std::uint64_t steps = 0;
  std::map<Fault, std::uint64_t> faults;
  std::uint64_t external = 0, caught = 0, stale = 0, restarts = 0, failovers = 0, untold = 0;
  std::size_t most_in_flight = 0;
  std::uint64_t failed_together = 0;
  std::uint64_t deadline_kills = 0, loop_launches = 0, loop_peak = 0;
  Time loop_judged{0};
  std::vector<const SeedResult*> failed;
  std::map<std::string, std::uint64_t> excused;
  for (const auto& result : results) {
    hours += result.simulated_hours;
    steps += result.steps;
    for (const auto& [fault, count] : result.faults) {
      faults[fault] += count;
    }
    external += result.external_losses;
    caught += result.tasks_caught_by_down;
    stale += result.stale_refusals;
    untold += result.kills_on_untold_losses;
    deadline_kills += result.deadline_kills_below_ready_budget;
    loop_launches += result.crash_loop_launches;
    loop_peak = std::max(loop_peak, result.crash_loop_max_launches_per_minute);
    loop_judged += result.crash_loop_judged;
    restarts += result.framework_restarts;
    most_in_flight = std::max(most_in_flight, result.most_calls_in_flight);
    failed_together += result.calls_failed_together;
    failovers += result.failovers;
    for (const auto& [why, count] : result.caught_excused) {
      excused[why] += count;
    }
    if (result.violation) {
      failed.push_back(&result);
    }
  }
  const auto& scenario = options.scenario;
  std::printf(
      "iof-simulate: %llu seed(s) from %llu, policy %s, %u agents, N=%u, surge %u, "
      "unavailable %u\n",
      static_cast<unsigned long long>(options.seeds),
      static_cast<unsigned long long>(scenario.seed),
      std::string(iof::framework::policy_name(scenario.policy)).c_str(), scenario.agents,
      scenario.tasks, scenario.max_surge, scenario.max_unavailable);
  std::printf(
      "simulated %.1f cluster-hours in %llu steps, %.2f CPU seconds: %.0f simulated "
      "hours per CPU-second\n",
      hours, static_cast<unsigned long long>(steps), cpu_seconds,
      cpu_seconds > 0 ? hours / cpu_seconds : 0.0);
  std::string fault_text;
  for (const auto& [fault, count] : faults) {
    fault_text += fmt::format("{}{} {}", fault_text.empty() ? "" : ", ", fault_name(fault), count);
  }
  std::printf("faults: %s\n", fault_text.empty() ? "none" : fault_text.c_str());
  std::printf(
      "losses not caused by the framework %llu; tasks caught by DOWN (excused) %llu; "
      "stale-stream refusals %llu; framework restarts %llu; master failovers %llu\n",
      static_cast<unsigned long long>(external), static_cast<unsigned long long>(caught),
      static_cast<unsigned long long>(stale), static_cast<unsigned long long>(restarts),
      static_cast<unsigned long long>(failovers));
  std::printf("calls connection: at most %zu calls in flight; %llu calls failed with others\n",
              most_in_flight, static_cast<unsigned long long>(failed_together));
  for (const auto& [why, count] : excused) {
    std::printf("  caught by DOWN because %s: %llu\n", why.c_str(),
                static_cast<unsigned long long>(count));
  }
  if (untold > 0) {
    std::printf("  KILLs below the budget because a loss had not reached the framework yet: %llu\n",
                static_cast<unsigned long long>(untold));
  }
  if (deadline_kills > 0) {
    std::printf(
        "  KILLs of ready tasks below the ready budget, forced by the move's deadline: %llu\n",
        static_cast<unsigned long long>(deadline_kills));
  }
  if (loop_judged > Time{0}) {
    const double minutes = std::chrono::duration<double, std::ratio<60>>(loop_judged).count();
    std::printf(
        "crash loops on every agent, from %lld min into each: %.1f min, %llu LAUNCHes, %.1f per "
        "minute, at most %llu in one minute\n",
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::minutes>(crash_loop_grace).count()),
        minutes, static_cast<unsigned long long>(loop_launches),
        static_cast<double>(loop_launches) / minutes, static_cast<unsigned long long>(loop_peak));
  }
  if (failed.empty()) {
    std::printf("violations: none\n");
    return 0;
  }
  std::printf("violations: %zu seed(s)\n", failed.size());
  for (const auto* result : failed) {
    Scenario replay = scenario;
    replay.seed = result->seed;
    std::printf("  seed %llu at %s: %s\n    reproduce: %s\n",
                static_cast<unsigned long long>(result->seed),
                clock_text(result->violation->at).c_str(), result->violation->what.c_str(),
                repro_command(replay).c_str());
  }
  return 1;
}
