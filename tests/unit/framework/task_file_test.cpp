// --task_file: what a service's owner writes, and the error they get when it is wrong.
#include "iof/framework/task_file.hpp"

#include <string>

#include <doctest/doctest.h>

using iof::framework::HealthCheckSpec;
using iof::framework::parse_task_spec;

namespace {

// The error for `json`, or "accepted".
std::string error_of(const std::string& json) {
  const auto spec = parse_task_spec(json);
  return spec ? "accepted" : spec.error().message;
}

}  // namespace

TEST_CASE("task file: a real service, every field") {
  const auto spec = parse_task_spec(R"({
    "argv": ["python3", "-m", "http.server"],
    "env": {"LOG_LEVEL": "debug"},
    "uris": [{"value": "https://example.com/site.tar.gz", "cache": true},
             {"value": "https://example.com/run.sh", "extract": false, "executable": true,
              "output_file": "run"}],
    "container": {"type": "mesos", "docker_image": "debian:12"},
    "cpus": 0.5, "mem": 128, "disk": 64,
    "ports": ["http", "admin"],
    "labels": {"team": "storage"},
    "user": "nobody",
    "health_check": {"type": "http", "port_name": "admin", "path": "/ready",
                     "interval_seconds": 2, "consecutive_failures": 5},
    "kill_grace_period_seconds": 30
  })");
  REQUIRE(spec.has_value());
  CHECK(spec->shell_command.empty());
  CHECK(spec->argv == std::vector<std::string>{"python3", "-m", "http.server"});
  CHECK(spec->env.at("LOG_LEVEL") == "debug");
  REQUIRE(spec->uris.size() == 2);
  CHECK(spec->uris[0].extract);  // Mesos's default
  CHECK(spec->uris[0].cache);
  CHECK_FALSE(spec->uris[1].extract);
  CHECK(spec->uris[1].executable);
  CHECK(spec->uris[1].output_file == "run");
  CHECK(spec->docker_image == "debian:12");
  CHECK(spec->cpus == 0.5);
  CHECK(spec->mem == 128);
  CHECK(spec->disk == 64);
  CHECK(spec->port_names == std::vector<std::string>{"http", "admin"});
  CHECK(spec->labels.at("team") == "storage");
  CHECK(spec->user == "nobody");
  REQUIRE(spec->health_check);
  CHECK(spec->health_check->kind == HealthCheckSpec::Kind::http);
  CHECK(spec->health_check->port_index == 1);
  CHECK(spec->health_check->path == "/ready");
  CHECK(spec->health_check->interval_seconds == 2);
  CHECK(spec->health_check->consecutive_failures == 5);
  CHECK(spec->health_check->delay_seconds == 15);  // Mesos's default
  CHECK(spec->kill_grace_seconds == 30);
}

TEST_CASE("task file: the smallest file keeps the seed's task") {
  const auto spec = parse_task_spec("{}");
  REQUIRE(spec.has_value());
  CHECK(spec->shell_command == "while [ true ]; do echo ZZZzzz...; sleep 5; done");
  CHECK(spec->argv.empty());
  CHECK(spec->cpus == 0.2);
  CHECK(spec->mem == 32);
  CHECK(spec->port_names.empty());
  CHECK_FALSE(spec->health_check);
  CHECK_FALSE(spec->kill_grace_seconds);
  const auto counted = parse_task_spec(R"({"command": "exec app", "ports": 2})");
  REQUIRE(counted.has_value());
  CHECK(counted->shell_command == "exec app");
  CHECK(counted->port_names == std::vector<std::string>{"", ""});
}

TEST_CASE("task file: every error names its field") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"[]", "expected a JSON object"},
      {"{", "not JSON: syntax error"},
      {R"({"helth_check": {}})", "helth_check: unknown field"},
      {R"({"command": "a", "argv": ["b"]})", "command, argv: give one of them, not both"},
      {R"({"command": ""})", "command: expected a non-empty string"},
      {R"({"argv": []})", "argv: expected a non-empty array of strings"},
      {R"({"argv": ["", "x"]})", "argv[0]: expected the program to run"},
      {R"({"env": {"1BAD": "x"}})", "env.1BAD: not a valid environment variable name"},
      {R"({"env": {"N": 1}})", "env.N: expected a string"},
      {R"({"uris": [{"extract": true}]})", "uris[0].value: missing"},
      {R"({"uris": [{"value": "x", "cache": "yes"}]})", "uris[0].cache: expected true or false"},
      {R"({"container": {"type": "docker", "docker_image": "x"}})",
       "container.type: only \"mesos\" (the Mesos containerizer) is supported"},
      {R"({"container": {}})", "container.docker_image: missing"},
      {R"({"cpus": 0})", "cpus: expected a number above 0"},
      {R"({"mem": "32"})", "mem: expected a number"},
      {R"({"disk": -1})", "disk: expected a number of at least 0"},
      {R"({"ports": 101})", "ports: expected a count of ports (0 to 100) or an array of names"},
      {R"({"ports": ["http", "http"]})", "ports[1]: port name 'http' appears twice"},
      {R"({"ports": ["a-b"]})", "ports[0]: a port name must be letters, digits and _"},
      {R"({"labels": {"k": true}})", "labels.k: expected a string"},
      {R"({"user": 7})", "user: expected a non-empty string"},
      {R"({"health_check": {"type": "grpc"}})",
       "health_check.type: expected \"http\", \"tcp\" or \"command\""},
      {R"({"health_check": {"type": "http"}})",
       "health_check: an http check needs a port: declare \"ports\""},
      {R"({"ports": 1, "health_check": {"type": "tcp", "port_index": 1}})",
       "health_check.port_index: expected a whole number from 0 to 0"},
      {R"({"ports": ["web"], "health_check": {"type": "http", "port_name": "api"}})",
       "health_check.port_name: not one of the names in \"ports\""},
      {R"({"ports": 1, "health_check": {"type": "tcp", "path": "/"}})",
       "health_check: \"path\" and \"scheme\" are for http checks"},
      {R"({"health_check": {"type": "command"}})",
       "health_check.command: missing: a command check runs it"},
      {R"({"health_check": {"type": "command", "command": "true", "interval_seconds": 0}})",
       "health_check.interval_seconds: expected a number above 0"},
      {R"({"health_check": {"type": "command", "command": "true", "consecutive_failures": 0}})",
       "health_check.consecutive_failures: expected a whole number from 1 to 1000"},
      {R"({"kill_grace_period_seconds": -5})",
       "kill_grace_period_seconds: expected a number of at least 0"},
  };
  for (const auto& [json, expected] : cases) {
    CAPTURE(json);
    const std::string error = error_of(json);
    CHECK(error.rfind(expected, 0) == 0);
  }
}

TEST_CASE("task file: an unreadable file names the file") {
  const auto spec = iof::framework::load_task_file("/nonexistent/task.json");
  REQUIRE_FALSE(spec.has_value());
  CHECK(spec.error().message ==
        "Cannot read --task_file '/nonexistent/task.json': No such file or directory");
}
