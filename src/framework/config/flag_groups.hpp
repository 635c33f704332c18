#pragma once

#include <optional>
#include <string>

#include "iof/framework/flags.hpp"

#include "flag_registry.hpp"

// The groups of flags declared outside flags.cpp. Each group declares its options into text
// fields, then resolves them into Flags once the command line is parsed; a resolve returns the
// one-line problem of a bad value, which parse_flags() reports and exits 1 with.
namespace iof::framework::flag_groups {

// --policy and the evacuate policy's budgets, lead time, readiness, backoff and spread.
struct EvacuationText {
  std::string policy = "evacuate";
  std::string max_surge = "25%";
  std::string max_unavailable = "0";
  std::string min_lead_time = "10secs";
  std::string min_ready_time = "0secs";
  std::string lead_time_factor = "2";
  std::string crash_backoff = "1secs";
  std::string crash_backoff_max = "5mins";
  std::string agent_memory = "10mins";
};
void declare_evacuation(FlagRegistry& registry, Flags& flags, EvacuationText& text);
std::optional<std::string> resolve_evacuation(const EvacuationText& text, Flags& flags);

// --task_user: FrameworkInfo.user, the OS user unless given.
void declare_task_user(FlagRegistry& registry, std::string& text);
std::optional<std::string> resolve_task_user(const FlagRegistry& registry, const std::string& text,
                                             Flags& flags);

// --ha_zk and its session timeout, and the flags they exclude.
struct HighAvailabilityText {
  std::string zk;
  std::string session_timeout = "10secs";
};
void declare_high_availability(FlagRegistry& registry, HighAvailabilityText& text);
// Runs after every other group: it checks --ha_zk against --master, --state_file and
// --teardown_on_exit.
std::optional<std::string> resolve_high_availability(const HighAvailabilityText& text,
                                                     const FlagRegistry& registry, Flags& flags);

// Operator conventions: --advertise_address and --log_format.
struct OperatorText {
  std::string advertise_address;
  std::string log_format = "text";
};
void declare_operator(FlagRegistry& registry, OperatorText& text);
std::optional<std::string> resolve_operator(const OperatorText& text, Flags& flags);

}  // namespace iof::framework::flag_groups
