// The maintenance benchmark in virtual time: every policy, and configurations that mimic known
// peers, over many random rolling-maintenance scenarios run by the deterministic simulation. The
// real-time benchmark (tests/bench/maintenance) stays the end-to-end cross-check: --like_realtime
// runs its default scenario here, to compare with its table.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <fmt/format.h>

#include "iof/simulation/scenario.hpp"

namespace {

using namespace iof::simulation;
using namespace std::chrono_literals;
using iof::framework::Policy;

// A framework configuration in the table.
struct Contender {
  std::string name;
  Policy policy = Policy::evacuate;
  std::uint32_t max_surge = 1;
  std::uint32_t max_unavailable = 0;
  std::optional<Time> fixed_lead;
};

std::vector<Contender> contenders() {
  return {
      {"seed", Policy::seed, 1, 0, std::nullopt},
      {"intent", Policy::intent, 1, 0, std::nullopt},
      {"evacuate", Policy::evacuate, 1, 0, std::nullopt},
      {"evacuate surge 2", Policy::evacuate, 2, 0, std::nullopt},
      // kubectl drain honouring a PodDisruptionBudget of one: evict (kill) first, one at a time,
      // started shortly before the machine goes down.
      {"k8s drain + PDB (kill-first, 1 unavailable, 30 s lead)", Policy::evacuate, 0, 1, 30s},
      // Aurora's maintenance drains kill first within its SLA, at a fixed lead.
      {"Aurora (kill-first, 1 unavailable, 120 s lead)", Policy::evacuate, 0, 1, 120s},
  };
}

Time between(std::mt19937_64& random, Time low, Time high) {
  const auto span = static_cast<std::uint64_t>((high - low).count()) + 1;
  return low + Time(static_cast<Time::rep>(random() % span));
}

std::uint64_t between(std::mt19937_64& random, std::uint64_t low, std::uint64_t high) {
  return low + random() % (high - low + 1);
}

// Scenario `index`: a random cluster, latencies and rolling schedule, the same for every
// contender. Drawn again until safe capacity exists: the groups whose windows are pending at
// once leave at least N + 2 machines up, so that a task caught by DOWN is the policy's doing.
Scenario random_scenario(std::uint64_t seed, std::uint64_t index) {
  std::mt19937_64 random(seed * 1'000'003 + index);
  for (;;) {
    Scenario scenario;
    scenario.seed = seed * 1'000'003 + index;
    scenario.faults.clear();
    scenario.agents = static_cast<std::uint32_t>(between(random, 10, 40));
    scenario.tasks = static_cast<std::uint32_t>(
        between(random, std::max<std::uint64_t>(2, scenario.agents / 4), scenario.agents / 2));
    Rolling rolling;
    rolling.groups = between(random, 3, std::min<std::uint64_t>(10, scenario.agents / 2));
    rolling.stagger = between(random, 10s, 180s);
    rolling.notice = between(random, 10s, 15min);
    rolling.window = between(random, 1min, 10min);
    const auto size = scenario.agents / rolling.groups;
    const auto pending =
        static_cast<std::uint64_t>((rolling.notice + rolling.window) / rolling.stagger) + 1;
    if (scenario.agents <
        std::min<std::uint64_t>(pending, rolling.groups) * size + scenario.tasks + 2) {
      continue;
    }
    scenario.rolling = rolling;
    Timing timing;
    timing.launch = between(random, 200ms, 5s);
    timing.launch_jitter = timing.launch / 2;
    timing.kill = between(random, 50ms, 2s);
    timing.kill_jitter = timing.kill / 2;
    timing.allocation = 1s;
    scenario.timing = timing;
    return scenario;
  }
}

// tests/bench/maintenance's defaults: 60 agents in 10 groups, N = 20, a group every 8 s, 20 s
// ahead, for 15 s; launch 2 s +- 1 s, kill 1 s +- 0.5 s, an allocation every second.
Scenario realtime_scenario(std::uint64_t seed, std::uint64_t index) {
  Scenario scenario;
  scenario.seed = seed + index;
  scenario.faults.clear();
  scenario.agents = 60;
  scenario.tasks = 20;
  scenario.rolling = Rolling{};
  scenario.timing = Timing{};
  return scenario;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) {
    return std::nan("");
  }
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

struct Row {
  std::size_t scenarios = 0;
  std::size_t caught = 0;
  std::size_t caught_with_notice = 0;
  std::vector<double> min_capacity;  // per scenario: min RUNNING / N once N ran
  std::vector<double> evacuations;
  std::vector<double> lower_bounds;
  std::size_t groups = 0;
  std::size_t not_evacuated = 0;
  std::uint64_t calls = 0;
  std::map<std::string, std::uint64_t> calls_by_type;
  std::uint64_t idle_revives = 0;
  std::uint64_t moves = 0;
  std::size_t broken = 0;
};

// Per-run figures, to tell whether one real-time run falls within the virtual runs' spread.
struct Spread {
  std::vector<double> evacuation_p50;
  std::vector<double> caught;
  std::vector<double> min_running;
  std::vector<double> calls;
};

std::string range_text(const std::vector<double>& values, int decimals) {
  std::vector<double> known;
  for (const double value : values) {
    if (!std::isnan(value)) {
      known.push_back(value);
    }
  }
  if (known.empty()) {
    return "-";
  }
  const auto [low, high] = std::minmax_element(known.begin(), known.end());
  return fmt::format("{:.{}f} - {:.{}f}", *low, decimals, *high, decimals);
}

std::string seconds_text(double value) {
  return std::isnan(value) ? "-" : fmt::format("{:.2f} s", value);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The maintenance benchmark in virtual time (iof-simulate's world, no faults).",
               "virtual_maintenance_bench"};
  std::uint64_t scenarios = 1000;
  std::uint64_t seed = 1;
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  bool like_realtime = false;
  app.add_option("--scenarios", scenarios, "Random rolling-maintenance scenarios")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--seed", seed, "Seed of the scenario generator")->capture_default_str();
  app.add_option("--jobs", jobs, "Runs in parallel")->check(CLI::Range(1U, 256U));
  app.add_flag("--like_realtime", like_realtime,
               "Run tests/bench/maintenance's default scenario (with --scenarios seeds) instead");
  CLI11_PARSE(app, argc, argv);

  const auto configs = contenders();
  std::vector<Scenario> runs;
  for (std::uint64_t i = 0; i < scenarios; ++i) {
    const Scenario base = like_realtime ? realtime_scenario(seed, i) : random_scenario(seed, i);
    for (const auto& contender : configs) {
      Scenario scenario = base;
      scenario.policy = contender.policy;
      scenario.max_surge = contender.max_surge;
      scenario.max_unavailable = contender.max_unavailable;
      scenario.fixed_lead = contender.fixed_lead;
      runs.push_back(scenario);
    }
  }
  const std::clock_t cpu_start = std::clock();
  std::vector<SeedResult> results(runs.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < std::min<std::size_t>(jobs, runs.size()); ++j) {
    workers.emplace_back([&] {
      for (std::size_t n = next++; n < runs.size(); n = next++) {
        results[n] = simulate(runs[n]);
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;

  std::vector<Row> rows(configs.size());
  std::vector<Spread> spreads(configs.size());
  for (std::size_t n = 0; n < runs.size(); ++n) {
    Row& row = rows[n % configs.size()];
    const auto& result = results[n];
    const auto& figures = *result.maintenance;
    ++row.scenarios;
    row.caught += figures.live_at_down;
    row.caught_with_notice += figures.live_at_down_with_notice;
    row.min_capacity.push_back(static_cast<double>(result.min_running_after_n) /
                               static_cast<double>(runs[n].tasks));
    row.evacuations.insert(row.evacuations.end(), figures.evacuations.begin(),
                           figures.evacuations.end());
    row.lower_bounds.push_back(figures.lower_bound);
    row.groups += figures.groups_with_tasks;
    row.not_evacuated += figures.not_evacuated;
    row.calls += result.calls;
    for (const auto& [type, count] : result.calls_by_type) {
      row.calls_by_type[type] += count;
    }
    row.idle_revives += result.idle_revives;
    row.moves += result.launched > runs[n].tasks ? result.launched - runs[n].tasks : 0;
    row.broken += result.violation ? 1U : 0U;
    Spread& spread = spreads[n % configs.size()];
    spread.evacuation_p50.push_back(percentile(figures.evacuations, 50));
    spread.caught.push_back(static_cast<double>(figures.live_at_down));
    spread.min_running.push_back(static_cast<double>(result.min_running_after_n));
    spread.calls.push_back(static_cast<double>(result.calls));
  }
  std::printf(
      "%s: %llu scenario(s) x %zu configurations, %.1f CPU seconds\n\n",
      like_realtime ? "tests/bench/maintenance's default scenario" : "random rolling maintenance",
      static_cast<unsigned long long>(scenarios), configs.size(), cpu);
  std::printf(
      "| configuration | caught by DOWN | ... with notice > lead time | min capacity "
      "(worst, p50) | evacuation p50 | evacuation p99 | lower bound p50 | groups not "
      "evacuated | calls per move | promises broken |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (std::size_t c = 0; c < configs.size(); ++c) {
    const Row& row = rows[c];
    const double worst = *std::min_element(row.min_capacity.begin(), row.min_capacity.end());
    std::printf(
        "| %s | %zu | %zu | %.0f%%, %.0f%% | %s | %s | %s | %zu/%zu | %s | %zu/%zu |\n",
        configs[c].name.c_str(), row.caught, row.caught_with_notice, 100 * worst,
        100 * percentile(row.min_capacity, 50),
        seconds_text(percentile(row.evacuations, 50)).c_str(),
        seconds_text(percentile(row.evacuations, 99)).c_str(),
        seconds_text(percentile(row.lower_bounds, 50)).c_str(), row.not_evacuated, row.groups,
        row.moves == 0
            ? "-"
            : fmt::format("{:.1f}", static_cast<double>(row.calls) / static_cast<double>(row.moves))
                  .c_str(),
        row.broken, row.scenarios);
  }
  // Where the calls go, to compare the policies call type by call type.
  std::printf("\nHTTP calls by type, mean per scenario:\n\n");
  for (std::size_t c = 0; c < configs.size(); ++c) {
    std::string line = "- " + configs[c].name + ":";
    for (const auto& [type, count] : rows[c].calls_by_type) {
      line += fmt::format(" {} {:.1f}", type,
                          static_cast<double>(count) / static_cast<double>(rows[c].scenarios));
    }
    if (rows[c].idle_revives > 0) {
      line += fmt::format(
          " (REVIVEs with nothing offers could serve: {:.1f})",
          static_cast<double>(rows[c].idle_revives) / static_cast<double>(rows[c].scenarios));
    }
    std::printf("%s\n", line.c_str());
  }
  if (like_realtime) {
    std::printf("\nPer run, lowest - highest of the %llu runs (to place one real-time run):\n\n",
                static_cast<unsigned long long>(scenarios));
    std::printf(
        "| configuration | evacuation p50 (s) | caught by DOWN | min RUNNING | HTTP calls |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    for (std::size_t c = 0; c < configs.size(); ++c) {
      std::printf("| %s | %s | %s | %s | %s |\n", configs[c].name.c_str(),
                  range_text(spreads[c].evacuation_p50, 2).c_str(),
                  range_text(spreads[c].caught, 0).c_str(),
                  range_text(spreads[c].min_running, 0).c_str(),
                  range_text(spreads[c].calls, 0).c_str());
    }
  }
  return 0;
}
