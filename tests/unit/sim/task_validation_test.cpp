// The master's validation of a task's kill policy, completion time, health check, CommandInfo
// environment and ContainerInfo: TASK_ERROR, REASON_TASK_INVALID, upstream's texts, and the
// order in which the first problem wins.
#include <functional>

#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

struct Case {
  std::string what;
  std::function<void(v1::TaskInfo&)> change;
  std::string message;
};

v1::HealthCheck& http_check(v1::TaskInfo& task) {
  auto* check = task.mutable_health_check();
  check->set_type(v1::HealthCheck::HTTP);
  check->mutable_http()->set_port(8080);
  return *check;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> table{
      {"a negative kill grace period",
       [](v1::TaskInfo& t) {
         t.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(-1);
       },
       "Task's 'kill_policy.grace_period' must be non-negative"},
      {"a negative max_completion_time",
       [](v1::TaskInfo& t) { t.mutable_max_completion_time()->set_nanoseconds(-5); },
       "Task's `max_completion_time` must be non-negative"},
      {"a check without a type", [](v1::TaskInfo& t) { t.mutable_check()->set_delay_seconds(1); },
       "Task uses invalid check: CheckInfo must specify 'type'"},
      {"an HTTP check with a relative path",
       [](v1::TaskInfo& t) {
         t.mutable_check()->set_type(v1::CheckInfo::HTTP);
         t.mutable_check()->mutable_http()->set_port(80);
         t.mutable_check()->mutable_http()->set_path("x");
       },
       "Task uses invalid check: The path 'x' of HTTP check must start with '/'"},
      {"a COMMAND check without a value, before a bad health check",
       [](v1::TaskInfo& t) {
         t.mutable_check()->set_type(v1::CheckInfo::COMMAND);
         t.mutable_check()->mutable_command()->mutable_command();
         t.mutable_health_check()->set_type(v1::HealthCheck::TCP);
       },
       "Task uses invalid check: Command check must contain 'shell command'"},
      {"a TCP check with a negative timeout",
       [](v1::TaskInfo& t) {
         t.mutable_check()->set_type(v1::CheckInfo::TCP);
         t.mutable_check()->mutable_tcp()->set_port(80);
         t.mutable_check()->set_timeout_seconds(-2);
       },
       "Task uses invalid check: Expecting 'timeout_seconds' to be non-negative"},
      {"a health check without a type",
       [](v1::TaskInfo& t) { t.mutable_health_check()->set_delay_seconds(1); },
       "Task uses invalid health check: HealthCheck must specify 'type'"},
      {"an HTTP health check without http",
       [](v1::TaskInfo& t) { t.mutable_health_check()->set_type(v1::HealthCheck::HTTP); },
       "Task uses invalid health check: Expecting 'http' to be set for HTTP health check"},
      {"a TCP health check without tcp",
       [](v1::TaskInfo& t) { t.mutable_health_check()->set_type(v1::HealthCheck::TCP); },
       "Task uses invalid health check: Expecting 'tcp' to be set for TCP health check"},
      {"a COMMAND health check without command",
       [](v1::TaskInfo& t) { t.mutable_health_check()->set_type(v1::HealthCheck::COMMAND); },
       "Task uses invalid health check: Expecting 'command' to be set for COMMAND health "
       "check"},
      {"a COMMAND health check without a value",
       [](v1::TaskInfo& t) {
         t.mutable_health_check()->set_type(v1::HealthCheck::COMMAND);
         t.mutable_health_check()->mutable_command()->set_shell(false);
       },
       "Task uses invalid health check: Command health check must contain 'executable path'"},
      {"an UNKNOWN health check",
       [](v1::TaskInfo& t) { t.mutable_health_check()->set_type(v1::HealthCheck::UNKNOWN); },
       "Task uses invalid health check: 'UNKNOWN' is not a valid health check type"},
      {"an ftp scheme", [](v1::TaskInfo& t) { http_check(t).mutable_http()->set_scheme("ftp"); },
       "Task uses invalid health check: Unsupported HTTP health check scheme: 'ftp'"},
      {"a relative path", [](v1::TaskInfo& t) { http_check(t).mutable_http()->set_path("ready"); },
       "Task uses invalid health check: The path 'ready' of HTTP health check must start with "
       "'/'"},
      {"a negative interval", [](v1::TaskInfo& t) { http_check(t).set_interval_seconds(-1); },
       "Task uses invalid health check: Expecting 'interval_seconds' to be non-negative"},
      {"a negative delay before a negative timeout",
       [](v1::TaskInfo& t) {
         http_check(t).set_timeout_seconds(-1);
         t.mutable_health_check()->set_delay_seconds(-1);
       },
       "Task uses invalid health check: Expecting 'delay_seconds' to be non-negative"},
      {"a VALUE variable without a value",
       [](v1::TaskInfo& t) {
         t.mutable_command()->mutable_environment()->add_variables()->set_name("EMPTY");
       },
       "Task's `CommandInfo` is invalid: Environment variable 'EMPTY' of type 'VALUE' must "
       "have a value set"},
      {"a SECRET variable without a secret",
       [](v1::TaskInfo& t) {
         auto* variable = t.mutable_command()->mutable_environment()->add_variables();
         variable->set_name("TOKEN");
         variable->set_type(v1::Environment::Variable::SECRET);
       },
       "Task's `CommandInfo` is invalid: Environment variable 'TOKEN' of type 'SECRET' must "
       "have a secret set"},
      {"a DOCKER container without docker",
       [](v1::TaskInfo& t) { t.mutable_container()->set_type(v1::ContainerInfo::DOCKER); },
       "Task's `ContainerInfo` is invalid: DockerInfo 'docker' is not set for DOCKER typed "
       "ContainerInfo"},
      {"a docker 'name' parameter",
       [](v1::TaskInfo& t) {
         auto* container = t.mutable_container();
         container->set_type(v1::ContainerInfo::DOCKER);
         container->mutable_docker()->set_image("busybox");
         auto* parameter = container->mutable_docker()->add_parameters();
         parameter->set_key("name");
         parameter->set_value("mine");
       },
       "Task's `ContainerInfo` is invalid: Parameter in DockerInfo must not be 'name'"},
      {"a volume with both a host path and a source",
       [](v1::TaskInfo& t) {
         auto* volume = t.mutable_container()->add_volumes();
         t.mutable_container()->set_type(v1::ContainerInfo::MESOS);
         volume->set_container_path("data");
         volume->set_mode(v1::Volume::RW);
         volume->set_host_path("/tmp");
         volume->mutable_source()->set_type(v1::Volume::Source::SANDBOX_PATH);
       },
       "Task's `ContainerInfo` is invalid: Invalid volume: Only one of them should be set: "
       "'host_path', 'image' and 'source'"},
      {"a SANDBOX_PATH volume without sandbox_path",
       [](v1::TaskInfo& t) {
         auto* volume = t.mutable_container()->add_volumes();
         t.mutable_container()->set_type(v1::ContainerInfo::MESOS);
         volume->set_container_path("data");
         volume->set_mode(v1::Volume::RW);
         volume->mutable_source()->set_type(v1::Volume::Source::SANDBOX_PATH);
       },
       "Task's `ContainerInfo` is invalid: Invalid volume: 'source.sandbox_path' is not set "
       "for SANDBOX_PATH volume"},
      // The master checks the health check before the resources, the container after them.
      {"a bad health check and no resources",
       [](v1::TaskInfo& t) {
         t.clear_resources();
         t.mutable_health_check()->set_type(v1::HealthCheck::TCP);
       },
       "Task uses invalid health check: Expecting 'tcp' to be set for TCP health check"},
      {"no resources and a bad container",
       [](v1::TaskInfo& t) {
         t.clear_resources();
         t.mutable_container()->set_type(v1::ContainerInfo::DOCKER);
       },
       "Task uses no resources"},
  };
  return table;
}

