#pragma once

// A checker of Prometheus's text exposition format (version 0.0.4) and its naming conventions,
// standing in for `promtool check metrics` (not packaged for Debian 12): what a scrape and a
// Prometheus user would trip over, one sentence per problem.
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace iof::test {

inline bool valid_metric_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) {
    return false;
  }
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != ':') {
      return false;
    }
  }
  return true;
}

inline bool valid_sample_value(const std::string& text) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") {
    return true;
  }
  char* end = nullptr;
  (void)std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

// Every problem of `text`, where every metric name must start with `prefix`: a sample without
// a # HELP and a # TYPE before it, a counter not ending in _total (or a gauge that does), a
// duration not in seconds, a name or value Prometheus cannot parse, a series twice, a family
// whose lines are not together.
inline std::vector<std::string> prometheus_problems(const std::string& text,
                                                    const std::string& prefix) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::set<std::string> series;
  std::set<std::string> finished;  // families whose lines ended
  std::string current;             // the family of the previous line
  std::istringstream lines(text);
  std::string line;
  if (!text.empty() && text.back() != '\n') {
    problems.push_back("the text does not end with a newline");
  }
  const auto enter = [&](const std::string& family) {
    if (family != current) {
      if (finished.contains(family)) {
        problems.push_back(family + ": its lines are not together");
      }
      if (!current.empty()) {
        finished.insert(current);
      }
      current = family;
    }
  };
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name;
      std::string rest;
      words >> name;
      std::getline(words >> std::ws, rest);
      enter(name);
      if (line.starts_with("# HELP ")) {
        if (!helped.insert(name).second) {
          problems.push_back(name + ": two # HELP lines");
        }
        if (rest.empty()) {
          problems.push_back(name + ": an empty # HELP");
        }
        continue;
      }
      if (types.contains(name)) {
        problems.push_back(name + ": two # TYPE lines");
      }
      if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" &&
          rest != "untyped") {
        problems.push_back(name + ": unknown type '" + rest + "'");
      }
      types[name] = rest;
      continue;
    }
    if (line.empty() || line.starts_with("#")) {
      continue;
    }
    const auto space = line.rfind(' ');
    const std::string key = line.substr(0, space == std::string::npos ? 0 : space);
    const std::string name = key.substr(0, key.find('{'));
    if (space == std::string::npos || !valid_metric_name(name)) {
      problems.push_back("not a sample line: '" + line + "'");
      continue;
    }
    enter(name);
    if (!valid_sample_value(line.substr(space + 1))) {
      problems.push_back(name + ": value '" + line.substr(space + 1) + "' is not a number");
    }
    if (!series.insert(key).second) {
      problems.push_back(key + ": the same series twice");
    }
    if (!name.starts_with(prefix)) {
      problems.push_back(name + ": not prefixed " + prefix);
    }
    if (!helped.contains(name)) {
      problems.push_back(name + ": a sample without # HELP before it");
    }
    const auto type = types.find(name);
    if (type == types.end()) {
      problems.push_back(name + ": a sample without # TYPE before it");
      continue;
    }
    const bool total = name.ends_with("_total");
    if (type->second == "counter" && !total) {
      problems.push_back(name + ": a counter not ending in _total");
    }
    if (type->second != "counter" && total) {
      problems.push_back(name + ": a " + type->second + " ending in _total");
    }
    for (const char* unit : {"_secs", "_ms", "_millis", "_minutes", "_hours"}) {
      if (name.find(unit) != std::string::npos) {
        problems.push_back(name + ": a duration not in _seconds");
      }
    }
  }
  return problems;
}

}  // namespace iof::test
