#pragma once

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <CLI/App.hpp>

// How the framework's flags are declared: each group of flags (the example's, evacuation, HA,
// operator conventions) declares its options through one registry, so that every flag is also
// read from MESOS_EXAMPLE_<NAME> the same way, and each group's file validates its own values.
namespace iof::framework::flag_groups {

// An env value from MESOS_EXAMPLE_<name>, the lower-case spelling first, as stout reads them.
inline std::optional<std::string> from_environment(const std::string& name) {
  std::string upper = name;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (const std::string& key : {"MESOS_EXAMPLE_" + name, "MESOS_EXAMPLE_" + upper}) {
    if (const char* value = std::getenv(key.c_str())) {
      return std::string(value);
    }
  }
  return std::nullopt;
}

class FlagRegistry {
 public:
  struct Named {
    std::string name;
    CLI::Option* option;
    bool* boolean;  // the target of a boolean flag, else null
  };

  explicit FlagRegistry(CLI::App& app) : app_(app) {}

  CLI::Option* option(const std::string& name, std::string& target, const std::string& help) {
    auto* added = app_.add_option("--" + name, target, help)->capture_default_str();
    named_.push_back({name, added, nullptr});
    return added;
  }
  CLI::Option* boolean(const std::string& name, bool& target, const std::string& help) {
    auto* added = app_.add_flag("--" + name + ",!--no-" + name, target, help);
    named_.push_back({name, added, &target});
    return added;
  }
  // Whether the flag was given, on the command line or in the environment.
  bool given(const std::string& name) const {
    for (const auto& flag : named_) {
      if (flag.name == name) {
        return flag.option->count() > 0 || from_environment(name).has_value();
      }
    }
    return false;
  }
  const std::vector<Named>& named() const { return named_; }

 private:
  CLI::App& app_;
  std::vector<Named> named_;
};

}  // namespace iof::framework::flag_groups