TEST_CASE("the master validates health checks, commands and containers as upstream does") {
  for (const auto& row : cases()) {
    CAPTURE(row.what);
    Harness h(one_agent());
    const auto o = offered(h);
    v1::TaskInfo task = command_task("t1", o.offer.agent_id().value());
    row.change(task);
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {task}));
    const auto status = single_update(h, o.framework);
    CHECK(status.state() == v1::TASK_ERROR);
    CHECK(status.reason() == v1::TaskStatus::REASON_TASK_INVALID);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK(status.message() == row.message);
  }
}

TEST_CASE("valid health checks, commands and containers launch") {
  Harness h(one_agent());
  const auto o = offered(h);
  v1::TaskInfo task = command_task("t1", o.offer.agent_id().value());
  auto& check = http_check(task);
  check.mutable_http()->set_scheme("https");
  check.mutable_http()->set_path("/ready");
  check.set_delay_seconds(0);
  auto* variable = task.mutable_command()->mutable_environment()->add_variables();
  variable->set_name("A");
  variable->set_value("");
  task.mutable_container()->set_type(v1::ContainerInfo::MESOS);
  task.mutable_container()->mutable_mesos()->mutable_image()->set_type(v1::Image::DOCKER);
  task.mutable_container()->mutable_mesos()->mutable_image()->mutable_docker()->set_name("busybox");
  // An empty URI is the fetcher's problem on the agent, not the master's.
  task.mutable_command()->add_uris()->set_value("");
  h.handle(launch(o.framework.id, {o.offer.id().value()}, {task}));
  CHECK(single_update(h, o.framework).state() == v1::TASK_STARTING);
}

}  // namespace
}  // namespace iof::sim::test
