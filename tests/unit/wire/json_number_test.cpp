#include <charconv>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

namespace json = iof::wire::json;

namespace {

std::string formatted(double value) {
  std::string out;
  json::append_double(value, out);
  return out;
}

}  // namespace

TEST_CASE("doubles are written as the master writes them") {
  struct Row {
    double value;
    const char* text;
  };
  const std::vector<Row> rows{
      // From the real master's stream and endpoints (tests/golden/real-master).
      {15.0, "15.0"},
      {1.8, "1.8"},
      {992.0, "992.0"},
      {252899.0, "252899.0"},
      {0.2, "0.2"},
      {1795533401.0460539, "1795533401.046054"},  // /tasks renders this TASK_STARTING time so
      {1795533403.3655391, "1795533403.365539"},  // and this one
      // The layout rules of the master's writer at their boundaries.
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {-2.5, "-2.5"},
      {1e20, "100000000000000000000.0"},
      {1e21, "1e21"},
      {1.5e21, "1.5e21"},
      {123456789012345678901234.0, "1.2345678901234569e23"},
      {0.000001, "0.000001"},
      {0.0000012, "0.0000012"},
      {1e-7, "1e-7"},
      {1.25e-7, "1.25e-7"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e308"},
      {std::numeric_limits<double>::infinity(), "\"Infinity\""},
      {-std::numeric_limits<double>::infinity(), "\"-Infinity\""},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    CHECK(formatted(row.value) == row.text);
  }
}

TEST_CASE("parsing numbers is exact, so written doubles read back bit for bit") {
  std::mt19937_64 random(20261124);
  for (int i = 0; i < 20000; ++i) {
    const auto bits = random();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    if (!std::isfinite(value))
      continue;
    const auto text = formatted(value);
    CAPTURE(text);
    const auto parsed = json::parse(text);
    REQUIRE(parsed);
    REQUIRE(parsed->is_double());
    const double read_back = parsed->get_double();
    CHECK(std::memcmp(&read_back, &value, sizeof value) == 0);
  }
}

TEST_CASE("integers keep their 64-bit value") {
  CHECK(json::parse("1795533421000000000")->as_int64() == 1795533421000000000);
  CHECK(json::parse("-9223372036854775808")->as_int64() == INT64_MIN);
  CHECK(json::parse("18446744073709551615")->as_uint64() == UINT64_MAX);
}

TEST_CASE("JSON syntax errors read like the master's") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::vector<Row> rows{
      // tests/golden/real-master/err-malformed-json.txt
      {R"({"type":"SUBSCRIBE",)", "syntax error at line 1 near: "},
      {"", "syntax error at line 1 near: "},
      {"{\"a\":1,\n\"b\":x}", "syntax error at line 2 near: x}"},
      {R"({"a":1} trailing )",
       "Parsed JSON included non-whitespace trailing characters:  trailing"},
      {"[1,2,]", "syntax error at line 1 near: ]"},
      {R"({"a" 1})", "syntax error at line 1 near: 1}"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.input);
    const auto result = json::parse(row.input);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == row.error);
  }
}
