// mesos-sim --execute: the agents really run command tasks on this machine. Each test starts the
// binary, launches a task whose command shows what it saw (files in its sandbox), and checks the
// updates a real agent's command executor would send, and that no process outlives the master.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace fs = std::filesystem;
namespace v1 = mesos::v1;
using v1::scheduler::Call;

namespace {

// A fresh --work_dir per test, removed at the end.
struct WorkDir {
  fs::path path;
  WorkDir() {
    std::string pattern = (fs::temp_directory_path() / "mesos-sim-exec-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~WorkDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

struct Cluster {
  WorkDir work;
  SimProcess sim;
  SimFramework framework;
  std::string agent_id;
  v1::Offer offer;

  explicit Cluster(std::vector<std::string> flags = {})
      : sim([&] {
          flags.insert(flags.end(), {"--execute", "--agents=1", "--allocation_interval=50ms",
                                     "--work_dir=" + work.path.string()});
          return flags;
        }()),
        framework(sim.port(), SimFramework::info()) {
    const auto offers = framework.offers_for({"agent1"});
    REQUIRE(!offers.empty());
    offer = offers.front();
    agent_id = offer.agent_id().value();
  }

  // Launches `command` (through /bin/sh -c unless argv is given) with ports 31000-31001.
  void launch(const std::string& task_id, const std::string& command,
              const std::vector<std::string>& argv = {}) {
    Call call;
    call.set_type(Call::ACCEPT);
    *call.mutable_accept()->add_offer_ids() = offer.id();
    auto* operation = call.mutable_accept()->add_operations();
    operation->set_type(v1::Offer::Operation::LAUNCH);
    auto* task = operation->mutable_launch()->add_task_infos();
    task->set_name(task_id);
    task->mutable_task_id()->set_value(task_id);
    *task->mutable_agent_id() = offer.agent_id();
    task->mutable_command()->set_value(command);
    if (!argv.empty()) {
      task->mutable_command()->set_shell(false);
      for (const auto& argument : argv) {
        task->mutable_command()->add_arguments(argument);
      }
    }
    auto* variable = task->mutable_command()->mutable_environment()->add_variables();
    variable->set_name("GREETING");
    variable->set_value("hello from the task");
    for (const char* name : {"cpus", "mem"}) {
      auto* r = task->add_resources();
      r->set_name(name);
      r->set_type(v1::Value::SCALAR);
      r->mutable_scalar()->set_value(name == std::string("cpus") ? 0.1 : 16);
    }
    auto* ports = task->add_resources();
    ports->set_name("ports");
    ports->set_type(v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(31000);
    range->set_end(31001);
    call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
    REQUIRE(framework.send(std::move(call)) == 202);
  }

  // The next update, acknowledged (the agent sends the next one only after that).
  v1::TaskStatus next(std::chrono::milliseconds timeout = 10s) {
    auto status = framework.next_update(timeout);
    REQUIRE(framework.acknowledge(status) == 202);
    return status;
  }

  void kill(const std::string& task_id, std::optional<std::chrono::milliseconds> grace = {}) {
    Call call;
    call.set_type(Call::KILL);
    call.mutable_kill()->mutable_task_id()->set_value(task_id);
    call.mutable_kill()->mutable_agent_id()->set_value(agent_id);
    if (grace) {
      call.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
          std::chrono::duration_cast<std::chrono::nanoseconds>(*grace).count());
    }
    REQUIRE(framework.send(std::move(call)) == 202);
  }

  // The task's one sandbox: <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<task>/runs/<c>.
  fs::path sandbox(const std::string& task_id) const {
    const fs::path runs = work.path / "slaves" / agent_id / "frameworks" / framework.id() /
                          "executors" / task_id / "runs";
    REQUIRE(fs::is_directory(runs));
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(runs)) {
      found.push_back(entry.path());
    }
    REQUIRE(found.size() == 1);
    return found.front();
  }
};

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Waits until `path` exists (a task writes it), up to `limit`.
bool appears(const fs::path& path, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The processes whose process group is `group`, from /proc.
std::vector<int> group_members(int group) {
  std::vector<int> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const std::string stat = read(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    int parent = 0;
    int pgrp = 0;
    fields >> state >> parent >> pgrp;
    if (pgrp == group && state != "Z") {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("execute: the task's output, sandbox and environment, and exit 0 is TASK_FINISHED") {
  Cluster cluster;
  cluster.launch("hello",
                 "echo \"$GREETING\"; echo \"$MESOS_SANDBOX\"; pwd; echo \"$MESOS_TASK_ID "
                 "$MESOS_FRAMEWORK_ID $MESOS_AGENT_ID $PORT0 $PORT1\"; echo oops >&2");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const auto finished = cluster.next();
  CHECK(finished.state() == v1::TASK_FINISHED);
  CHECK(finished.message() == "Command exited with status 0");
  const fs::path sandbox = cluster.sandbox("hello");
  CHECK(read(sandbox / "stdout") == "hello from the task\n" + sandbox.string() + "\n" +
                                        sandbox.string() + "\nhello " + cluster.framework.id() +
                                        " " + cluster.agent_id + " 31000 31001\n");
  CHECK(read(sandbox / "stderr") == "oops\n");
}

TEST_CASE("execute: a non-zero exit is TASK_FAILED with the command executor's message") {
  Cluster cluster;
  cluster.launch("three", "exit 3");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const auto failed = cluster.next();
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message() == "Command exited with status 3");
}

TEST_CASE("execute: shell=false runs the argv, and a program that cannot start is TASK_FAILED") {
  Cluster cluster;
  cluster.launch("argv", "printf", {"printf", "%s-%s", "a b", "c"});
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  CHECK(cluster.next().state() == v1::TASK_FINISHED);
  CHECK(read(cluster.sandbox("argv") / "stdout") == "a b-c");

  cluster.offer = cluster.framework.offers_for({"agent1"}).front();
  cluster.launch("missing", "/nonexistent/program", {"program"});
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  const auto failed = cluster.next();
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message() ==
        "Failed to launch the command '/nonexistent/program': No such file or directory");
}

TEST_CASE("execute: a sandbox that cannot be created is TASK_FAILED") {
  Cluster cluster;
  // A file where the agents' directory should be.
  std::ofstream(cluster.work.path / "slaves") << "in the way";
  cluster.launch("nowhere", "true");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  const auto failed = cluster.next();
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message().starts_with("Failed to create the sandbox '"));
}

TEST_CASE("execute: KILL sends SIGTERM to the task, which may end by itself") {
  Cluster cluster;
  cluster.launch("polite",
                 "trap 'echo term > got_term; exit 0' TERM; touch up; "
                 "while true; do sleep 0.05; done");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const fs::path sandbox = cluster.sandbox("polite");
  REQUIRE(appears(sandbox / "up"));  // the trap is set
  cluster.kill("polite");
  CHECK(cluster.next().state() == v1::TASK_KILLING);
  const auto killed = cluster.next();
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.message() == "Command exited with status 0");
  CHECK(read(sandbox / "got_term") == "term\n");
}

TEST_CASE("execute: a task that ignores SIGTERM is SIGKILLed after the grace period") {
  Cluster cluster;
  cluster.launch("stubborn", "trap '' TERM; touch up; sleep 1000");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  REQUIRE(appears(cluster.sandbox("stubborn") / "up"));
  const auto start = std::chrono::steady_clock::now();
  cluster.kill("stubborn", 500ms);
  CHECK(cluster.next().state() == v1::TASK_KILLING);
  const auto killed = cluster.next();
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.message() == "Command terminated with signal Killed");
  CHECK(took >= 450ms);
  CHECK(took < 5s);
}

TEST_CASE("execute: no task process outlives mesos-sim, stopped by SIGTERM or SIGINT") {
  for (const int stop_signal : {SIGTERM, SIGINT}) {
    CAPTURE(stop_signal);
    Cluster cluster;
    // A background child too: the whole process group must go, not only the shell.
    cluster.launch("sleeper", "echo $$ > pid; sleep 1000 & trap '' TERM; sleep 1000");
    CHECK(cluster.next().state() == v1::TASK_STARTING);
    CHECK(cluster.next().state() == v1::TASK_RUNNING);
    const fs::path pid_file = cluster.sandbox("sleeper") / "pid";
    REQUIRE(appears(pid_file));
    std::this_thread::sleep_for(100ms);  // both sleeps started
    const int group = std::stoi(read(pid_file));
    REQUIRE(group_members(group).size() >= 2);
    cluster.sim.stop(stop_signal);
    // SIGKILL is delivered asynchronously: a member may take a moment to go.
    const auto deadline = std::chrono::steady_clock::now() + 1s;
    while (!group_members(group).empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    CHECK(group_members(group).empty());
  }
}
