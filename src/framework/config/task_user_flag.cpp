// --task_user: the user the tasks run as on the agents (FrameworkInfo.user).
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "flag_groups.hpp"

namespace iof::framework::flag_groups {

namespace {

// The OS user, without glibc's NSS (a static binary may run where it has no modules): what
// Mesos's example sends, and so the default outside a container.
std::string os_user() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
    return user;
  }
  return ::geteuid() == 0 ? "root" : std::to_string(::geteuid());
}

// The value as it can be shown on one line: control characters as \xNN.
std::string printable(const std::string& value) {
  std::string out;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out;
}

// Why `user` cannot be a user name on an agent, if it cannot. Deliberately loose beyond that:
// directory services allow names useradd refuses (e.g. "name@domain" with sssd).
std::optional<std::string> user_name_problem(const std::string& user) {
  if (user.empty()) {
    return "expected a user name, not an empty value";
  }
  for (const char c : user) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return "a user name has no spaces or control characters";
    }
    if (c == ':' || c == '/') {
      return std::string("a user name has no '") + c + "'";
    }
  }
  if (user.front() == '-') {
    return "a user name does not start with '-'";
  }
  return std::nullopt;
}

}  // namespace

void declare_task_user(FlagRegistry& registry, std::string& text) {
  registry.option(
      "task_user", text,
      "User the tasks run as on the agents (FrameworkInfo.user); a --task_file's \"user\" "
      "overrides it per task. Default: the user running the framework; the container image "
      "sets nobody");
}

std::optional<std::string> resolve_task_user(const FlagRegistry& registry, const std::string& text,
                                             Flags& flags) {
  if (!registry.given("task_user")) {
    flags.task_user = os_user();
    return std::nullopt;
  }
  if (auto problem = user_name_problem(text)) {
    return "Invalid value '" + printable(text) + "' for --task_user: " + *problem;
  }
  flags.task_user = text;
  return std::nullopt;
}

}  // namespace iof::framework::flag_groups
