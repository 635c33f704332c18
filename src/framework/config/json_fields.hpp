#pragma once

// Reading --task_file's JSON fields, each error naming the dotted path of its field. Internal to
// config/: task_file.cpp and health_check_file.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "iof/common/result.hpp"
#include "iof/framework/core/task_spec.hpp"

namespace iof::framework::task_file {

namespace json = boost::json;

// Errors carry the dotted path of the field they are about.
struct Reader {
  std::string path;

  Error error(const std::string& why) const { return Error{path + ": " + why}; }
  Reader at(const std::string& key) const { return Reader{path.empty() ? key : path + "." + key}; }
  Reader at(std::size_t index) const { return Reader{path + "[" + std::to_string(index) + "]"}; }
};

inline Result<void> only_known(const json::object& object, const Reader& where,
                               std::initializer_list<std::string_view> known) {
  for (const auto& entry : object) {
    if (std::find(known.begin(), known.end(), entry.key()) == known.end()) {
      return where.at(std::string(entry.key())).error("unknown field");
    }
  }
  return {};
}

inline Result<std::string> text(const json::value& value, const Reader& where) {
  if (!value.is_string() || value.as_string().empty()) {
    return where.error("expected a non-empty string");
  }
  return Result<std::string>(boost::system::in_place_value, std::string(value.as_string()));
}

inline Result<bool> boolean(const json::value& value, const Reader& where) {
  if (!value.is_bool()) {
    return where.error("expected true or false");
  }
  return value.as_bool();
}

inline std::string bound_text(double minimum, bool above) {
  std::ostringstream out;
  out << "expected a number " << (above ? "above " : "of at least ") << minimum;
  return out.str();
}

// A finite number; `minimum` is inclusive unless `above` asks for strictly greater.
inline Result<double> number(const json::value& value, const Reader& where, double minimum,
                             bool above) {
  if (!value.is_number()) {
    return where.error("expected a number");
  }
  const double out = value.to_number<double>();
  if (!std::isfinite(out) || out < minimum || (above && out == minimum)) {
    return where.error(bound_text(minimum, above));
  }
  return out;
}

inline Result<std::uint64_t> whole(const json::value& value, const Reader& where,
                                   std::uint64_t minimum, std::uint64_t maximum) {
  const bool integral = value.is_uint64() || (value.is_int64() && value.as_int64() >= 0);
  const std::uint64_t out = integral ? value.to_number<std::uint64_t>() : 0;
  if (!integral || out < minimum || out > maximum) {
    return where.error("expected a whole number from " + std::to_string(minimum) + " to " +
                       std::to_string(maximum));
  }
  return out;
}

inline bool is_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

inline Result<std::map<std::string, std::string>> string_map(const json::value& value,
                                                             const Reader& where, bool env_names) {
  if (!value.is_object()) {
    return where.error("expected an object of strings");
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, entry] : value.as_object()) {
    const Reader field = where.at(std::string(key));
    if (env_names && !is_env_name(key)) {
      return field.error("not a valid environment variable name");
    }
    if (!entry.is_string()) {
      return field.error("expected a string");
    }
    out.emplace(std::string(key), std::string(entry.as_string()));
  }
  return out;
}

// "health_check": a readiness check probing one of `ports` (their names; empty for unnamed).
Result<HealthCheckSpec> health_check(const json::value& value, const Reader& where,
                                     const std::vector<std::string>& ports);

}  // namespace iof::framework::task_file
