// Health checks against the running mesos-sim, simulated (no --execute): a task becomes healthy
// at its first check, POST /sim/tasks/health breaks its service, and the agent kills it after
// its consecutive failures, with the updates a real command executor sends.
#include <doctest/doctest.h>

#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::request;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;
using v1::scheduler::Call;

namespace {

Call launch_checked(const v1::Offer& offer, const std::string& task_id, double grace = 0) {
  Call call;
  call.set_type(Call::ACCEPT);
  *call.mutable_accept()->add_offer_ids() = offer.id();
  auto* operation = call.mutable_accept()->add_operations();
  operation->set_type(v1::Offer::Operation::LAUNCH);
  auto* task = operation->mutable_launch()->add_task_infos();
  task->set_name(task_id);
  task->mutable_task_id()->set_value(task_id);
  *task->mutable_agent_id() = offer.agent_id();
  task->mutable_command()->set_value("sleep 1000");
  for (const char* name : {"cpus", "mem"}) {
    auto* r = task->add_resources();
    r->set_name(name);
    r->set_type(v1::Value::SCALAR);
    r->mutable_scalar()->set_value(name == std::string("cpus") ? 0.1 : 16);
  }
  auto* check = task->mutable_health_check();
  check->set_type(v1::HealthCheck::HTTP);
  check->mutable_http()->set_port(31000);
  check->mutable_http()->set_path("/ready");
  check->set_delay_seconds(0.2);
  check->set_interval_seconds(0.2);
  check->set_grace_period_seconds(grace);
  check->set_consecutive_failures(2);
  call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
  return call;
}

}  // namespace

TEST_CASE("health: a simulated task turns healthy, then unhealthy on request, and is killed") {
  SimProcess sim({"--agents=1", "--allocation_interval=50ms", "--task_launch_latency=10ms"});
  SimFramework framework(sim.port(), SimFramework::info());
  const auto offers = framework.offers_for({"agent1"});
  REQUIRE(!offers.empty());
  REQUIRE(framework.send(launch_checked(offers.front(), "web")) == 202);
  const auto next = [&] {
    auto status = framework.next_update();
    REQUIRE(framework.acknowledge(status) == 202);
    return status;
  };
  CHECK(next().state() == v1::TASK_STARTING);
  const auto running = next();
  CHECK(running.state() == v1::TASK_RUNNING);
  CHECK(!running.has_healthy());
  const auto healthy = next();
  CHECK(healthy.state() == v1::TASK_RUNNING);
  CHECK(healthy.healthy());
  CHECK(healthy.reason() == v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  CHECK(healthy.source() == v1::TaskStatus::SOURCE_EXECUTOR);

  const std::string path = "/sim/tasks/health";
  CHECK(request(sim.port(), {"POST", path, {}, "{\"healthy\":false}"}).status == 400);
  CHECK(request(sim.port(), {"POST", path, {}, "[]"}).status == 400);
  const auto unknown = request(
      sim.port(), {"POST", path, {}, R"({"framework_id":"nope","task_id":"web","healthy":false})"});
  CHECK(unknown.status == 404);
  CHECK(unknown.body == "No running task 'web' of framework 'nope'");
  const auto broken = request(sim.port(), {"POST",
                                           path,
                                           {},
                                           R"({"framework_id":")" + framework.id() +
                                               R"(","task_id":"web","healthy":false})"});
  CHECK(broken.status == 200);
  CHECK(broken.body == "{\"tasks\":1}");

  for (int failure = 1; failure <= 2; ++failure) {
    CAPTURE(failure);
    const auto unhealthy = next();
    CHECK(unhealthy.state() == v1::TASK_RUNNING);
    REQUIRE(unhealthy.has_healthy());
    CHECK(!unhealthy.healthy());
  }
  CHECK(next().state() == v1::TASK_KILLING);
  const auto killed = next();
  CHECK(killed.state() == v1::TASK_KILLED);
  REQUIRE(killed.has_healthy());
  CHECK(!killed.healthy());
  const auto state = request(sim.port(), {"GET", "/master/state", {}, ""});
  CHECK(state.body.find("\"healthy\":false") != std::string::npos);
}

TEST_CASE("health: --task_ready_delay holds the first healthy update back, and is in --help") {
  SimProcess sim({"--agents=1", "--allocation_interval=50ms", "--task_launch_latency=10ms",
                  "--task_ready_delay=700ms"});
  SimFramework framework(sim.port(), SimFramework::info());
  const auto offers = framework.offers_for({"agent1"});
  REQUIRE(!offers.empty());
  REQUIRE(framework.send(launch_checked(offers.front(), "slow", 1.0)) == 202);
  const auto next = [&] {
    auto status = framework.next_update();
    REQUIRE(framework.acknowledge(status) == 202);
    return status;
  };
  CHECK(next().state() == v1::TASK_STARTING);
  const auto running = next();
  // The checks at 0.2, 0.4 and 0.6 s fail within the grace period, unreported; 0.8 s passes.
  const auto healthy = next();
  REQUIRE(healthy.has_healthy());
  CHECK(healthy.healthy());
  CHECK(healthy.timestamp() - running.timestamp() >= 0.7);
  CHECK(healthy.timestamp() - running.timestamp() < 2.0);

  const auto help = iof::test::run_sim({"--help"});
  CHECK(help.output.find("--task_ready_delay") != std::string::npos);
}
