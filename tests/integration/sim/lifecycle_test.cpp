// The binary's own life: flags and their errors, /metrics/snapshot, and a restart with
// --work_dir that recovers the cluster as a failed-over master would.
#include <filesystem>
#include <unistd.h>

#include <doctest/doctest.h>

#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::request;
using iof::test::run_sim;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;

TEST_CASE("bad flags exit 1 with one line naming the problem") {
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  for (const auto& [flags, message] : std::vector<Case>{
           {{"--bogus"}, "mesos-sim: The following argument was not expected: --bogus"},
           {{"--allocation_interval=5"}, "Invalid duration '5'"},
           {{"--agent_resources=cpus:x;mem:-1"}, "Invalid value for --agent_resources"},
           {{"--leader=nowhere"}, "expected HOST:PORT or 'none'"},
           {{"--authenticate_http_frameworks"}, "No credentials provided"},
           {{"--credentials=/nonexistent/creds"}, "Invalid --credentials"},
           {{"--port=70000"}, "Invalid value '70000' for --port"},
           {{"--agent_ping_timeout=0secs"}, "--agent_ping_timeout must be positive"},
           {{"--max_agent_ping_timeouts=0"},
            "Invalid value '0' for --max_agent_ping_timeouts: expected a positive integer"},
           {{"--task_launch_jitter=1"}, "Invalid duration '1'"},
           {{"--task_kill_jitter=-1secs"}, "Failed to convert '' to number"},
           {{"--agent_attributes=agent1=rack"},
            "Invalid value for --agent_attributes: Invalid attribute key:value pair 'rack'"},
           {{"--agent_attributes=agents=rack:r1"}, "Invalid agent selector 'agents'"},
       }) {
    const auto run = run_sim(flags);
    CHECK_MESSAGE(run.status == 1, flags.front());
    CHECK_MESSAGE(run.output.find(message) != std::string::npos, run.output);
    CHECK_MESSAGE(run.output.find("--help") != std::string::npos, run.output);
  }
  const auto help = run_sim({"--help"});
  CHECK(help.status == 0);
  CHECK(help.output.find("--agent_resources") != std::string::npos);
  CHECK(help.output.find("MESOS_") != std::string::npos);
  CHECK(help.output.find("--task_launch_jitter") != std::string::npos);
  CHECK(help.output.find("--task_kill_jitter") != std::string::npos);
  CHECK(help.output.find("--agent_attributes") != std::string::npos);
  CHECK(help.output.find("agent[N-M]") != std::string::npos);
}

TEST_CASE("metrics count agents, frameworks and tasks") {
  SimProcess sim({"--agents=5", "--allocation_interval=50ms"});
  SimFramework framework(sim.port(), SimFramework::info());
  const auto offers = framework.offers_for({"agent1"});
  for (const auto& offer : offers) {
    if (offer.hostname() == "agent1") {
      REQUIRE(framework.launch(offer, "m") == 202);
    }
  }
  const auto starting = framework.next_update();
  REQUIRE(framework.acknowledge(starting) == 202);
  REQUIRE(framework.next_update().state() == v1::TASK_RUNNING);
  // /state is /master/state, as libprocess delegates it.
  const auto state = request(sim.port(), {"GET", "/state", {}, ""});
  CHECK(state.status == 200);
  CHECK(state.body.find(R"("activated_slaves":5.0)") != std::string::npos);
  const auto metrics = request(sim.port(), {"GET", "/metrics/snapshot", {}, ""});
  CHECK(metrics.header("Content-Type") == "application/json");
  for (const char* expected :
       {R"("master/slaves_active":5.0)", R"("master/frameworks_connected":1.0)",
        R"("master/tasks_running":1.0)", R"("master/cpus_total":10.0)", R"("master/cpus_used":0.2)",
        R"("master/elected":1.0)"}) {
    CHECK_MESSAGE(metrics.body.find(expected) != std::string::npos, expected);
  }
}

