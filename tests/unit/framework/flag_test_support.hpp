#pragma once

// What the flag tests share: parse_flags() over a list of arguments, and an environment variable
// set for the life of a test.
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "iof/framework/flags.hpp"

namespace iof::test::flags {

inline iof::framework::FlagsOutcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "inverse-offer-framework");
  std::vector<const char*> argv;
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  return iof::framework::parse_flags(static_cast<int>(argv.size()), argv.data());
}

// Sets (or, with a null value, removes) an environment variable, restoring it afterwards.
class Env {
 public:
  Env(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* before = std::getenv(name_.c_str())) {
      before_ = before;
    }
    if (value != nullptr) {
      ::setenv(name_.c_str(), value, 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  Env(std::string name, const std::string& value) : Env(std::move(name), value.c_str()) {}
  ~Env() {
    if (before_) {
      ::setenv(name_.c_str(), before_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

 private:
  std::string name_;
  std::optional<std::string> before_;
};

}  // namespace iof::test::flags
