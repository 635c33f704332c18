// The inverse-offer-framework binary end to end against the mesos-sim binary over loopback: it
// keeps N tasks on distinct agents, moves one off a machine scheduled for maintenance, exits 1 on
// ERROR, tears down on SIGTERM, and runs with no cluster at all (--master=local).
#include <chrono>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "framework_fixture.hpp"

using namespace iof::test::framework;

TEST_CASE("N tasks on distinct agents, the seed's metrics, TEARDOWN on SIGTERM if asked") {
  for (const std::string content_type : {"protobuf", "json"}) {
    CAPTURE(content_type);
    SimProcess sim({"--agents=4", "--allocation_interval=100ms"});
    Framework framework({master_flag(sim), "--num_tasks=3", "--content_type=" + content_type,
                         "--teardown_on_exit"});
    REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 3; }));
    std::set<std::string> agents;
    for (const auto& task : running_tasks(sim.port())) {
      agents.insert(task.agent_id);
    }
    CHECK(agents.size() == 3);
    CHECK(framework.metric("current_sleepers") == 3);
    CHECK(framework.metric("subscribed") == 1);
    CHECK(framework.metric("offers_received") >= 3);
    const auto text = framework.prometheus();
    CHECK(text.find("# TYPE inverse_offer_framework_current_sleepers gauge\n"
                    "inverse_offer_framework_current_sleepers 3.0\n") != std::string::npos);

    CHECK(framework.process().stop() == 0);
    const auto state = master_state(sim.port());
    CHECK(state.at("frameworks").as_array().empty());
    CHECK(state.at("completed_frameworks").as_array().size() == 1);
  }
}

TEST_CASE("a task leaves an agent scheduled for maintenance before its window") {
  SimProcess sim({"--agents=3", "--allocation_interval=100ms"});
  Framework framework({master_flag(sim), "--num_tasks=1"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 1; }));
  const auto before = running_tasks(sim.port()).front();
  schedule_maintenance(sim.port(), before.agent_id);

  REQUIRE(eventually([&] {
    const auto tasks = running_tasks(sim.port());
    return tasks.size() == 1 && tasks.front().agent_id != before.agent_id;
  }));
  CHECK(framework.metric("sleepers_killed") == 1);
  CHECK(framework.metric("sleepers_lost_abnormally") == 0);
  CHECK(framework.metric("inverse_offers_received") >= 1);
  CHECK(framework.metric("current_sleepers") == 1);
}

TEST_CASE("an ERROR from the master exits 1 with its message") {
  SimProcess sim({"--roles=ops"});
  ChildProcess framework(IOF_FRAMEWORK_BINARY,
                         {master_flag(sim), "--role=web", "--http_address=127.0.0.1:0"});
  CHECK(framework.wait(10s) == 1);
  CHECK(framework.stderr_text().find(
            "Error: Roles { web } are not present in the master's --roles") != std::string::npos);
}

TEST_CASE("--master=local runs with no cluster, and its master takes maintenance") {
  Framework framework({"--num_tasks=2", "--local_agents=4"});
  REQUIRE(framework.local_master_port() != 0);
  const auto master = framework.local_master_port();
  REQUIRE(eventually([&] { return running_tasks(master).size() == 2; }));
  CHECK(master_state(master).at("slaves").as_array().size() == 4);
  const auto moving = running_tasks(master).front();
  schedule_maintenance(master, moving.agent_id);
  CHECK(eventually(
      [&] {
        for (const auto& task : running_tasks(master)) {
          if (task.agent_id == moving.agent_id) {
            return false;
          }
        }
        return running_tasks(master).size() == 2;
      },
      5s));
  CHECK(framework.metric("sleepers_killed") == 1);
  CHECK(framework.process().stop() == 0);
}

TEST_CASE("authentication: the right credentials subscribe, wrong ones exit 1 clearly") {
  char path[] = "/tmp/iof-credentials-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string credentials = "fw s3cret\n";
  REQUIRE(::write(fd, credentials.data(), credentials.size()) ==
          static_cast<ssize_t>(credentials.size()));
  ::close(fd);
  SimProcess sim({"--authenticate_http_frameworks", std::string("--credentials=") + path});
  {
    Framework framework({master_flag(sim), "--authenticate", "--principal=fw", "--secret=s3cret"});
    CHECK(eventually([&] { return framework.metric("current_sleepers") == 1; }));
    const auto state = master_state(sim.port());
    REQUIRE(state.at("frameworks").as_array().size() == 1);
    CHECK(state.at("frameworks").as_array()[0].at("principal").as_string() == "fw");
  }
  ChildProcess wrong(IOF_FRAMEWORK_BINARY, {master_flag(sim), "--authenticate", "--principal=fw",
                                            "--secret=nope", "--http_address=127.0.0.1:0"});
  CHECK(wrong.wait(10s) == 1);
  CHECK(wrong.stderr_text().find("The master refused the credentials of principal 'fw'") !=
        std::string::npos);
  ::unlink(path);
}