TEST_CASE("sim/scheduler_calls counts every request to the scheduler endpoint") {
  SimProcess sim({"--agents=1", "--allocation_interval=50ms"});
  const auto calls = [&] {
    const auto body = request(sim.port(), {"GET", "/metrics/snapshot", {}, ""}).body;
    const std::string key = R"("sim/scheduler_calls":)";
    const auto at = body.find(key);
    REQUIRE(at != std::string::npos);
    return std::stod(body.substr(at + key.size()));
  };
  CHECK(calls() == 0);
  SimFramework framework(sim.port(), SimFramework::info());
  CHECK(calls() == 1);  // the SUBSCRIBE
  const auto offers = framework.offers_for({"agent1"});
  REQUIRE(framework.decline(offers, 0) == 202);
  v1::scheduler::Call revive;
  revive.set_type(v1::scheduler::Call::REVIVE);
  REQUIRE(framework.send(revive) == 202);
  CHECK(calls() == 3);
  // Refused requests count too, on either path; other endpoints do not.
  CHECK(request(sim.port(), {"GET", "/master/api/v1/scheduler", {}, ""}).status == 405);
  CHECK(request(sim.port(), {"POST", "/api/v1/scheduler", {}, "{}"}).status == 400);
  CHECK(request(sim.port(), {"GET", "/master/state", {}, ""}).status == 200);
  CHECK(request(sim.port(), {"GET", "/master/maintenance/status", {}, ""}).status == 200);
  CHECK(calls() == 5);
}

TEST_CASE("a restart with the same --work_dir recovers frameworks, tasks and maintenance") {
  const auto work_dir =
      std::filesystem::temp_directory_path() / ("mesos-sim-work-" + std::to_string(::getpid()));
  std::filesystem::remove_all(work_dir);
  const std::vector<std::string> flags{"--work_dir=" + work_dir.string(),
                                       "--allocation_interval=50ms"};
  std::string framework_id;
  std::string master_id;
  std::string agent_id;
  {
    SimProcess sim(flags);
    master_id = sim.master_id();
    SimFramework framework(sim.port(), SimFramework::info(3600));
    framework_id = framework.id();
    const auto offers = framework.offers_for({"agent1"});
    for (const auto& offer : offers) {
      if (offer.hostname() == "agent1") {
        agent_id = offer.agent_id().value();
        REQUIRE(framework.launch(offer, "kept") == 202);
      }
    }
    REQUIRE(framework.acknowledge(framework.next_update()) == 202);
    REQUIRE(framework.next_update().state() == v1::TASK_RUNNING);
    REQUIRE(
        request(
            sim.port(),
            {"POST",
             "/master/maintenance/schedule",
             {},
             R"({"windows":[{"machine_ids":[{"hostname":"agent3","ip":"127.0.0.4"}],"unavailability":{"start":{"nanoseconds":1}}}]})"})
            .status == 200);
    CHECK(sim.stop() == 0);
  }
  SimProcess sim(flags);
  CHECK(sim.master_id() == master_id);
  const auto state = request(sim.port(), {"GET", "/master/state", {}, ""});
  CHECK(state.body.find(R"("id":")" + framework_id + R"(","name")") != std::string::npos);
  CHECK(state.body.find(R"("recovered":true)") != std::string::npos);
  CHECK(state.body.find(R"("id":"kept")") != std::string::npos);
  CHECK(request(sim.port(), {"GET", "/master/maintenance/status", {}, ""}).body ==
        R"({"draining_machines":[{"id":{"hostname":"agent3","ip":"127.0.0.4"}}]})");

  // The framework comes back with its id; its task is still there, running.
  v1::FrameworkInfo info = SimFramework::info(3600);
  info.mutable_id()->set_value(framework_id);
  SimFramework again(sim.port(), info);
  CHECK(again.id() == framework_id);
  v1::scheduler::Call reconcile;
  reconcile.set_type(v1::scheduler::Call::RECONCILE);
  auto* task = reconcile.mutable_reconcile()->add_tasks();
  task->mutable_task_id()->set_value("kept");
  task->mutable_agent_id()->set_value(agent_id);
  REQUIRE(again.send(reconcile) == 202);
  const auto status = again.next_update();
  CHECK(status.task_id().value() == "kept");
  CHECK(status.state() == v1::TASK_RUNNING);
  sim.stop();
  std::filesystem::remove_all(work_dir);
}
