// --log_format=json's lines: one JSON object each, with the fields a log pipeline indexes.
#include "iof/framework/log_output.hpp"

#include <chrono>
#include <string>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

namespace {

using iof::framework::logging::Fields;
using iof::framework::logging::json_line;

const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796208117123));

}  // namespace

TEST_CASE("a JSON log line: RFC 3339 UTC time with milliseconds, level, message, fields") {
  Fields fields;
  fields.about.task_id = "3";
  fields.about.agent_id = "S1";
  fields.framework_id = "fw-0001";
  CHECK(json_line(at, "info", "Starting task 3 on S1 (agent1)", fields) ==
        R"json({"time":"2026-12-02T10:41:57.123Z","level":"info",)json"
        R"json("message":"Starting task 3 on S1 (agent1)","task":"3","agent":"S1",)json"
        R"json("framework":"fw-0001"})json"
        "\n");
  // Fields that do not apply are left out, not empty.
  CHECK(json_line(at, "warn", "Stopping", {}) ==
        R"({"time":"2026-12-02T10:41:57.123Z","level":"warn","message":"Stopping"})"
        "\n");
  // A whole second has its .000.
  CHECK(json_line(std::chrono::system_clock::time_point(std::chrono::seconds(0)), "info", "x", {})
            .starts_with(R"({"time":"1970-01-01T00:00:00.000Z")"));
}

TEST_CASE("a JSON log line escapes what a task's message may hold") {
  Fields fields;
  fields.about.task_id = "a \"quoted\" id";
  const std::string message =
      "Task 0 is in state TASK_FAILED with message: line 1\nline 2\t\\ \x01";
  const auto line = json_line(at, "info", message, fields);
  CHECK(line.find('\n') == line.size() - 1);  // one line
  const auto parsed = boost::json::parse(line).as_object();
  CHECK(parsed.at("message").as_string() == message);
  CHECK(parsed.at("task").as_string() == "a \"quoted\" id");
}
