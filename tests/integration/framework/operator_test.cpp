// Operator conventions end to end, on mesos-sim and on a real master alike: the master shows the
// framework's webui_url and hostname, --log_format=json writes only JSON lines with task, agent
// and framework fields, and /metrics passes the Prometheus conventions check.
#include <regex>
#include <sstream>
#include <string>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "framework_fixture.hpp"
#include "prometheus_check.hpp"

using namespace iof::test::framework;

namespace {

// The master's record of the one framework subscribed to it.
boost::json::object only_framework(unsigned short master_port) {
  const auto state = master_state(master_port);
  const auto& frameworks = state.at("frameworks").as_array();
  REQUIRE(frameworks.size() == 1);
  return frameworks.front().as_object();
}

std::string text_of(const boost::json::object& line, const char* key) {
  const auto* value = line.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

// Stops the framework and checks every line it wrote on stderr: JSON, with time, level and
// message, task and agent where the line is about one, the framework ID once known.
void check_json_log(Framework& framework) {
  CHECK(framework.process().stop() == 0);
  const std::regex rfc3339_utc_ms(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::istringstream lines(framework.process().stderr_text());
  std::string line;
  std::string framework_id;
  int lines_read = 0;
  bool launch_with_fields = false;
  bool update_with_fields = false;
  while (std::getline(lines, line)) {
    CAPTURE(line);
    ++lines_read;
    boost::system::error_code error;
    const auto parsed = boost::json::parse(line, error);
    REQUIRE_MESSAGE(!error, "not JSON");
    REQUIRE(parsed.is_object());
    const auto& object = parsed.as_object();
    CHECK(std::regex_match(text_of(object, "time"), rfc3339_utc_ms));
    CHECK(std::set<std::string>{"trace", "debug", "info", "warn", "error"}.contains(
        text_of(object, "level")));
    const std::string message = text_of(object, "message");
    CHECK_FALSE(message.empty());
    if (message.starts_with("Subscribed with ID '")) {
      framework_id = message.substr(20, message.size() - 21);
    }
    const bool about_task = object.contains("task") && object.contains("agent");
    const bool with_framework =
        !framework_id.empty() && text_of(object, "framework") == framework_id;
    if (message.starts_with("Starting task ")) {
      CHECK(about_task);
      CHECK(with_framework);
      // The fields say what the text says.
      CHECK(message.starts_with("Starting task " + text_of(object, "task") + " on " +
                                text_of(object, "agent") + " "));
      launch_with_fields = launch_with_fields || (about_task && with_framework);
    }
    if (message.find("is in state TASK_RUNNING") != std::string::npos) {
      CHECK(about_task);
      update_with_fields = update_with_fields || about_task;
    }
  }
  CHECK(lines_read >= 4);
  CHECK_FALSE(framework_id.empty());
  CHECK(launch_with_fields);
  CHECK(update_with_fields);
}

bool logged_running(Framework& framework) {
  return framework.process().stderr_text().find("is in state TASK_RUNNING") != std::string::npos;
}

}  // namespace

TEST_CASE("operator: the master shows webui_url and hostname, and GET / answers there") {
  auto cluster = start_cluster({});
  {
    Framework framework(
        {cluster->master_flag(), "--advertise_address=fw1.example.com:8443", "--teardown_on_exit"});
    REQUIRE(eventually([&] { return framework.metric("subscribed") == 1; }));
    const auto info = only_framework(cluster->port());
    CHECK(text_of(info, "webui_url") == "http://fw1.example.com:8443");
    CHECK(text_of(info, "hostname") == "fw1.example.com");
    CHECK(framework.process().stop() == 0);
  }
  REQUIRE(eventually(
      [&] { return master_state(cluster->port()).at("frameworks").as_array().empty(); }));
  // Unset, the address is where the HTTP server listens (127.0.0.1:0 becomes the port it got):
  // the Mesos UI's link leads to the framework's index of endpoints.
  Framework framework({cluster->master_flag()});
  REQUIRE(eventually([&] { return framework.metric("subscribed") == 1; }));
  const std::string url = text_of(only_framework(cluster->port()), "webui_url");
  std::smatch port;
  REQUIRE_MESSAGE(std::regex_match(url, port, std::regex(R"(http://127\.0\.0\.1:(\d+))")), url);
  CHECK(text_of(only_framework(cluster->port()), "hostname") == "127.0.0.1");
  const auto index =
      request(static_cast<unsigned short>(std::stoul(port[1].str())), {"GET", "/", {}, ""});
  CHECK(index.status == 200);
  CHECK(index.body.find("/metrics") != std::string::npos);
}

TEST_CASE(
    "operator: --log_format=json writes one JSON object a line, with task, agent, framework") {
  auto cluster = start_cluster({});
  Framework framework({cluster->master_flag(), "--num_tasks=2", "--log_format=json"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 2; }, 20s));
  REQUIRE(eventually([&] { return logged_running(framework); }));
  check_json_log(framework);
}

TEST_CASE("operator: --log_format=json with --master=local, the embedded master's lines too") {
  if (skipped_on_real_mesos("--master=local runs no cluster: nothing differs on a real one")) {
    return;
  }
  Framework framework({"--master=local", "--num_tasks=2", "--log_format=json"});
  REQUIRE(eventually([&] { return running_tasks(framework.local_master_port()).size() == 2; }));
  REQUIRE(eventually([&] { return logged_running(framework); }));
  check_json_log(framework);
}

TEST_CASE("operator: /metrics passes the Prometheus conventions check while tasks run") {
  auto cluster = start_cluster({});
  Framework framework({cluster->master_flag(), "--num_tasks=2"});
  REQUIRE(eventually([&] { return framework.metric("current_sleepers") == 2; }));
  const std::string text = framework.prometheus();
  std::string problems;
  for (const auto& problem : iof::test::prometheus_problems(text, "inverse_offer_framework_")) {
    problems += problem + "\n";
  }
  CHECK_MESSAGE(problems.empty(), problems);
  CHECK(text.find("\ninverse_offer_framework_tasks_launched_total 2.0\n") != std::string::npos);
  // The snapshot keeps the seed's names.
  CHECK(framework.metric("tasks_launched") == 2);
}
