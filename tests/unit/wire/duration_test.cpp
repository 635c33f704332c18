// Durations: stout's grammar and error texts, and its printing.
#include "iof/wire/duration.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace text = iof::wire::text;
using std::chrono::nanoseconds;

namespace {

constexpr std::int64_t second = 1'000'000'000;

// What stout appends to an unknown unit's error.
const std::string unit_list =
    "; supported units are 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', and 'weeks'";

}  // namespace

TEST_CASE("durations parse in every unit stout knows") {
  struct Row {
    std::string input;
    std::int64_t nanoseconds;
  };
  const std::vector<Row> rows{
      {"0ns", 0},
      {"10ns", 10},
      {"1.5ns", 1},  // Truncated to whole nanoseconds.
      {"3us", 3'000},
      {"200ms", 200'000'000},
      {"15secs", 15 * second},
      {"1.5secs", 1'500'000'000},
      {"0.1secs", 100'000'000},
      {".5secs", 500'000'000},
      {"5.secs", 5 * second},
      {"007secs", 7 * second},
      {"2mins", 120 * second},
      {"1hrs", 3600 * second},
      {"1.5hrs", 5400 * second},
      {"2days", 172'800 * second},
      {"1weeks", 604'800 * second},
      {"15250weeks", std::int64_t{15'250} * 604'800 * second},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_duration(row.input);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    CHECK(parsed->count() == row.nanoseconds);
  }
}

TEST_CASE("durations stout refuses are refused with its messages") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::vector<Row> rows{
      {"", "Invalid duration ''"},
      {"10", "Invalid duration '10'"},
      {"1.5", "Invalid duration '1.5'"},
      {"secs", "Failed to convert '' to number"},
      {"-5secs", "Failed to convert '' to number"},
      {"+5secs", "Failed to convert '' to number"},
      {" 5secs", "Failed to convert '' to number"},
      {"1.2.3secs", "Failed to convert '1.2.3' to number"},
      {".secs", "Failed to convert '.' to number"},
      {"5 secs", "Unknown duration unit ' secs'" + unit_list},
      {"5secs ", "Unknown duration unit 'secs '" + unit_list},
      {"5s", "Unknown duration unit 's'" + unit_list},
      {"5sec", "Unknown duration unit 'sec'" + unit_list},
      {"5SECS", "Unknown duration unit 'SECS'" + unit_list},
      {"5parsecs", "Unknown duration unit 'parsecs'" + unit_list},
      {"1e3secs", "Unknown duration unit 'e3secs'" + unit_list},
      {"100000weeks",
       "Invalid duration '100000weeks': more nanoseconds than a 64-bit integer holds"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_duration(row.input);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == row.error);
  }
}

TEST_CASE("durations print like stout's operator<<") {
  struct Row {
    std::int64_t nanoseconds;
    std::string output;
  };
  constexpr std::int64_t hour = 3600 * second;
  constexpr std::int64_t day = 24 * hour;
  const std::vector<Row> rows{
      {0, "0ns"},
      {999, "999ns"},
      {1'000, "1us"},
      {1'500, "1500ns"},
      {999'000, "999us"},
      {1'000'000, "1ms"},
      {1'500'000, "1500us"},
      {1'500'001, "1.500001ms"},
      {200'000'000, "200ms"},
      {second, "1secs"},
      {1'500'000'000, "1500ms"},
      {1'000'000'001, "1.000000001secs"},
      {15 * second, "15secs"},
      {60 * second, "1mins"},
      {90 * second, "90secs"},
      {90 * second + 1, "1.50000000001667mins"},
      {hour, "1hrs"},
      {hour + 1, "1.00000000000028hrs"},
      {hour + second, "1.00027777777778hrs"},
      {90 * 60 * second, "90mins"},
      {day, "1days"},
      {36 * hour, "36hrs"},
      {10 * day, "10days"},
      {14 * day, "2weeks"},
      {21 * day / 2, "1.5weeks"},
      {-1, "-1ns"},
      {-15 * second, "-15secs"},
      {-90 * 60 * second, "-90mins"},
      {std::numeric_limits<std::int64_t>::max(), "15250.2844524715weeks"},
      {std::numeric_limits<std::int64_t>::min(), "-15250.2844524715weeks"},
  };
  for (const auto& row : rows) {
    INFO(row.nanoseconds);
    CHECK(text::format_duration(nanoseconds(row.nanoseconds)) == row.output);
  }
}

TEST_CASE("printed durations parse back to the same value when whole") {
  for (const std::int64_t value :
       {std::int64_t{0}, std::int64_t{1'000}, 15 * second, 90 * second, 36 * 3600 * second}) {
    const auto printed = text::format_duration(nanoseconds(value));
    INFO(printed);
    const auto parsed = text::parse_duration(printed);
    REQUIRE(parsed.has_value());
    CHECK(parsed->count() == value);
  }
}
