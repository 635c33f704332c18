#include "flags.hpp"

#include <charconv>
#include <random>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include "iof/config/address.hpp"
#include "iof/config/flag_value.hpp"
#include "iof/sim/agent_attributes.hpp"
#include "iof/wire/credentials.hpp"
#include "iof/wire/duration.hpp"
#include "iof/wire/resources.hpp"

namespace iof::sim {

namespace {

constexpr const char* usage_hint = "Run 'mesos-sim --help' for usage.";

FlagsOutcome failure(const std::string& message) {
  return {std::nullopt, 1, "mesos-sim: " + message + "\n" + usage_hint + "\n"};
}

Result<Duration> duration_flag(const std::string& name, const std::string& value) {
  auto parsed = wire::text::parse_duration(value);
  if (!parsed) {
    return Error{"Invalid value '" + value + "' for --" + name + ": " + parsed.error().message};
  }
  if (parsed->count() < 0) {
    return Error{"--" + name + " must not be negative"};
  }
  return *parsed;
}

}  // namespace

FlagsOutcome parse_flags(int argc, const char* const* argv) {
  CLI::App app{
      "mesos-sim: a local Apache Mesos master with simulated agents. It speaks the v1 scheduler "
      "API and the maintenance API like a real mesos-master, for tests, benchmarks and "
      "--master=local.\nEvery flag can also be set as MESOS_<FLAG> in the environment; the "
      "command line wins.",
      "mesos-sim"};
  app.get_formatter()->column_width(36);

  SimOptions options;
  Config& config = options.config;
  std::string port = "5050";
  std::string hostname;
  std::string allocation_interval = "1secs";
  std::string offer_timeout;
  std::string heartbeat_interval = "15secs";
  // Calibrated on real agents' command tasks (the real-Mesos conformance test prints them):
  // launch to TASK_RUNNING 0.3-0.4 s, KILL to TASK_KILLED 0.08-0.12 s.
  std::string launch_latency = "400ms";
  std::string kill_latency = "100ms";
  std::string launch_jitter = "0ns";
  std::string kill_jitter = "0ns";
  std::string task_ready_delay = "0ns";
  std::string status_update_retry = "10secs";
  std::string agent_ping_timeout = "15secs";
  std::string max_agent_ping_timeouts = "5";
  std::string credentials;
  std::string roles;
  std::string work_dir;
  std::string leader;
  std::string seed;
  std::string agents = "3";
  std::string tls_cert_file;
  std::string tls_key_file;
  bool version = false;

  const auto flag = [&](const std::string& name, std::string& target, const std::string& help) {
    std::string env = "MESOS_" + name;
    for (char& c : env) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return app.add_option("--" + name, target, help)->envname(env)->capture_default_str();
  };

  // mesos-master's flags.
  flag("ip", config.ip, "IP address to listen on");
  flag("port", port, "Port to listen on (0 picks a free one)");
  flag("hostname", hostname, "Hostname the master advertises (default: the --ip value)");
  flag("allocation_interval", allocation_interval, "Time between allocations (offers)");
  flag("offer_timeout", offer_timeout,
       "Rescind offers unanswered after this long (default: never)");
  app.add_flag("--authenticate_http_frameworks", options.service.authenticate_frameworks,
               "Require HTTP Basic authentication on the scheduler API")
      ->envname("MESOS_AUTHENTICATE_HTTP_FRAMEWORKS");
  flag("credentials", credentials,
       "Path (or file:// URL) of the credentials file, JSON or 'principal secret' lines");
  flag("roles", roles, "Comma-separated roles frameworks may use (default: any)");
  flag("work_dir", work_dir, "Directory for the registry; a restart with it recovers the cluster");
  flag("agent_ping_timeout", agent_ping_timeout,
       "Time between the master's pings of an agent, and how long each may go unanswered");
  flag("max_agent_ping_timeouts", max_agent_ping_timeouts,
       "Unanswered pings in a row after which an agent is marked unreachable");
  // Emulator-only flags.
  flag("agents", agents, "Number of simulated agents (agent1..agentN, ips 127.0.0.2...)");
  flag("agent_resources", config.agent_resources, "Resources of every agent, in Mesos syntax");
  flag("agent_attributes", config.agent_attributes,
       "Attributes of groups of agents, as their --attributes would set them: "
       "SELECTOR=ATTRIBUTES entries separated by '|', SELECTOR one of '*', agentN, agent[N-M], "
       "ATTRIBUTES Mesos syntax (name:value;...), e.g. 'agent[1-4]=rack:r1;zone:a|agent[5-8]="
       "rack:r2'");
  flag("heartbeat_interval", heartbeat_interval, "Time between HEARTBEAT events");
  flag("task_launch_latency", launch_latency, "Time from TASK_STARTING to TASK_RUNNING");
  flag("task_kill_latency", kill_latency, "Time from a KILL to TASK_KILLED");
  flag("task_launch_jitter", launch_jitter,
       "Each task's launch latency is uniform in latency +- this (never below 0), drawn from "
       "--seed, the task and its agent");
  flag("task_kill_jitter", kill_jitter,
       "Each kill's latency is uniform in latency +- this (never below 0), drawn like the "
       "launch jitter");
  flag("task_ready_delay", task_ready_delay,
       "Simulated tasks fail their health checks until they have run this long (then pass "
       "until POST /sim/tasks/health says otherwise)");
  flag("status_update_retry", status_update_retry,
       "First resend interval of an unacknowledged status update (doubles up to 10mins)");
  flag("seed", seed, "Seed of every random choice (default: random; logged at start)");
  flag("leader", leader,
       "Run as a standby: HOST:PORT answers 307 to that leader, 'none' answers 503");
  // A real master takes these from LIBPROCESS_SSL_CERT_FILE and LIBPROCESS_SSL_KEY_FILE; flags
  // keep the sim's configuration in one place.
  flag("tls_cert_file", tls_cert_file,
       "PEM certificate chain (server certificate first): serve HTTPS only, with "
       "--tls_key_file");
  flag("tls_key_file", tls_key_file, "PEM private key of --tls_cert_file");
  app.add_flag("--execute", config.execute,
               "Really run command tasks on this machine (sandboxes under --work_dir, else a "
               "temporary directory); off: their execution is simulated")
      ->envname("MESOS_EXECUTE");
  app.add_flag("--version", version, "Print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& error) {
    return failure(error.what());
  }
  if (version) {
    return {std::nullopt, 0, "mesos-sim 0.1.0 (speaks Mesos 1.12.0)\n"};
  }

  unsigned parsed_port = 0;
  {
    auto [rest, error] = std::from_chars(port.data(), port.data() + port.size(), parsed_port);
    if (error != std::errc() || rest != port.data() + port.size() || parsed_port > 65535) {
      return failure("Invalid value '" + port + "' for --port: expected 0..65535");
    }
  }
  config.port = static_cast<std::uint16_t>(parsed_port);
  config.hostname = hostname.empty() ? config.ip : hostname;
  {
    auto [rest, error] =
        std::from_chars(agents.data(), agents.data() + agents.size(), config.agents);
    if (error != std::errc() || rest != agents.data() + agents.size() || config.agents > 1000000) {
      return failure("Invalid value '" + agents + "' for --agents: expected 0..1000000");
    }
  }
  struct DurationFlag {
    const char* name;
    const std::string& value;
    Duration& target;
  };
  for (const DurationFlag& entry :
       {DurationFlag{"allocation_interval", allocation_interval, config.allocation_interval},
        DurationFlag{"heartbeat_interval", heartbeat_interval, config.heartbeat_interval},
        DurationFlag{"task_launch_latency", launch_latency, config.launch_latency},
        DurationFlag{"task_kill_latency", kill_latency, config.kill_latency},
        DurationFlag{"task_launch_jitter", launch_jitter, config.launch_jitter},
        DurationFlag{"task_kill_jitter", kill_jitter, config.kill_jitter},
        DurationFlag{"task_ready_delay", task_ready_delay, config.task_ready_delay},
        DurationFlag{"status_update_retry", status_update_retry, config.status_update_retry},
        DurationFlag{"agent_ping_timeout", agent_ping_timeout, config.agent_ping_timeout}}) {
    auto parsed = duration_flag(entry.name, entry.value);
    if (!parsed) {
      return failure(parsed.error().message);
    }
    entry.target = *parsed;
  }
  if (config.allocation_interval.count() == 0 || config.heartbeat_interval.count() == 0 ||
      config.status_update_retry.count() == 0 || config.agent_ping_timeout.count() == 0) {
    return failure(
        "--allocation_interval, --heartbeat_interval, --status_update_retry and "
        "--agent_ping_timeout must be positive");
  }
  {
    auto [rest, error] =
        std::from_chars(max_agent_ping_timeouts.data(),
                        max_agent_ping_timeouts.data() + max_agent_ping_timeouts.size(),
                        config.max_agent_ping_timeouts);
    if (error != std::errc() ||
        rest != max_agent_ping_timeouts.data() + max_agent_ping_timeouts.size() ||
        config.max_agent_ping_timeouts == 0) {
      return failure("Invalid value '" + max_agent_ping_timeouts +
                     "' for --max_agent_ping_timeouts: expected a positive integer");
    }
  }
  if (!offer_timeout.empty()) {
    auto parsed = duration_flag("offer_timeout", offer_timeout);
    if (!parsed) {
      return failure(parsed.error().message);
    }
    config.offer_timeout = *parsed;
  }
  if (auto resources = wire::text::parse_resources(config.agent_resources); !resources) {
    return failure("Invalid value for --agent_resources: " + resources.error().message);
  }
  if (auto attributes = parse_agent_attributes(config.agent_attributes); !attributes) {
    return failure("Invalid value for --agent_attributes: " + attributes.error().message);
  }
  if (!roles.empty()) {
    config.roles.emplace();
    for (const auto role : config::split(roles, ',')) {
      if (!role.empty()) {
        config.roles->emplace_back(role);
      }
    }
  }
  if (!credentials.empty()) {
    const std::string source =
        credentials.starts_with("file://") ? credentials : "file://" + credentials;
    auto contents = config::read_flag_value(source);
    if (!contents) {
      return failure("Invalid --credentials: " + contents.error().message);
    }
    auto parsed = wire::text::parse_credentials(*contents);
    if (!parsed) {
      return failure("Invalid --credentials: " + parsed.error().message);
    }
    options.service.credentials = std::move(*parsed);
  }
  if (options.service.authenticate_frameworks && options.service.credentials.empty()) {
    return failure(
        "No credentials provided for the default 'basic' HTTP authenticator for realm "
        "'mesos-master-scheduler'");
  }
  if (!work_dir.empty()) {
    options.work_dir = work_dir;
  }
  if (tls_cert_file.empty() != tls_key_file.empty()) {
    return failure("--tls_cert_file and --tls_key_file go together: set both or neither");
  }
  if (!tls_cert_file.empty()) {
    options.tls = http::TlsServerFiles{tls_cert_file, tls_key_file};
  }
  if (!leader.empty()) {
    if (leader != "none" && !config::is_host_port(leader)) {
      return failure("Invalid value '" + leader + "' for --leader: expected HOST:PORT or 'none'");
    }
    options.service.leader = leader;
  }
  if (seed.empty()) {
    config.seed = std::random_device{}();
  } else {
    auto [rest, error] = std::from_chars(seed.data(), seed.data() + seed.size(), config.seed);
    if (error != std::errc() || rest != seed.data() + seed.size()) {
      return failure("Invalid value '" + seed + "' for --seed: expected an unsigned integer");
    }
  }
  return {std::move(options), 0, {}};
}

}  // namespace iof::sim
