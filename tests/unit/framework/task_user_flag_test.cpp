// --task_user names the user the tasks run as (FrameworkInfo.user): the OS user by default, as
// Mesos's example does, MESOS_EXAMPLE_TASK_USER in the container image, and one clear line for a
// value no agent could run a task as.
#include <cstdlib>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/flags.hpp"

#include "flag_test_support.hpp"

namespace {

using iof::test::flags::Env;
using iof::test::flags::parse;

}  // namespace

TEST_CASE("without --task_user the tasks run as the user running the framework") {
  {
    Env user("USER", "alice");
    const auto outcome = parse({});
    REQUIRE(outcome.flags);
    CHECK(outcome.flags->task_user == "alice");
  }
  // No $USER (as in a container): the effective uid, as a name only for root.
  Env no_user("USER", nullptr);
  const auto outcome = parse({});
  REQUIRE(outcome.flags);
  CHECK(outcome.flags->task_user == (::geteuid() == 0 ? "root" : std::to_string(::geteuid())));
}

TEST_CASE("--task_user and MESOS_EXAMPLE_TASK_USER name it, the command line winning") {
  Env user("USER", "alice");
  CHECK(parse({"--task_user=nobody"}).flags->task_user == "nobody");
  CHECK(parse({"--task_user", "svc-web.prod"}).flags->task_user == "svc-web.prod");
  // Directory services allow names useradd would refuse.
  CHECK(parse({"--task_user=bob@example.com"}).flags->task_user == "bob@example.com");
  Env image_default("MESOS_EXAMPLE_TASK_USER", "nobody");
  CHECK(parse({}).flags->task_user == "nobody");
  CHECK(parse({"--task_user=www-data"}).flags->task_user == "www-data");
}

TEST_CASE("a --task_user no agent could run a task as exits 1 with one line naming the problem") {
  struct Case {
    std::string value;
    std::string says;
  };
  for (const auto& [value, says] : std::vector<Case>{
           {"", "--task_user: 1 required TEXT missing"},
           {"web service",
            "Invalid value 'web service' for --task_user: a user name has no "
            "spaces or control characters"},
           {"web\tservice", "'web\\x09service' for --task_user"},
           {"web\nservice", "'web\\x0aservice' for --task_user"},
           {"root:0", "Invalid value 'root:0' for --task_user: a user name has no ':'"},
           {"../etc", "a user name has no '/'"},
           {"-rf", "Invalid value '-rf' for --task_user: a user name does not start with '-'"},
       }) {
    CAPTURE(value);
    const auto outcome = parse({"--task_user=" + value});
    CHECK_FALSE(outcome.flags);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.find(says) != std::string::npos);
    CHECK(outcome.output.starts_with("inverse-offer-framework: "));
    // One line of problem, then the pointer to --help.
    CHECK(outcome.output.find('\n') == outcome.output.find("\nRun '"));
  }
  for (const char* value : {"a b", ""}) {
    CAPTURE(value);
    Env bad("MESOS_EXAMPLE_TASK_USER", value);
    const auto outcome = parse({});
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.find("Invalid value '" + std::string(value) + "' for --task_user") !=
          std::string::npos);
  }
}
