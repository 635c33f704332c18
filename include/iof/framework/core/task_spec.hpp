#pragma once

// What each task of the service is: its command, environment, artifacts, container, resources,
// ports, labels, readiness check and stop grace. Read from --task_file (config/task_file.cpp);
// the core turns it into each LAUNCH's TaskInfo.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iof::framework {

// An artifact the Mesos fetcher downloads into the sandbox before the command starts.
struct FetchUri {
  std::string value;
  bool extract = true;  // Mesos's default: archives are unpacked
  bool executable = false;
  bool cache = false;
  std::optional<std::string> output_file;
};

// A readiness signal, as a Mesos-native health check (Mesos's defaults below).
struct HealthCheckSpec {
  enum class Kind { http, tcp, command };
  Kind kind = Kind::http;
  // http and tcp: which of the task's ports is probed.
  std::size_t port_index = 0;
  std::string path = "/";       // http
  std::string scheme = "http";  // http: "http" or "https"
  std::string command;          // command: run through /bin/sh -c; exit 0 is healthy
  double delay_seconds = 15;
  double interval_seconds = 10;
  double timeout_seconds = 20;
  double grace_period_seconds = 10;
  std::uint32_t consecutive_failures = 3;
};

struct TaskSpec {
  // Either a shell string (run by /bin/sh -c; the seed's loop by default) or, when argv is set,
  // argv executed directly.
  std::string shell_command = "while [ true ]; do echo ZZZzzz...; sleep 5; done";
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::vector<FetchUri> uris;
  // The Mesos containerizer with this Docker image; none: the agent's own filesystem.
  std::optional<std::string> docker_image;
  double cpus = 0.2;
  double mem = 32;
  double disk = 0;
  // One name per port taken from the offer; a count in the file gives unnamed ports. Exported as
  // PORT0..., and PORT_<NAME> for named ones.
  std::vector<std::string> port_names;
  std::map<std::string, std::string> labels;
  std::optional<std::string> user;
  std::optional<HealthCheckSpec> health_check;
  // SIGTERM to SIGKILL, on every LAUNCH and KILL; none: the agent's default.
  std::optional<double> kill_grace_seconds;
};

}  // namespace iof::framework
