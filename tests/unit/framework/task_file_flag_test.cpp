// --task_file on the command line: the whole task comes from the file, the simple task flags are
// refused beside it, and a bad file stops the framework with the file and the field named.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/flags.hpp"

#include "flag_test_support.hpp"

namespace {

using iof::test::flags::parse;

// A file holding `text` for the life of a test.
class TaskFile {
 public:
  explicit TaskFile(const std::string& text) {
    const int fd = ::mkstemp(path_);
    REQUIRE(fd >= 0);
    FILE* file = ::fdopen(fd, "w");
    std::fputs(text.c_str(), file);
    std::fclose(file);
  }
  ~TaskFile() { ::unlink(path_); }
  TaskFile(const TaskFile&) = delete;
  TaskFile& operator=(const TaskFile&) = delete;
  std::string flag() const { return std::string("--task_file=") + path_; }

 private:
  char path_[32] = "/tmp/iof-task-XXXXXX";
};

constexpr const char* web_service = R"({
  "argv": ["python3", "-m", "http.server"],
  "cpus": 0.5, "mem": 64,
  "ports": ["http"],
  "health_check": {"type": "http", "port_name": "http", "path": "/"},
  "kill_grace_period_seconds": 20
})";

}  // namespace

TEST_CASE("--task_file gives the whole task") {
  const TaskFile file(web_service);
  const auto outcome = parse({file.flag()});
  REQUIRE(outcome.flags);
  const auto& task = outcome.flags->task;
  CHECK(task.argv == std::vector<std::string>{"python3", "-m", "http.server"});
  CHECK(task.cpus == 0.5);
  CHECK(task.mem == 64);
  CHECK(task.port_names == std::vector<std::string>{"http"});
  REQUIRE(task.health_check);
  CHECK(task.kill_grace_seconds == 20);
}

TEST_CASE("--task_file beside a simple task flag, on the command line or in the environment") {
  const TaskFile file(web_service);
  for (const auto& flag : {"--task_cpus=1", "--task_mem=64", "--task_command=sleep 1"}) {
    const auto outcome = parse({file.flag(), flag});
    CHECK_FALSE(outcome.flags);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.find("--task_file excludes --task_") != std::string::npos);
  }
  ::setenv("MESOS_EXAMPLE_TASK_MEM", "64", 1);
  const auto outcome = parse({file.flag()});
  ::unsetenv("MESOS_EXAMPLE_TASK_MEM");
  CHECK_FALSE(outcome.flags);
  CHECK(outcome.output.find("--task_file excludes --task_mem") != std::string::npos);
}

TEST_CASE("a bad --task_file exits 1 naming the file and the field") {
  const TaskFile file(
      R"({"command": "sleep 1", "ports": ["http"], "health_check": {"type": "http", "port_name": "web"}})");
  const auto outcome = parse({file.flag()});
  CHECK_FALSE(outcome.flags);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.output.find("--task_file '/tmp/iof-task-") != std::string::npos);
  CHECK(outcome.output.find("health_check.port_name: not one of the names") != std::string::npos);

  const auto missing = parse({"--task_file=/nonexistent/task.json"});
  CHECK_FALSE(missing.flags);
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find("/nonexistent/task.json") != std::string::npos);
}
