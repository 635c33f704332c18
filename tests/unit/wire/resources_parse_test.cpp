// Resources read as mesos-agent reads --resources: both forms, the default role, merging, and
// every refusal with Mesos's message.
#include <charconv>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

#include "resources_fixture.hpp"

namespace text = iof::wire::text;
using iof::wire::test::resources;
using mesos::v1::Resource;

namespace {

// Shortest round-trip digits: shows exactly which double a scalar holds.
std::string shortest(double value) {
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general);
  REQUIRE(ec == std::errc{});
  return std::string(buffer, end);
}

// "name(role):value" per resource, "; " between them; "+reservation" or "+reservations" flags
// fields that the pre-refinement format must not carry for these inputs.
std::string render(const std::vector<Resource>& resources) {
  std::string out;
  for (const auto& resource : resources) {
    if (!out.empty()) {
      out += "; ";
    }
    out += resource.name() + "(" + (resource.has_role() ? resource.role() : "<unset>") + "):";
    switch (resource.type()) {
      case mesos::v1::Value::SCALAR:
        out += shortest(resource.scalar().value());
        break;
      case mesos::v1::Value::RANGES: {
        out += "[";
        for (int i = 0; i < resource.ranges().range_size(); ++i) {
          out += (i > 0 ? "," : "") + std::to_string(resource.ranges().range(i).begin()) + "-" +
                 std::to_string(resource.ranges().range(i).end());
        }
        out += "]";
        break;
      }
      case mesos::v1::Value::SET: {
        out += "{";
        for (int i = 0; i < resource.set().item_size(); ++i) {
          out += (i > 0 ? "," : "") + resource.set().item(i);
        }
        out += "}";
        break;
      }
      case mesos::v1::Value::TEXT:
        out += "TEXT";
        break;
    }
    if (resource.has_reservation()) {
      out += "+reservation";
    }
    if (resource.reservations_size() > 0) {
      out += "+reservations";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("resources in Mesos's text form") {
  struct Row {
    std::string input;
    std::string output;
  };
  const std::vector<Row> rows{
      {"cpus:2", "cpus(*):2"},
      {"cpus:2;mem:1024.5", "cpus(*):2; mem(*):1024.5"},
      {"ports:[31000-32000, 40000-40010]", "ports(*):[31000-32000,40000-40010]"},
      {"names:{a,b,c}", "names(*):{a,b,c}"},
      {"names:{ a , b }", "names(*):{a,b}"},
      {"cpus(web):2", "cpus(web):2"},
      {"cpus(*):2", "cpus(*):2"},
      {"disk(eng/web):10", "disk(eng/web):10"},
      {"cpus( web ):1", "cpus(web):1"},
      {"cpus(web)ignored:1", "cpus(web):1"},
      {" cpus : 1 ", "cpus(*):1"},
      {"c p u s:1", "c p u s(*):1"},
      {"cpus::1", "cpus(*):1"},
      {";;cpus:1;;", "cpus(*):1"},
      {"", ""},
      // Numbers as boost::lexical_cast reads them.
      {"cpus:+2", "cpus(*):2"},
      {"cpus:2.", "cpus(*):2"},
      {"cpus:.5", "cpus(*):0.5"},
      {"cpus:1e3", "cpus(*):1000"},
      {"cpus:1E+1", "cpus(*):10"},
      {"ports:[0x10-0X20]", "ports(*):[16-32]"},
      {"ports:[+5-10]", "ports(*):[5-10]"},
      // A lone scalar keeps its digits; sums are fixed point with three decimals.
      {"cpus:0.12345", "cpus(*):0.12345"},
      {"cpus:0.0005", "cpus(*):0.0005"},
      {"cpus:0.12345;cpus:1", "cpus(*):1.123"},
      {"cpus:0.1;cpus:0.2", "cpus(*):0.3"},
      // Same name and role merge, first position kept.
      {"cpus:1;cpus:2", "cpus(*):3"},
      {"cpus(web):1;cpus:2;cpus(web):3", "cpus(web):4; cpus(*):2"},
      {"ports:[1-5];mem:1;ports:[6-8]", "ports(*):[1-8]; mem(*):1"},
      {"names:{a,b};names:{b,c}", "names(*):{a,b,c}"},
      // Ranges are coalesced while parsing, reversed ones included, as upstream does.
      {"ports:[1-10,5-20]", "ports(*):[1-20]"},
      {"ports:[1-10,11-20]", "ports(*):[1-20]"},
      {"ports:[30-40,1-10]", "ports(*):[1-10,30-40]"},
      {"ports:[1-1,1-1]", "ports(*):[1-1]"},
      {"ports:[5-1,3-9]", "ports(*):[3-9]"},
      // Empty amounts vanish.
      {"cpus:0", ""},
      {"cpus:-0", ""},
      {"cpus:1e-400", ""},
      {"ports:[]", ""},
      {"names:{}", ""},
      {"cpus:0;mem:1", "mem(*):1"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    CHECK(render(resources(row.input)) == row.output);
  }
}

TEST_CASE("resources without a role get the default role") {
  const auto parsed = text::parse_resources("cpus:1;mem(*):2;disk(ops):3", "web");
  REQUIRE(parsed.has_value());
  CHECK(render(*parsed) == "cpus(web):1; mem(*):2; disk(ops):3");

  const auto json =
      text::parse_resources(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1}},)"
                            R"( {"name":"mem","type":"SCALAR","scalar":{"value":2},"role":"*"}])",
                            "web");
  REQUIRE(json.has_value());
  CHECK(render(*json) == "cpus(web):1; mem(*):2");
}

TEST_CASE("resources in the JSON form mesos-agent accepts") {
  struct Row {
    std::string input;
    std::string output;
  };
  const std::vector<Row> rows{
      {"[]", ""},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2}}])", "cpus(*):2"},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":"2.5"},"role":"web"}])",
       "cpus(web):2.5"},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2},)"
       R"("reservations":[{"type":"STATIC","role":"web"}]}])",
       "cpus(web):2"},
      {R"([{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5}]}},)"
       R"( {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":6,"end":9}]}},)"
       R"( {"name":"names","type":"SET","set":{"item":["a","b"]}}])",
       "ports(*):[1-9]; names(*):{a,b}"},
      // JSON ranges are not coalesced; upstream's overlap check only looks forward.
      {R"([{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":10},)"
       R"({"begin":1,"end":6}]}}])",
       "ports(*):[5-10,1-6]"},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},"unknown":[1,2]}])", "cpus(*):1"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    CHECK(render(resources(row.input)) == row.output);
  }
}

