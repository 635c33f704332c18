// Config::execute in the pure model: executed tasks get no simulated latencies; the model asks
// for launches and kills (with the command executor's grace periods) and reports what the
// shell says became of the processes.
#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

Config executing() {
  Config config = one_agent();
  config.execute = true;
  return config;
}

// t1 launched and acknowledged up to TASK_RUNNING, reported by the shell.
void run_executed(Harness& h, const Offered& o) {
  h.handle(acknowledge(o.framework.id, start(h, o, "t1")));
  h.cluster().task_started(o.framework.id, "t1", h.now());
  const auto running = single_update(h, o.framework);
  REQUIRE(running.state() == v1::TASK_RUNNING);
  h.handle(acknowledge(o.framework.id, running));
}

TEST_CASE("execute: a launch is requested, and TASK_RUNNING waits for the shell") {
  Harness h(executing());
  const auto o = offered(h);
  h.handle(acknowledge(o.framework.id, start(h, o, "t1")));
  const auto requests = h.cluster().take_execution_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].kind == ExecutionRequest::Kind::launch);
  CHECK(requests[0].framework_id == o.framework.id);
  CHECK(requests[0].agent_id == o.offer.agent_id().value());
  CHECK(requests[0].task.task_id().value() == "t1");
  CHECK(requests[0].task.command().value() == "sleep 1000");
  CHECK(!requests[0].container_id.empty());
  h.run_for(seconds(10));  // no simulated launch latency
  CHECK(updates_in(h.take(o.framework.connection)).empty());
  h.cluster().task_started(o.framework.id, "t1", h.now());
  CHECK(single_update(h, o.framework).state() == v1::TASK_RUNNING);
}

TEST_CASE("execute: an exit is reported with the shell's state and message, once") {
  Harness h(executing());
  const auto o = offered(h);
  run_executed(h, o);
  h.cluster().task_exited(o.framework.id, "t1", v1::TASK_FAILED, "Command exited with status 3",
                          h.now());
  const auto failed = single_update(h, o.framework);
  CHECK(failed.state() == v1::TASK_FAILED);
  CHECK(failed.message() == "Command exited with status 3");
  h.handle(acknowledge(o.framework.id, failed));
  h.cluster().task_exited(o.framework.id, "t1", v1::TASK_FINISHED, "again", h.now());
  CHECK(updates_in(h.take(o.framework.connection)).empty());
}

TEST_CASE("execute: KILL asks for a kill with the KILL's, the task's or the default grace") {
  Harness h(executing());
  const auto o = offered(h, framework_info(0, {Capability::TASK_KILLING_STATE}));
  run_executed(h, o);
  (void)h.cluster().take_execution_requests();

  Call call = kill(o.framework.id, "t1");
  call.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(250000000);
  h.handle(call);
  const auto killing = single_update(h, o.framework);
  CHECK(killing.state() == v1::TASK_KILLING);
  h.handle(acknowledge(o.framework.id, killing));
  auto requests = h.cluster().take_execution_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].kind == ExecutionRequest::Kind::kill);
  CHECK(requests[0].grace_period == milliseconds(250));
  h.run_for(seconds(10));  // no simulated kill latency
  CHECK(updates_in(h.take(o.framework.connection)).empty());

  Harness plain(executing());
  const auto p = offered(plain);
  run_executed(plain, p);
  (void)plain.cluster().take_execution_requests();
  plain.handle(kill(p.framework.id, "t1"));
  requests = plain.cluster().take_execution_requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].grace_period == seconds(3));
}

TEST_CASE("without execute nothing is requested") {
  Harness h(one_agent());
  const auto o = offered(h);
  run_task(h, o);
  h.handle(kill(o.framework.id, "t1"));
  CHECK(h.cluster().take_execution_requests().empty());
}

}  // namespace
}  // namespace iof::sim::test
