#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace json = iof::wire::json;
using mesos::v1::scheduler::Call;

namespace {

template <class Message>
Message read_ok(std::string_view text) {
  Message message;
  const auto result = json::read(text, message);
  INFO(text);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  return message;
}

template <class Message>
std::string read_error(std::string_view text) {
  Message message;
  const auto result = json::read(text, message);
  INFO(text);
  REQUIRE_FALSE(result);
  return result.error().message;
}

}  // namespace

TEST_CASE("unknown keys and nulls are ignored, for forward compatibility") {
  const auto call = read_ok<Call>(R"({"type":"REVIVE","future_field":[1,{"x":2}],"revive":null})");
  CHECK(call.type() == Call::REVIVE);
  CHECK_FALSE(call.has_revive());
}

TEST_CASE("numbers and booleans may be quoted") {
  const auto filters = read_ok<mesos::v1::Filters>(R"({"refuse_seconds":" 600 "})");
  CHECK(filters.refuse_seconds() == 600.0);
  CHECK(
      std::isinf(read_ok<mesos::v1::Filters>(R"({"refuse_seconds":"Infinity"})").refuse_seconds()));
  const auto framework =
      read_ok<mesos::v1::FrameworkInfo>(R"({"user":"u","name":"n","checkpoint":"true"})");
  CHECK(framework.checkpoint());
  const auto time = read_ok<mesos::v1::TimeInfo>(R"({"nanoseconds":"1795533421000000000"})");
  CHECK(time.nanoseconds() == 1795533421000000000);
}

TEST_CASE("an unknown enum name is dropped from an optional field") {
  const auto call = read_ok<Call>(R"({"type":"NOT_A_CALL"})");
  CHECK_FALSE(call.has_type());
}

TEST_CASE("a lone value for a repeated field counts as one element, nested arrays flatten") {
  const auto revive = read_ok<Call::Revive>(R"({"roles":"web"})");
  CHECK(revive.roles_size() == 1);
  const auto nested = read_ok<Call::Revive>(R"({"roles":[["a","b"],null,"c"]})");
  CHECK(nested.roles_size() == 3);
  CHECK(nested.roles(2) == "c");
}

TEST_CASE("bytes are base64") {
  const auto ack = read_ok<Call::Acknowledge>(
      R"({"agent_id":{"value":"S0"},"task_id":{"value":"0"},"uuid":"THzFJMPcTDq8q1csCH/tRQ=="})");
  CHECK(ack.uuid().size() == 16);
}

TEST_CASE("malformed calls are rejected with the master's messages") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::vector<Row> rows{
      {R"([])", "Expecting a JSON object"},
      {R"({"type":5})", "Not expecting a JSON number for field 'type'"},
      {R"({"type":["SUBSCRIBE"]})", "Not expecting a JSON array for field 'type'"},
      {R"({"type":true})", "Not expecting a JSON boolean for field 'type'"},
      {R"({"framework_id":"x"})", "Not expecting a JSON string for field 'framework_id'"},
      {R"({"framework_id":{"value":{}}})", "Not expecting a JSON object for field 'value'"},
      // Keys are checked in sorted order, so 'framework_id' is reported before 'type'.
      {R"({"type":5,"framework_id":7})", "Not expecting a JSON number for field 'framework_id'"},
      {R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root"}}})",
       "Missing required fields: subscribe.framework_info.name"},
      {R"({"acknowledge":{"agent_id":{"value":"S0"},"task_id":{"value":"0"},"uuid":"a*b"}})",
       "Failed to base64 decode bytes field 'uuid': Invalid character '*'"},
      {R"({"decline":{"offer_ids":[],"filters":{"refuse_seconds":"soon"}}})",
       "Failed to parse 'soon' as a JSON number for field 'refuse_seconds': "
       "syntax error at line 1 near: soon"},
      {R"({"decline":{"filters":{"refuse_seconds":"true"}}})",
       "Failed to parse 'true' as a JSON number for field 'refuse_seconds': "
       "Unexpected JSON type parsed"},
      {R"({"subscribe":{"framework_info":{"user":"u","name":"n","checkpoint":"1"}}})",
       "Failed to parse '1' as a JSON boolean for field 'checkpoint': "
       "Unexpected JSON type parsed"},
      {R"({"decline":{"filters":{"refuse_seconds":1e400}}})", "Value out of range"},
  };
  for (const auto& row : rows) {
    CHECK(read_error<Call>(row.input) == row.error);
  }
}

TEST_CASE("a required enum must name a known value") {
  CHECK(read_error<mesos::v1::TaskStatus>(R"({"task_id":{"value":"0"},"state":"TASK_SLEEPY"})") ==
        "Failed to find enum for 'TASK_SLEEPY'");
}

TEST_CASE("JSON text with trailing characters is rejected") {
  CHECK(read_error<Call>(R"({"type":"REVIVE"} x )") ==
        "Parsed JSON included non-whitespace trailing characters:  x");
}