TEST_CASE("bad resources are refused with Mesos's messages") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::vector<Row> rows{
      // Splitting.
      {"cpus", "Bad value for resources, missing or extra ':' in cpus"},
      {":1", "Bad value for resources, missing or extra ':' in :1"},
      {"cpus:1:2", "Bad value for resources, missing or extra ':' in cpus:1:2"},
      {"mem:1;cpus", "Bad value for resources, missing or extra ':' in cpus"},
      {"cpus(web:1", "Bad value for resources, mismatched parentheses in cpus(web:1"},
      {"cpus)web(:1", "Bad value for resources, mismatched parentheses in cpus)web(:1"},
      // Values.
      {"cpus: ", "Failed to parse resource cpus value   error Expecting non-empty string"},
      {"ports:[1-2", "Failed to parse resource ports value [1-2 error Mismatched brackets"},
      {"ports:[1-2]]", "Failed to parse resource ports value [1-2]] error Mismatched brackets"},
      {"names:{a}}", "Failed to parse resource names value {a}} error Mismatched brackets"},
      {"x:(1", "Failed to parse resource x value (1 error Mismatched brackets"},
      {"ports:[1-2-3]",
       "Failed to parse resource ports value [1-2-3] error Expecting one or more \"ranges\""},
      {"ports:[a-b]",
       "Failed to parse resource ports value [a-b] error Expecting non-negative integers in 'a'"},
      {"ports:[1-b]",
       "Failed to parse resource ports value [1-b] error Expecting non-negative integers in '1'"},
      {"ports:[1-18446744073709551616]",
       "Failed to parse resource ports value [1-18446744073709551616] error Expecting "
       "non-negative integers in '1'"},
      {"ports:[1.5-2]",
       "Failed to parse resource ports value [1.5-2] error Expecting non-negative integers in "
       "'1.5'"},
      {"ports:x[1-2]", "Failed to parse resource ports value x[1-2] error Unexpected '[' found"},
      {"names:x{a}", "Failed to parse resource names value x{a} error Unexpected '{' found"},
      {"cpus:-1",
       "Failed to parse resource cpus value -1 error Invalid scalar value '-1':Negative values "
       "not supported"},
      {"cpus:inf",
       "Failed to parse resource cpus value inf error Invalid scalar value 'inf':Infinite values "
       "not supported"},
      {"cpus:-Infinity",
       "Failed to parse resource cpus value -Infinity error Invalid scalar value "
       "'-Infinity':Infinite values not supported"},
      {"cpus:nan",
       "Failed to parse resource cpus value nan error Invalid scalar value 'nan':NaN not "
       "supported"},
      {"cpus:1e-310",
       "Failed to parse resource cpus value 1e-310 error Invalid scalar value "
       "'1e-310':Subnormal values not supported"},
      {"cpus:1e400", "Bad type for resource cpus value 1e400 type TEXT"},
      {"cpus:abc", "Bad type for resource cpus value abc type TEXT"},
      {"cpus:0x10", "Bad type for resource cpus value 0x10 type TEXT"},
      {"cpus:1e", "Bad type for resource cpus value 1e type TEXT"},
      {"cpus:1,5", "Bad type for resource cpus value 1,5 type TEXT"},
      {"cpus:1\t", "Bad type for resource cpus value 1\t type TEXT"},
      // Validation.
      {"(web):1", "Resource '(reservations: [(STATIC,web)]):1' is invalid: Empty resource name"},
      {"cpus:0.0001", "Resource 'cpus:0' is invalid: Invalid scalar resource: value <= 0"},
      {"cpus:0.0004", "Resource 'cpus:0' is invalid: Invalid scalar resource: value <= 0"},
      {"ports:[10-1]", "Resource 'ports:[10-1]' is invalid: Invalid ranges resource: begin > end"},
      {"ports:[10-1,12-15]",
       "Resource 'ports:[10-1, 12-15]' is invalid: Invalid ranges resource: begin > end"},
      {"names:{a,a}",
       "Resource 'names:{a, a}' is invalid: Invalid set resource: duplicated elements"},
      {"cpus():1",
       "Resource 'cpus(reservations: [(STATIC,)]):1' is invalid: Role names cannot be the empty "
       "string"},
      {"cpus(-web):1",
       "Resource 'cpus(reservations: [(STATIC,-web)]):1' is invalid: Role component '-web' is "
       "invalid because it starts with a dash"},
      {"cpus(a//b):1",
       "Resource 'cpus(reservations: [(STATIC,a//b)]):1' is invalid: Role 'a//b' cannot contain "
       "two adjacent slashes"},
      {"cpus(/a):1",
       "Resource 'cpus(reservations: [(STATIC,/a)]):1' is invalid: Role '/a' cannot start with a "
       "slash"},
      {"cpus(a/):1",
       "Resource 'cpus(reservations: [(STATIC,a/)]):1' is invalid: Role 'a/' cannot end with a "
       "slash"},
      {"cpus(.):1",
       "Resource 'cpus(reservations: [(STATIC,.)]):1' is invalid: Role '.' cannot include '.' as "
       "a component"},
      {"cpus(a/..):1",
       "Resource 'cpus(reservations: [(STATIC,a/..)]):1' is invalid: Role 'a/..' cannot include "
       "'..' as a component"},
      {"cpus(a/*):1",
       "Resource 'cpus(reservations: [(STATIC,a/*)]):1' is invalid: Role 'a/*' cannot include "
       "'*' as a component"},
      {"cpus(a b):1",
       "Resource 'cpus(reservations: [(STATIC,a b)]):1' is invalid: Role component 'a b' is "
       "invalid because it contains backspace or whitespace"},
      // Errors in splitting come before validation of earlier resources.
      {"cpus:0.0001;mem", "Bad value for resources, missing or extra ':' in mem"},
      // Command-line rules, checked after merging.
      {"x:1;x:[1-2]", "Resources with the same name ('x') but different types are not allowed"},
      {"x(web):{a};x:1", "Resources with the same name ('x') but different types are not allowed"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_resources(row.input);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == row.error);
  }
}

