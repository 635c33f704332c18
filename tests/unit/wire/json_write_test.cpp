#include <string>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace json = iof::wire::json;

TEST_CASE("unset fields with an explicit default are written, as the master writes them") {
  CHECK(json::write(mesos::v1::Filters()) == R"({"refuse_seconds":5.0})");

  mesos::v1::CommandInfo command;
  command.set_value("sleep 5");
  CHECK(json::write(command) == R"({"shell":true,"value":"sleep 5"})");
}

TEST_CASE("deprecated fields with a default are written only when set") {
  mesos::v1::FrameworkInfo framework;
  framework.set_user("root");
  framework.set_name("probe");
  CHECK(json::write(framework) ==
        R"({"user":"root","name":"probe","failover_timeout":0.0,"checkpoint":false})");
  framework.set_role("*");
  CHECK(json::write(framework) ==
        R"({"user":"root","name":"probe","failover_timeout":0.0,"checkpoint":false,"role":"*"})");
}

TEST_CASE("enums are written by name, empty messages as {}, repeated fields only when present") {
  mesos::v1::scheduler::Event event;
  event.set_type(mesos::v1::scheduler::Event::HEARTBEAT);
  CHECK(json::write(event) == R"({"type":"HEARTBEAT"})");

  mesos::v1::scheduler::Call call;
  call.set_type(mesos::v1::scheduler::Call::REVIVE);
  call.mutable_framework_id()->set_value("f");
  call.mutable_revive();
  CHECK(json::write(call) == R"({"framework_id":{"value":"f"},"type":"REVIVE","revive":{}})");
}

TEST_CASE("64-bit integers are bare numbers and bytes are padded base64") {
  mesos::v1::TaskStatus status;
  status.mutable_task_id()->set_value("0");
  status.set_state(mesos::v1::TASK_RUNNING);
  status.set_uuid(std::string("\x00\x01\x02\x03", 4));
  status.mutable_unreachable_time()->set_nanoseconds(INT64_MAX);
  CHECK(json::write(status) ==
        R"({"task_id":{"value":"0"},"state":"TASK_RUNNING","uuid":"AAECAw==",)"
        R"("unreachable_time":{"nanoseconds":9223372036854775807}})");
}

TEST_CASE("strings are escaped as the master escapes them") {
  mesos::v1::TaskID id;
  id.set_value(std::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9", 16));
  CHECK(json::write(id) == "{\"value\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f\xc3\xa9\"}");
}

TEST_CASE("sorted key order is by field name, at every level") {
  mesos::v1::Unavailability window;
  window.mutable_start()->set_nanoseconds(2);
  window.mutable_duration()->set_nanoseconds(1);
  CHECK(json::write(window) == R"({"start":{"nanoseconds":2},"duration":{"nanoseconds":1}})");
  CHECK(json::write(window, json::KeyOrder::sorted) ==
        R"({"duration":{"nanoseconds":1},"start":{"nanoseconds":2}})");
}

TEST_CASE("map fields are JSON objects") {
  mesos::v1::TaskInfo task;
  task.set_name("t");
  task.mutable_task_id()->set_value("0");
  task.mutable_agent_id()->set_value("S0");
  (*task.mutable_limits())["mem"].set_value(64);
  (*task.mutable_limits())["cpus"].set_value(0.5);
  CHECK(json::write(task) == R"({"name":"t","task_id":{"value":"0"},"agent_id":{"value":"S0"},)"
                             R"("limits":{"cpus":{"value":0.5},"mem":{"value":64.0}}})");
}
