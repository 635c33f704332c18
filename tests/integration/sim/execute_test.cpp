// mesos-sim --execute: the agents really run command tasks on this machine. Each test starts the
// binary, launches a task whose command shows what it saw (files in its sandbox), and checks the
// updates a real agent's command executor would send, and that no process outlives the master.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>

#include "execute_fixture.hpp"

using namespace iof::test::execute;  // NOLINT(google-build-using-namespace): the tests' fixture

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

TEST_CASE("execute: CommandInfo.user runs the task as that user, in a sandbox it owns") {
  Cluster cluster;
  cluster.user = "nobody";
  cluster.launch("as-nobody", "id -un; touch written-by-the-task");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  if (::geteuid() != 0) {
    // Only root can switch users: the task fails, as on an agent that cannot.
    const auto failed = cluster.next();
    CHECK(failed.state() == v1::TASK_FAILED);
    CHECK(failed.message().starts_with("Failed to switch to user 'nobody'"));
    return;
  }
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  CHECK(cluster.next().state() == v1::TASK_FINISHED);
  const fs::path sandbox = cluster.sandbox("as-nobody");
  CHECK(read(sandbox / "stdout") == "nobody\n");
  CHECK(fs::exists(sandbox / "written-by-the-task"));
}

TEST_CASE("execute: a CommandInfo.user that does not exist is TASK_FAILED") {
  Cluster cluster;
  cluster.user = "no-such-user-for-mesos-sim";
  cluster.launch("as-nobody-known", "true");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  const auto failed = cluster.next();
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message() ==
        "Failed to get user information for 'no-such-user-for-mesos-sim': no such user");
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

TEST_CASE("execute: after mesos-sim restarts on its --work_dir, a task that ran is TASK_FAILED") {
  Cluster cluster;
  cluster.launch("gone-with-the-master", "sleep 1000");
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  REQUIRE(cluster.sim.stop() == 0);  // which ends the task's process
  iof::test::SimProcess again({"--execute", "--agents=1", "--allocation_interval=50ms",
                               "--work_dir=" + cluster.work.path.string()});
  auto info = iof::test::SimFramework::info();
  info.mutable_id()->set_value(cluster.framework.id());
  iof::test::SimFramework back(again.port(), info);
  // Not RUNNING for ever with no process behind it: failed, as a command executor that ended
  // with its agent.
  const auto failed = back.next_update(10s);
  CHECK(failed.task_id().value() == "gone-with-the-master");
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message().starts_with("Abnormal executor termination: mesos-sim restarted"));
}
