#include "iof/framework/flags.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <unistd.h>
#include <vector>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include "iof/config/address.hpp"
#include "iof/config/flag_value.hpp"
#include "iof/framework/master_spec.hpp"
#include "iof/framework/task_file.hpp"
#include "iof/wire/duration.hpp"

#include "flag_groups.hpp"

namespace iof::framework {

namespace {

constexpr const char* program = "inverse-offer-framework";

FlagsOutcome failure(const std::string& message) {
  return {std::nullopt, 1,
          std::string(program) + ": " + message + "\nRun '" + program + " --help' for usage.\n"};
}

std::optional<bool> parse_bool(std::string value) {
  for (char& c : value) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (value == "true" || value == "1" || value == "yes" || value.empty()) {
    return true;
  }
  if (value == "false" || value == "0" || value == "no") {
    return false;
  }
  return std::nullopt;
}

}  // namespace

FlagsOutcome parse_flags(int argc, const char* const* argv) {
  CLI::App app{
      "inverse-offer-framework: keeps --num_tasks long-running tasks on a Mesos cluster, at most "
      "one per agent, and moves them off machines before planned maintenance.\nEvery flag can "
      "also be set as MESOS_EXAMPLE_<FLAG> in the environment; the command line wins.",
      program};
  app.get_formatter()->column_width(34);

  Flags flags;
  std::string num_tasks = "1";
  std::string secret;
  std::string content_type = "protobuf";
  std::string cpus = "0.2";
  std::string mem = "32";
  std::string local_agents = "3";
  std::string max_backoff = "15secs";
  std::string heartbeat_misses = "5";
  std::string call_window = "64";
  std::string failover_timeout = "1weeks";
  std::string reconcile_interval = "10mins";
  std::string state_file;
  std::string task_file;
  std::string tls_ca_file;
  std::string task_user;
  bool version = false;

  flag_groups::FlagRegistry registry(app);
  flag_groups::EvacuationText evacuation;
  flag_groups::HighAvailabilityText high_availability;
  flag_groups::OperatorText operator_text;
  const auto option = [&](const std::string& name, std::string& target, const std::string& help) {
    return registry.option(name, target, help);
  };
  const auto boolean = [&](const std::string& name, bool& target, const std::string& help) {
    return registry.boolean(name, target, help);
  };

  // Mesos's example flags.
  option("master", flags.master,
         "The master: " + std::string("local (an embedded mesos-sim), "
                                      "host:port, http(s)://host:port, "
                                      "zk://host:port/path, file:///path"));
  option("num_tasks", num_tasks, "Number of sleeper tasks to keep running (> 0)");
  option("role", flags.role, "Role the framework subscribes with");
  boolean("checkpoint", flags.checkpoint, "Whether the framework checkpoints its tasks");
  boolean("authenticate", flags.authenticate, "Authenticate with --principal and --secret");
  option("principal", flags.principal, "Principal for authentication");
  option("secret", secret, "Secret for authentication; file:///path reads it from a file");
  // Ours.
  option("http_address", flags.http_address, "Where /metrics/snapshot is served (HOST:PORT)");
  option("max_backoff", max_backoff, "Cap of the subscribe retry backoff (Mesos duration)");
  option("heartbeat_misses", heartbeat_misses,
         "Reconnect after this many heartbeat intervals without an event");
  option("call_window", call_window,
         "Calls sent ahead of their answers on the calls connection (1..1024; 1 waits for each)");
  option("failover_timeout", failover_timeout,
         "How long the master keeps this framework's tasks while it is disconnected");
  option("state_file", state_file,
         "File keeping the framework ID and tasks across restarts (written atomically)");
  boolean("allow_new_framework", flags.allow_new_framework,
          "Subscribe as a new framework when the master removed the saved one");
  boolean("teardown_on_exit", flags.teardown_on_exit,
          "Tear the framework down (killing its tasks) on SIGINT/SIGTERM");
  option("reconcile_interval", reconcile_interval, "Period of implicit task reconciliation");
  option("tls_ca_file", tls_ca_file,
         "PEM file of the CAs trusted for https:// masters (default: the system's)");
  boolean("tls_verify", flags.tls_verify,
          "Verify an https:// master's certificate and name (on unless set to false)");
  option("local_agents", local_agents, "Agents of the embedded master with --master=local");
  option("log_level", flags.log_level, "trace, debug, info, warn, error or off");
  flag_groups::declare_operator(registry, operator_text);
  option("content_type", content_type, "Encoding of calls and events: protobuf or json");
  flag_groups::declare_evacuation(registry, flags, evacuation);
  option("task_command", flags.task.shell_command, "Shell command of each task");
  option("task_file", task_file,
         "JSON file describing each task: command or argv, env, URIs, image, cpus/mem/disk, "
         "ports, labels, user, health check, kill grace (README \"Task file\"); excludes "
         "--task_command, --task_cpus and --task_mem");
  option("task_cpus", cpus, "cpus of each task");
  option("task_mem", mem, "mem (MB) of each task");
  flag_groups::declare_task_user(registry, task_user);
  flag_groups::declare_high_availability(registry, high_availability);
  app.add_flag("--version", version, "Print the version and exit");

  // MESOS_EXAMPLE_<name>: applied as defaults, so that the command line wins.
  for (const auto& [name, added, target] : registry.named()) {
    if (auto value = flag_groups::from_environment(name)) {
      if (target != nullptr) {
        auto parsed = parse_bool(*value);
        if (!parsed) {
          return failure("Invalid value '" + *value + "' for MESOS_EXAMPLE_" + name +
                         ": expected true or false");
        }
        *target = *parsed;
      } else {
        added->default_val(*value);
      }
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& error) {
    return failure(error.what());
  }
  if (version) {
    return {std::nullopt, 0, std::string(program) + " 0.1.0\n"};
  }

  if (auto problem = master_problem(flags.master)) {
    return failure(*problem);
  }
  {
    long long parsed = 0;
    auto [rest, error] =
        std::from_chars(num_tasks.data(), num_tasks.data() + num_tasks.size(), parsed);
    if (error != std::errc() || rest != num_tasks.data() + num_tasks.size() || parsed <= 0 ||
        parsed > 1'000'000) {
      return failure("Invalid value '" + num_tasks + "' for --num_tasks: expected 1..1000000");
    }
    flags.num_tasks = static_cast<std::uint32_t>(parsed);
  }
  {
    unsigned parsed = 0;
    auto [rest, error] =
        std::from_chars(local_agents.data(), local_agents.data() + local_agents.size(), parsed);
    if (error != std::errc() || rest != local_agents.data() + local_agents.size() || parsed == 0 ||
        parsed > 100000) {
      return failure("Invalid value '" + local_agents + "' for --local_agents: expected 1..100000");
    }
    flags.local_agents = parsed;
  }
  {
    auto parsed = wire::text::parse_duration(max_backoff);
    if (!parsed || parsed->count() < 1'000'000'000) {
      return failure("Invalid value '" + max_backoff + "' for --max_backoff: " +
                     (parsed ? std::string("must be at least 1secs") : parsed.error().message));
    }
    flags.max_backoff = std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
    unsigned misses = 0;
    auto [rest, error] = std::from_chars(heartbeat_misses.data(),
                                         heartbeat_misses.data() + heartbeat_misses.size(), misses);
    if (error != std::errc() || rest != heartbeat_misses.data() + heartbeat_misses.size() ||
        misses == 0 || misses > 1000) {
      return failure("Invalid value '" + heartbeat_misses +
                     "' for --heartbeat_misses: expected 1..1000");
    }
    flags.heartbeat_misses = misses;
    unsigned window = 0;
    auto [window_rest, window_error] =
        std::from_chars(call_window.data(), call_window.data() + call_window.size(), window);
    if (window_error != std::errc() || window_rest != call_window.data() + call_window.size() ||
        window == 0 || window > 1024) {
      return failure("Invalid value '" + call_window + "' for --call_window: expected 1..1024");
    }
    flags.call_window = window;
  }
  for (const auto& [text, target, name, minimum] :
       {std::tuple{failover_timeout, &flags.failover_timeout, "--failover_timeout", 0LL},
        std::tuple{reconcile_interval, &flags.reconcile_interval, "--reconcile_interval", 1LL}}) {
    auto parsed = wire::text::parse_duration(text);
    const auto seconds =
        parsed ? std::chrono::duration_cast<std::chrono::seconds>(*parsed).count() : 0;
    if (!parsed || seconds < minimum || seconds > 365LL * 24 * 3600) {
      return failure("Invalid value '" + text + "' for " + name + ": " +
                     (parsed ? "must be between " + std::to_string(minimum) + "secs and 365days"
                             : parsed.error().message));
    }
    *target = std::chrono::seconds(seconds);
  }
  if (!state_file.empty()) {
    flags.state_file = state_file;
  }
  if (!tls_ca_file.empty()) {
    if (::access(tls_ca_file.c_str(), R_OK) != 0) {
      return failure("Invalid value '" + tls_ca_file +
                     "' for --tls_ca_file: " + std::strerror(errno));
    }
    flags.tls_ca_file = tls_ca_file;
  }
  for (const auto& [text, target, name] : {std::tuple{cpus, &flags.task.cpus, "--task_cpus"},
                                           std::tuple{mem, &flags.task.mem, "--task_mem"}}) {
    double value = 0;
    auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || rest != text.data() + text.size() || !(value > 0)) {
      return failure("Invalid value '" + text + "' for " + name + ": expected a positive number");
    }
    *target = value;
  }
  if (!task_file.empty()) {
    for (const std::string name : {"task_command", "task_cpus", "task_mem"}) {
      if (registry.given(name)) {
        return failure("--task_file excludes --" + name + ": the file describes the whole task");
      }
    }
    auto spec = load_task_file(task_file);
    if (!spec.has_value()) {
      return failure(spec.error().message);  // names the file and the field
    }
    flags.task = std::move(*spec);
  }
  if (content_type == "protobuf") {
    flags.content_type = wire::ContentType::protobuf;
  } else if (content_type == "json") {
    flags.content_type = wire::ContentType::json;
  } else {
    return failure("Invalid value '" + content_type +
                   "' for --content_type: expected protobuf or json");
  }
  if (auto problem = flag_groups::resolve_evacuation(evacuation, flags)) {
    return failure(*problem);
  }
  if (auto problem = flag_groups::resolve_task_user(registry, task_user, flags)) {
    return failure(*problem);
  }
  if (auto problem = flag_groups::resolve_operator(operator_text, flags)) {
    return failure(*problem);
  }
  if (!config::is_host_port(flags.http_address, true)) {
    return failure("Invalid value '" + flags.http_address +
                   "' for --http_address: expected HOST:PORT");
  }
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(levels.begin(), levels.end(), flags.log_level) == levels.end()) {
    return failure("Invalid value '" + flags.log_level +
                   "' for --log_level: expected trace, debug, info, warn, error or off");
  }
  if (!secret.empty()) {
    if (secret.starts_with("file://")) {
      auto contents = config::read_flag_value(secret);
      if (!contents) {
        return failure("Invalid --secret: " + contents.error().message);
      }
      // A trailing newline is part of most secret files, never of the secret.
      while (!contents->empty() && (contents->back() == '\n' || contents->back() == '\r')) {
        contents->pop_back();
      }
      flags.secret = *contents;
    } else {
      flags.secret = secret;
    }
  }
  if (flags.authenticate && !flags.secret) {
    return failure("--authenticate needs --secret (or MESOS_EXAMPLE_SECRET)");
  }
  if (auto problem = flag_groups::resolve_high_availability(high_availability, registry, flags)) {
    return failure(*problem);
  }
  return {std::move(flags), 0, {}};
}

}  // namespace iof::framework
