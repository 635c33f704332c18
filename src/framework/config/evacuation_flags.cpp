// --policy and the evacuate policy's flags: budgets, lead time, readiness, crash-loop backoff
// and spread.
#include <charconv>
#include <tuple>

#include "iof/framework/core/budget.hpp"
#include "iof/wire/duration.hpp"

#include "flag_groups.hpp"

namespace iof::framework::flag_groups {

void declare_evacuation(FlagRegistry& registry, Flags& flags, EvacuationText& text) {
  registry.option("policy", text.policy,
                  "evacuate (move every task off an agent before its maintenance window), seed "
                  "(Mesos's example as published) or intent (the example with its defects fixed)");
  registry.option(
      "max_surge", text.max_surge,
      "evacuate: tasks beyond --num_tasks allowed while moving; a count or a percentage of "
      "--num_tasks, rounded up");
  registry.option(
      "max_unavailable", text.max_unavailable,
      "evacuate: tasks below --num_tasks allowed by a kill-first move when no safe "
      "capacity exists by a deadline; a count or a percentage of --num_tasks, rounded down");
  registry.option("min_lead_time", text.min_lead_time,
                  "evacuate: a move starts at least this long before the window (Mesos duration)");
  registry.option(
      "min_ready_time", text.min_ready_time,
      "evacuate: a task counts once RUNNING (and healthy, with a health check) for this long; "
      "a replacement retires the old task only then (Mesos duration)");
  registry.option(
      "lead_time_factor", text.lead_time_factor,
      "evacuate: lead time = factor x (p95 launch-to-RUNNING + p95 kill time), at least "
      "--min_lead_time");
  registry.option(
      "crash_backoff", text.crash_backoff,
      "intent, evacuate: a slot whose task ended by itself waits this long before its next "
      "launch, twice as long after each failure in a row (0secs: no backoff)");
  registry.option(
      "crash_backoff_max", text.crash_backoff_max,
      "The longest crash-loop backoff; a task ready for 5 minutes clears its slot's count");
  registry.option(
      "agent_memory", text.agent_memory,
      "How long an agent holding nothing of ours is remembered after the master last named it "
      "(an offer, an inverse offer, its removal): what bounds memory on a large cluster whose "
      "agents come and go");
  registry.option(
      "spread_by", flags.evacuation.spread_by,
      "evacuate: an agent attribute (e.g. rack or zone) whose values the tasks are balanced "
      "across; agents without it share the value \"\"");
}

std::optional<std::string> resolve_evacuation(const EvacuationText& text, Flags& flags) {
  auto chosen = policy_from_name(text.policy);
  if (!chosen) {
    return std::string("Invalid value '" + text.policy +
                       "' for --policy: expected evacuate, seed or intent");
  }
  flags.policy = *chosen;
  // An attribute name as an agent's --attributes gives one (':' and ';' separate them there).
  if (const auto& by = flags.evacuation.spread_by; !by.empty()) {
    if (by.find_first_of(":; \t\r\n") != std::string::npos) {
      return std::string(
          "Invalid value '" + by +
          "' for --spread_by: expected an agent attribute's name (no ':', ';' or spaces)");
    }
    if (flags.policy != Policy::evacuate) {
      return std::string("--spread_by needs --policy=evacuate: --policy=" + text.policy +
                         " places tasks as Mesos's example does");
    }
  }
  // Counts or percentages of N, resolved here as Kubernetes resolves them: surge rounds up,
  // unavailable down. Unlike Kubernetes (which turns a 0/0 into maxUnavailable=1), budgets that
  // resolve to 0 and 0 are refused: silently allowing a missing task is not ours to decide.
  for (const auto& [value, target, name, rounding, max_percent] :
       {std::tuple{text.max_surge, &flags.evacuation.max_surge, "--max_surge", Budget::Rounding::up,
                   max_surge_percent},
        std::tuple{text.max_unavailable, &flags.evacuation.max_unavailable, "--max_unavailable",
                   Budget::Rounding::down, 100U}}) {
    const auto budget = parse_budget(value, max_percent);
    if (!budget) {
      return std::string("Invalid value '" + value + "' for " + name + ": expected a count 0.." +
                         std::to_string(max_budget_value) + " or a percentage of --num_tasks 0%.." +
                         std::to_string(max_percent) + "%");
    }
    *target = budget->resolve(flags.num_tasks, rounding);
  }
  if (flags.evacuation.max_surge == 0 && flags.evacuation.max_unavailable == 0) {
    return std::string("--max_surge=" + text.max_surge +
                       " and --max_unavailable=" + text.max_unavailable +
                       " are both 0 for --num_tasks=" + std::to_string(flags.num_tasks) +
                       ": no task could ever leave an agent before its maintenance");
  }
  for (const auto& [value, target, name] :
       {std::tuple{text.min_lead_time, &flags.evacuation.min_lead_time, "--min_lead_time"},
        std::tuple{text.min_ready_time, &flags.evacuation.min_ready_time, "--min_ready_time"},
        std::tuple{text.crash_backoff, &flags.crash_backoff, "--crash_backoff"},
        std::tuple{text.crash_backoff_max, &flags.crash_backoff_max, "--crash_backoff_max"},
        std::tuple{text.agent_memory, &flags.agent_memory, "--agent_memory"}}) {
    auto parsed = wire::text::parse_duration(value);
    if (!parsed || parsed->count() < 0 || *parsed > std::chrono::hours(24 * 365)) {
      return std::string(
          "Invalid value '" + value + "' for " + name + ": " +
          (parsed ? std::string("must be between 0secs and 365days") : parsed.error().message));
    }
    *target = *parsed;
  }
  if (flags.agent_memory < std::chrono::minutes(1)) {
    return std::string("Invalid value '" + text.agent_memory +
                       "' for --agent_memory: must be at least 1mins (agents are forgotten at "
                       "most once a minute, and a shorter memory would forget agents between "
                       "two allocations)");
  }
  if (flags.crash_backoff_max < flags.crash_backoff) {
    return std::string("--crash_backoff_max=" + text.crash_backoff_max +
                       " is shorter than --crash_backoff=" + text.crash_backoff);
  }
  {
    double factor = 0;
    auto [rest, error] =
        std::from_chars(text.lead_time_factor.data(),
                        text.lead_time_factor.data() + text.lead_time_factor.size(), factor);
    if (error != std::errc() ||
        rest != text.lead_time_factor.data() + text.lead_time_factor.size() || !(factor >= 1) ||
        factor > 100) {
      return std::string("Invalid value '" + text.lead_time_factor +
                         "' for --lead_time_factor: expected a number from 1 to 100");
    }
    flags.evacuation.lead_time_factor = factor;
  }
  return std::nullopt;
}

}  // namespace iof::framework::flag_groups