TEST_CASE("bad JSON resources are refused with Mesos's messages") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::string scalar = R"("name":"cpus","type":"SCALAR","scalar":{"value":1})";
  const std::vector<Row> rows{
      {"[1]", "Some JSON resources were not formatted properly: Expecting a JSON object"},
      {R"([{"name":"cpus"}])",
       "Some JSON resources were not formatted properly: Missing required fields: type"},
      {R"([{"name":"cpus","type":"SCALAR"}])",
       "Resource 'cpus:0' is invalid: Invalid scalar resource"},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},"set":{"item":["a"]}}])",
       "Resource 'cpus:1' is invalid: Invalid scalar resource"},
      {R"([{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}])",
       "Resource 'cpus:-1' is invalid: Invalid scalar resource: value <= 0"},
      {R"([{"name":"ports","type":"RANGES"}])",
       "Resource 'ports:[]' is invalid: Invalid ranges resource"},
      {R"([{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":10},)"
       R"({"begin":5,"end":20}]}}])",
       "Resource 'ports:[1-10, 5-20]' is invalid: Invalid ranges resource: overlapping ranges"},
      {R"([{"name":"names","type":"SET"}])",
       "Resource 'names:{}' is invalid: Invalid set resource"},
      {R"([{"name":"x","type":"TEXT","text":{"value":"t"}}])",
       "Resource 'x:' is invalid: Unsupported resource type"},
      {"[{" + scalar + R"(,"disk":{}}])",
       "Resource 'cpus[]:1' is invalid: DiskInfo should not be set for cpus resource"},
      {R"([{"name":"disk","type":"SCALAR","scalar":{"value":1},)"
       R"("disk":{"source":{"type":"UNKNOWN"}}}])",
       "Resource 'disk[UNKNOWN]:1' is invalid: Unsupported 'DiskInfo.Source.Type' in 'UNKNOWN'"},
      {R"([{"name":"disk","type":"SCALAR","scalar":{"value":1},)"
       R"("disk":{"source":{"type":"RAW","path":{"root":"/r"}}}}])",
       "Resource 'disk[RAW]:1' is invalid: Path should not be set for RAW disk source"},
      {R"([{"name":"disk","type":"SCALAR","scalar":{"value":1},)"
       R"("disk":{"source":{"type":"BLOCK","mount":{}}}}])",
       "Resource 'disk[BLOCK]:1' is invalid: Mount should not be set for BLOCK disk source"},
      {"[{" + scalar + R"(,"shared":{}}])",
       "Resource 'cpus<SHARED>:1' is invalid: Resource cpus cannot be shared"},
      {R"([{"name":"disk","type":"SCALAR","scalar":{"value":1},"shared":{}}])",
       "Resource 'disk<SHARED>:1' is invalid: Only persistent volumes can be shared"},
      {"[{" + scalar + R"(,"role":"*","reservation":{"principal":"p"}}])",
       "Resource 'cpus:1' is invalid: Invalid reservation: role \"*\" cannot be dynamically "
       "reserved"},
      {"[{" + scalar + R"(,"reservations":[{"role":"a"}]}])",
       "Resource 'cpus(reservations: [(UNKNOWN,a)]):1' is invalid: Invalid reservation: "
       "'Resource.ReservationInfo.type' field must be set."},
      {"[{" + scalar + R"(,"reservations":[{"type":"STATIC"}]}])",
       "Resource 'cpus(reservations: [(STATIC,)]):1' is invalid: Invalid reservation: "
       "'Resource.ReservationInfo.role' field must be set."},
      {"[{" + scalar + R"(,"reservations":[{"type":"STATIC","role":"*"}]}])",
       "Resource 'cpus(reservations: [(STATIC,*)]):1' is invalid: Invalid reservation: role "
       "\"*\" cannot be reserved"},
      {"[{" + scalar +
           R"(,"reservations":[{"type":"STATIC","role":"a"},{"type":"STATIC","role":"a/b"}]}])",
       "Resource 'cpus(reservations: [(STATIC,a),(STATIC,a/b)]):1' is invalid: Invalid refined "
       "reservation: A refined reservation cannot be STATIC"},
      {"[{" + scalar +
           R"(,"reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"b"}]}])",
       "Resource 'cpus(reservations: [(STATIC,a),(DYNAMIC,b)]):1' is invalid: Invalid refined "
       "reservation: role 'b' is not a refinement of 'a'"},
      // Command-line rules.
      {R"([{"name":"disk","type":"SCALAR","scalar":{"value":1},"disk":{"persistence":{"id":"v"}}}])",
       "Persistent volumes cannot be specified at the command line"},
      {"[{" + scalar + R"(,"revocable":{}}])",
       "Revocable resources cannot be specified at the command line; do not include a "
       "'revocable' key in the resources JSON"},
      {"[{" + scalar + R"(,"role":"web","reservation":{"principal":"p"}}])",
       "Dynamic reservations cannot be specified at the command line; do not include a "
       "reservation with DYNAMIC type in the resources JSON"},
      {"[{" + scalar +
           R"(,"reservations":[{"type":"STATIC","role":"a"},{"type":"DYNAMIC","role":"a/b"}]}])",
       "Dynamic reservations cannot be specified at the command line; do not include a "
       "reservation with DYNAMIC type in the resources JSON"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_resources(row.input);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == row.error);
  }
}
