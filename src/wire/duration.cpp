// Durations with stout's grammar, units and printing, including its error texts.
#include "iof/wire/duration.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "iof/wire/stout.hpp"

namespace iof::wire::text {

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::size_t index = 0;
  while (index < text.size() && (is_digit(text[index]) || text[index] == '.')) {
    ++index;
  }
  if (index == text.size()) {
    return Error{"Invalid duration '" + std::string(text) + "'"};
  }
  const std::string_view number = text.substr(0, index);
  const auto value = to_double(number);
  if (!value) {
    return Error{"Failed to convert '" + std::string(number) + "' to number"};
  }

  struct Unit {
    std::string_view name;
    std::int64_t nanoseconds;
  };
  constexpr std::int64_t second = 1'000'000'000;
  constexpr Unit units[] = {
      {"ns", 1},
      {"us", 1'000},
      {"ms", 1'000'000},
      {"secs", second},
      {"mins", 60 * second},
      {"hrs", 3600 * second},
      {"days", 86400 * second},
      {"weeks", 7 * 86400 * second},
  };
  const std::string_view unit = text.substr(index);
  const auto* found = std::find_if(std::begin(units), std::end(units),
                                   [&](const Unit& candidate) { return candidate.name == unit; });
  if (found == std::end(units)) {
    return Error{"Unknown duration unit '" + std::string(unit) +
                 "'; supported units are 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', and "
                 "'weeks'"};
  }
  const double nanoseconds = *value * static_cast<double>(found->nanoseconds);
  if (!(nanoseconds < 9223372036854775808.0)) {
    return Error{"Invalid duration '" + std::string(text) +
                 "': more nanoseconds than a 64-bit integer holds"};
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(nanoseconds));
}

std::string format_duration(std::chrono::nanoseconds duration) {
  constexpr std::int64_t us = 1'000;
  constexpr std::int64_t ms = 1'000'000;
  constexpr std::int64_t secs = 1'000'000'000;
  constexpr std::int64_t mins = 60 * secs;
  constexpr std::int64_t hrs = 60 * mins;
  constexpr std::int64_t days = 24 * hrs;
  constexpr std::int64_t weeks = 7 * days;

  std::string out;
  std::int64_t n = duration.count();
  if (n < 0) {
    out += '-';
    if (n == std::numeric_limits<std::int64_t>::min()) {
      n = std::numeric_limits<std::int64_t>::max();
    } else {
      // Upstream negates through a double multiplication, which rounds beyond 2^53.
      const double negated = static_cast<double>(n) * -1.0;
      n = negated < 9223372036854775808.0 ? static_cast<std::int64_t>(negated)
                                          : std::numeric_limits<std::int64_t>::max();
    }
  }

  const auto in = [n](std::int64_t unit, std::string_view name) {
    return format_double(static_cast<double>(n) / static_cast<double>(unit)) + std::string(name);
  };
  // The bucket the magnitude falls in, unless the next smaller unit gives a whole number and
  // this one does not.
  const auto pick = [&](std::int64_t unit, std::string_view name, std::int64_t smaller,
                        std::string_view smaller_name) {
    return n % unit != 0 && n % smaller == 0 ? in(smaller, smaller_name) : in(unit, name);
  };

  if (n < us) {
    out += std::to_string(n) + "ns";
  } else if (n < ms) {
    out += n % us != 0 ? std::to_string(n) + "ns" : in(us, "us");
  } else if (n < secs) {
    out += pick(ms, "ms", us, "us");
  } else if (n < mins) {
    out += pick(secs, "secs", ms, "ms");
  } else if (n < hrs) {
    out += pick(mins, "mins", secs, "secs");
  } else if (n < days) {
    out += pick(hrs, "hrs", mins, "mins");
  } else if (n < weeks) {
    out += pick(days, "days", hrs, "hrs");
  } else {
    out += pick(weeks, "weeks", days, "days");
  }
  return out;
}

}  // namespace iof::wire::text
