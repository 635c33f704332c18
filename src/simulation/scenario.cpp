#include "iof/simulation/scenario.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "world.hpp"

namespace iof::simulation {

namespace {

constexpr std::array<std::pair<Fault, std::string_view>, 16> fault_names{{
    {Fault::stream_drop, "stream_drop"},
    {Fault::stream_stall, "stream_stall"},
    {Fault::unavailable, "unavailable"},
    {Fault::lost_calls, "lost_calls"},
    {Fault::failover, "failover"},
    {Fault::crash, "crash"},
    {Fault::agent_death, "agent_death"},
    {Fault::task_failure, "task_failure"},
    {Fault::slow_steps, "slow_steps"},
    {Fault::maintenance, "maintenance"},
    {Fault::drain, "drain"},
    {Fault::rescind, "rescind"},
    {Fault::clock_skew, "clock_skew"},
    {Fault::state_write, "state_write"},
    {Fault::health_flap, "health_flap"},
    {Fault::crash_loop, "crash_loop"},
}};

constexpr std::array<std::pair<Sabotage, std::string_view>, 6> sabotage_names{{
    {Sabotage::none, "none"},
    {Sabotage::never_acknowledge, "never_acknowledge"},
    {Sabotage::kill_before_replacement_runs, "kill_before_replacement_runs"},
    {Sabotage::ignore_maintenance, "ignore_maintenance"},
    {Sabotage::hoard_agents, "hoard_agents"},
    {Sabotage::retire_before_ready, "retire_before_ready"},
}};

// Both directions of a name table.
template <class T, std::size_t Size>
std::string_view name_in(const std::array<std::pair<T, std::string_view>, Size>& table, T value) {
  for (const auto& [known, name] : table) {
    if (known == value) {
      return name;
    }
  }
  return "?";
}

template <class T, std::size_t Size>
std::optional<T> value_in(const std::array<std::pair<T, std::string_view>, Size>& table,
                          std::string_view name) {
  for (const auto& [value, known] : table) {
    if (known == name) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view fault_name(Fault fault) {
  return name_in(fault_names, fault);
}

std::optional<Fault> fault_from_name(std::string_view name) {
  return value_in(fault_names, name);
}

const std::vector<Fault>& all_faults() {
  static const std::vector<Fault> all = [] {
    std::vector<Fault> out;
    for (const auto& [value, name] : fault_names) {
      // health_flap only with --health_check; crash_loop only when named.
      if (value != Fault::health_flap && value != Fault::crash_loop) {
        out.push_back(value);
      }
    }
    return out;
  }();
  return all;
}

std::string_view sabotage_name(Sabotage sabotage) {
  return name_in(sabotage_names, sabotage);
}

std::optional<Sabotage> sabotage_from_name(std::string_view name) {
  return value_in(sabotage_names, name);
}

std::string repro_command(const Scenario& scenario) {
  std::string faults;
  if (scenario.faults.size() == all_faults().size()) {
    faults = "all";
  } else if (scenario.faults.empty()) {
    faults = "none";
  } else {
    for (const Fault fault : scenario.faults) {
      faults += (faults.empty() ? "" : ",") + std::string(fault_name(fault));
    }
  }
  std::string out = fmt::format(
      "iof-simulate --seed={} --seeds=1 --hours={} --agents={} --tasks={} --policy={} "
      "--max_surge={} --max_unavailable={} --faults={} --faults_per_hour={} --quiet_minutes={}",
      scenario.seed, scenario.hours, scenario.agents, scenario.tasks,
      framework::policy_name(scenario.policy), scenario.max_surge, scenario.max_unavailable, faults,
      scenario.faults_per_hour, scenario.quiet.count());
  if (scenario.call_window != Scenario{}.call_window) {
    out += fmt::format(" --call_window={}", scenario.call_window);
  }
  if (scenario.health_check) {
    out +=
        fmt::format(" --health_check --task_ready_delay_seconds={}",
                    std::chrono::duration_cast<std::chrono::seconds>(scenario.ready_delay).count());
  }
  if (scenario.min_ready_time > Time{0}) {
    out += fmt::format(
        " --min_ready_time_seconds={}",
        std::chrono::duration_cast<std::chrono::seconds>(scenario.min_ready_time).count());
  }
  if (scenario.crash_loop_max_launches > 0) {
    out += fmt::format(" --crash_loop_max_launches={}", scenario.crash_loop_max_launches);
  }
  if (scenario.racks > 0) {
    out += fmt::format(" --racks={}", scenario.racks);
  }
  if (scenario.sabotage != Sabotage::none) {
    out += " --sabotage=" + std::string(sabotage_name(scenario.sabotage));
  }
  return out + fmt::format(" --trace=seed-{}.trace", scenario.seed);
}

SeedResult simulate(const Scenario& scenario) {
  World world(scenario);
  return world.run();
}

}  // namespace iof::simulation
