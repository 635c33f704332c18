// Mesos's values (src/common/values.cpp): scalars in its three-decimal fixed point, ranges
// coalesced its way, and a resource's value read from text (values::parse).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "iof/wire/stout.hpp"

#include "detail.hpp"

namespace iof::wire::text::detail {

// ---- Fixed-point scalars -----------------------------------------------------------------------

long long to_fixed(double value) {
  const double scaled = value * 1000;
  constexpr double limit = 9223372036854775808.0;  // 2^63
  if (!(scaled >= -limit && scaled < limit)) {
    return std::numeric_limits<long long>::min();
  }
  return std::llround(scaled);
}

double to_floating(long long fixed) {
  return static_cast<double>(fixed / 1000) + static_cast<double>(fixed % 1000) / 1000.0;
}

long long fixed_add(long long a, long long b) {
  // Two's complement wrap-around, as the hardware does with upstream's plain addition.
  return static_cast<long long>(static_cast<unsigned long long>(a) +
                                static_cast<unsigned long long>(b));
}

// ---- Ranges ------------------------------------------------------------------------------------

std::vector<Span> spans(const Value::Ranges& ranges) {
  std::vector<Span> out;
  out.reserve(static_cast<std::size_t>(ranges.range_size()));
  for (const auto& range : ranges.range()) {
    out.push_back({range.begin(), range.end()});
  }
  return out;
}

Value::Ranges coalesce(std::vector<Span> in) {
  Value::Ranges out;
  if (in.empty()) {
    return out;
  }
  std::sort(in.begin(), in.end(), [](const Span& a, const Span& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  Span current = in.front();
  for (const Span& span : in) {
    if (span.begin == current.begin && span.end == current.end) {
      continue;
    }
    if (span.begin == current.begin && span.end > current.end) {
      current.end = span.end;
    } else if (span.begin > current.begin) {
      if (span.begin <= current.end + 1) {
        current.end = std::max(current.end, span.end);
      } else {
        auto* range = out.add_range();
        range->set_begin(current.begin);
        range->set_end(current.end);
        current = span;
      }
    }
  }
  auto* range = out.add_range();
  range->set_begin(current.begin);
  range->set_end(current.end);
  return out;
}

Value::Ranges coalesce(const Value::Ranges& a, const Value::Ranges& b) {
  std::vector<Span> all = spans(a);
  const std::vector<Span> more = spans(b);
  all.insert(all.end(), more.begin(), more.end());
  return coalesce(std::move(all));
}

// ---- Parsing values (mesos::internal::values::parse) -------------------------------------------

namespace {

bool brackets_match(std::string_view s, char open, char close) {
  int depth = 0;
  for (const char c : s) {
    if (c == open) {
      ++depth;
    } else if (c == close) {
      --depth;
    }
    if (depth < 0) {
      return false;
    }
  }
  return depth == 0;
}

std::optional<std::string> scalar_problem(double value) {
  switch (std::fpclassify(value)) {
    case FP_INFINITE:
      return std::string("Infinite values not supported");
    case FP_NAN:
      return std::string("NaN not supported");
    case FP_SUBNORMAL:
      return std::string("Subnormal values not supported");
    case FP_ZERO:
      return std::nullopt;
    case FP_NORMAL:
      if (value < 0) {
        return std::string("Negative values not supported");
      }
      return std::nullopt;
    default:
      return std::string("Unknown error");
  }
}

}  // namespace

Result<void> parse_value(std::string_view text, Resource& resource) {
  const std::string value = without(text, " ");
  if (value.empty()) {
    return Error{"Expecting non-empty string"};
  }
  if (!brackets_match(value, '{', '}') || !brackets_match(value, '[', ']') ||
      !brackets_match(value, '(', ')')) {
    return Error{"Mismatched brackets"};
  }

  const std::size_t bracket = value.find('[');
  if (bracket == 0) {
    const auto tokens = tokenize(value, "[]-,\n");
    if (tokens.size() % 2 != 0) {
      return Error{"Expecting one or more \"ranges\""};
    }
    std::vector<Span> parsed;
    for (std::size_t i = 0; i < tokens.size(); i += 2) {
      const auto begin = to_uint64(tokens[i]);
      const auto end = to_uint64(tokens[i + 1]);
      if (!begin || !end) {
        return Error{"Expecting non-negative integers in '" + std::string(tokens[i]) + "'"};
      }
      parsed.push_back({*begin, *end});
    }
    resource.set_type(Value::RANGES);
    *resource.mutable_ranges() = coalesce(std::move(parsed));
    return {};
  }
  if (bracket != std::string::npos) {
    return Error{"Unexpected '[' found"};
  }

  const std::size_t brace = value.find('{');
  if (brace == 0) {
    resource.set_type(Value::SET);
    auto* set = resource.mutable_set();
    for (const std::string_view item : tokenize(value, "{},\n")) {
      set->add_item(std::string(item));
    }
    return {};
  }
  if (brace != std::string::npos) {
    return Error{"Unexpected '{' found"};
  }

  if (const auto number = to_double(value)) {
    if (auto problem = scalar_problem(*number)) {
      return Error{"Invalid scalar value '" + value + "':" + *problem};
    }
    resource.set_type(Value::SCALAR);
    resource.mutable_scalar()->set_value(*number);
    return {};
  }
  resource.set_type(Value::TEXT);  // Refused by the caller: a Resource has no field for it.
  return {};
}

}  // namespace iof::wire::text::detail