TEST_CASE("an unreachable master is retried every second, not a crash") {
  // A port that was free a moment ago.
  unsigned short port = 0;
  {
    SimProcess gone({});
    port = gone.port();
  }
  Framework framework({"--master=127.0.0.1:" + std::to_string(port)});
  std::this_thread::sleep_for(2500ms);
  CHECK(framework.metric("subscribed") == 0);
  CHECK(framework.process().stop() == 0);
  const auto log = framework.process().stderr_text();
  CHECK(log.find("Failed to connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  // The card's one second first, then a longer, jittered wait.
  CHECK(log.find("Subscribing again in 1000 ms") != std::string::npos);
  CHECK(std::regex_search(log, std::regex("Subscribing again in (1[6-9]|2[0-4])[0-9]{2} ms")));
}

TEST_CASE("failed tasks are replaced, and churn never puts two tasks on one agent") {
  SimProcess sim({"--agents=4", "--allocation_interval=100ms"});
  Framework framework({master_flag(sim), "--num_tasks=3"});
  REQUIRE(eventually([&] { return running_tasks(sim.port()).size() == 3; }));
  std::string framework_id;
  {
    const auto state = master_state(sim.port());
    framework_id = std::string(state.at("frameworks").as_array()[0].at("id").as_string());
  }
  // Every task the master knows that is not finished, on distinct agents, never more than N.
  const auto invariants_hold = [&] {
    const auto state = master_state(sim.port());
    std::set<std::string> agents;
    std::size_t live = 0;
    for (const auto& task : state.at("frameworks").as_array()[0].at("tasks").as_array()) {
      const auto& t = task.as_object();
      const std::string task_state(t.at("state").as_string());
      if (task_state == "TASK_STARTING" || task_state == "TASK_RUNNING" ||
          task_state == "TASK_STAGING" || task_state == "TASK_KILLING") {
        ++live;
        agents.insert(std::string(t.at("slave_id").as_string()));
      }
    }
    return live == agents.size() && live <= 3;
  };
  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    const auto victim = running_tasks(sim.port()).front();
    const auto failed = request(sim.port(), {"POST",
                                             "/sim/fail_task",
                                             {},
                                             R"({"framework_id":")" + framework_id +
                                                 R"(","task_id":")" + victim.id + R"("})"});
    REQUIRE(failed.status == 200);
    bool always = true;
    REQUIRE(eventually([&] {
      always = always && invariants_hold();
      const auto tasks = running_tasks(sim.port());
      for (const auto& task : tasks) {
        if (task.id == victim.id) {
          return false;
        }
      }
      return tasks.size() == 3;
    }));
    CHECK(always);
  }
  CHECK(framework.metric("sleepers_lost_abnormally") == 5);
  CHECK(framework.metric("current_sleepers") == 3);
  // Offers stop while all three run and come back for each replacement.
  CHECK(eventually([&] { return framework.metric("offers_suppressed") == 1; }));
  CHECK(master_metric(sim.port(), "master/messages_suppress_offers") >= 6);
  CHECK(master_metric(sim.port(), "master/messages_revive_offers") >= 5);
  CHECK(request(sim.port(), {"POST", "/sim/fail_task", {}, R"({"framework_id":"x","task_id":"y"})"})
            .status == 404);
}

TEST_CASE("flag errors from the binary itself: exit 1, one line, a pointer to --help") {
  for (const std::string flag : {"--num_tasks=0", "--master=nowhere", "--bogus"}) {
    CAPTURE(flag);
    ChildProcess framework(IOF_FRAMEWORK_BINARY, {flag});
    CHECK(framework.wait(10s) == 1);
    const auto text = framework.stderr_text();
    CHECK(text.starts_with("inverse-offer-framework: "));
    CHECK(text.find("Run 'inverse-offer-framework --help' for usage.") != std::string::npos);
  }
}

// IOF_EXTERNAL_MASTER=127.0.0.1:PORT runs the scenarios that need no emulator control against
// that master (for example a real mesos-master with agents); without it this case says so and
// does nothing.
TEST_CASE("against an external master named by IOF_EXTERNAL_MASTER") {
  const char* external = std::getenv("IOF_EXTERNAL_MASTER");
  if (external == nullptr) {
    MESSAGE("IOF_EXTERNAL_MASTER is not set: nothing to run against");
    return;
  }
  const std::string address = external;
  REQUIRE(address.starts_with("127.0.0.1:"));
  const auto port = static_cast<unsigned short>(std::stoul(address.substr(10)));
  Framework framework({"--master=" + address, "--num_tasks=2"});
  REQUIRE(eventually([&] { return framework.metric("current_sleepers") == 2; }, 60s));
  CHECK(eventually([&] { return running_tasks(port).size() >= 2; }, 60s));
  CHECK(framework.process().stop() == 0);
}
