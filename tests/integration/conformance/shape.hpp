#pragma once

// The shape of a JSON document: every path that holds a value ("offers.offers[].hostname"),
// with arrays folded into "[]". Two masters that send the same fields have the same shape,
// whatever their ids, times and resources.
#include <set>
#include <string>

#include <boost/json/value.hpp>

namespace iof::test::conformance {

inline void collect_shape(const boost::json::value& value, const std::string& path,
                          std::set<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.as_object()) {
      collect_shape(child, path.empty() ? std::string(key) : path + "." + std::string(key), out);
    }
  } else if (value.is_array()) {
    for (const auto& child : value.as_array()) {
      collect_shape(child, path + "[]", out);
    }
  } else {
    out.insert(path);
  }
}

inline std::set<std::string> shape(const boost::json::value& value) {
  std::set<std::string> out;
  collect_shape(value, "", out);
  return out;
}

// The paths in `a` that are not in `b`, one per line.
inline std::string missing_from(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const auto& path : a) {
    if (!b.contains(path)) {
      out += path + "\n";
    }
  }
  return out;
}

}  // namespace iof::test::conformance
