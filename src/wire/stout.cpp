// Strings and numbers with stout's semantics: splitting, trimming, case-insensitive comparison,
// and numbers read as boost::lexical_cast reads them (which is what stout's numify does).
#include "iof/wire/stout.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace iof::wire::text {

namespace {

constexpr std::string_view whitespace = " \t\n\r";

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<std::uint64_t> parse_digits(std::string_view digits, int base) {
  if (digits.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string_view trim(std::string_view s) {
  const std::size_t start = s.find_first_not_of(whitespace);
  if (start == std::string_view::npos) {
    return {};
  }
  return s.substr(start, s.find_last_not_of(whitespace) + 1 - start);
}

std::vector<std::string_view> tokenize(std::string_view s, std::string_view delims) {
  std::vector<std::string_view> tokens;
  std::size_t offset = 0;
  while (true) {
    const std::size_t start = s.find_first_not_of(delims, offset);
    if (start == std::string_view::npos) {
      break;
    }
    const std::size_t stop = s.find_first_of(delims, start);
    if (stop == std::string_view::npos) {
      tokens.push_back(s.substr(start));
      break;
    }
    tokens.push_back(s.substr(start, stop - start));
    offset = stop;
  }
  return tokens;
}

std::string without(std::string_view s, std::string_view chars) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (chars.find(c) == std::string_view::npos) {
      out += c;
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string format_double(double value) {
  char buffer[64];
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 15);
  return ec == std::errc{} ? std::string(buffer, end) : std::string{};
}

std::optional<double> to_double(std::string_view s) {
  std::string_view rest = s;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  if (iequals(rest, "inf") || iequals(rest, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (rest.size() >= 3 && iequals(rest.substr(0, 3), "nan")) {
    const std::string_view tail = rest.substr(3);
    if (tail.empty() || (tail.size() >= 2 && tail.front() == '(' && tail.back() == ')')) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    return std::nullopt;
  }

  // Check the grammar ourselves: from_chars is laxer in places (it reads "inf" and "nan") and
  // stricter in others (no leading '+').
  std::size_t i = 0;
  std::size_t integer_digits = 0;
  std::size_t fraction_digits = 0;
  while (i < rest.size() && is_digit(rest[i])) {
    ++i;
    ++integer_digits;
  }
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    while (i < rest.size() && is_digit(rest[i])) {
      ++i;
      ++fraction_digits;
    }
  }
  if (integer_digits + fraction_digits == 0) {
    return std::nullopt;
  }
  const std::size_t mantissa_end = i;
  if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
    ++i;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) {
      ++i;
    }
    const std::size_t exponent_digits_start = i;
    while (i < rest.size() && is_digit(rest[i])) {
      ++i;
    }
    if (i == exponent_digits_start) {
      return std::nullopt;
    }
  }
  if (i != rest.size()) {
    return std::nullopt;
  }

  double value = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Too large or too small. Find the decimal magnitude: the position of the first significant
    // digit relative to the point, plus the exponent.
    const std::string_view mantissa = rest.substr(0, mantissa_end);
    long long magnitude = 0;
    const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
    const std::size_t first = mantissa.find_first_of("123456789");
    if (first == std::string_view::npos) {
      value = 0;
    } else {
      magnitude = first < point ? static_cast<long long>(point - first) - 1
                                : -static_cast<long long>(first - point);
      if (mantissa_end < rest.size()) {
        std::string_view exponent = rest.substr(mantissa_end + 1);
        const bool negative_exponent = exponent.front() == '-';
        if (exponent.front() == '+' || exponent.front() == '-') {
          exponent.remove_prefix(1);
        }
        // Digits beyond long long are beyond any double either way.
        const auto digits = parse_digits(exponent, 10);
        const long long bound = 1'000'000'000;
        const long long size =
            digits && *digits < 1'000'000'000 ? static_cast<long long>(*digits) : bound;
        magnitude += negative_exponent ? -size : size;
      }
      if (magnitude >= 0) {
        return std::nullopt;  // Overflow: the stream fails.
      }
      value = 0;  // Underflow: the stream yields zero.
    }
  } else if (ec != std::errc{} || end != rest.data() + rest.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<std::uint64_t> to_uint64(std::string_view s) {
  std::string_view rest = s;
  bool negative = false;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    negative = rest.front() == '-';
    rest.remove_prefix(1);
  }
  const bool all_digits = !rest.empty() && std::all_of(rest.begin(), rest.end(), is_digit);
  std::optional<std::uint64_t> value;
  if (all_digits) {
    value = parse_digits(rest, 10);
  } else if ((s.starts_with("0x") || s.starts_with("0X") || s.starts_with("-0x") ||
              s.starts_with("-0X")) &&
             rest.size() > 2 && std::all_of(rest.begin() + 2, rest.end(), is_hex_digit)) {
    value = parse_digits(rest.substr(2), 16);
  }
  if (value && negative) {
    *value = ~*value + 1;
  }
  return value;
}

}  // namespace iof::wire::text
