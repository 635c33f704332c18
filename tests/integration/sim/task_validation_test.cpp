// The master's task validation against the running mesos-sim: a container the master refuses
// is TASK_ERROR with upstream's text, and a required protobuf field left out (an image's docker
// name) is refused with 400 before any task validation, as the real master's HTTP API does.
#include <doctest/doctest.h>

#include "sim_client.hpp"
#include "sim_process.hpp"

using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;
using v1::scheduler::Call;

namespace {

Call launch_with(const v1::Offer& offer, const v1::ContainerInfo& container) {
  Call call;
  call.set_type(Call::ACCEPT);
  *call.mutable_accept()->add_offer_ids() = offer.id();
  auto* operation = call.mutable_accept()->add_operations();
  operation->set_type(v1::Offer::Operation::LAUNCH);
  auto* task = operation->mutable_launch()->add_task_infos();
  task->set_name("boxed");
  task->mutable_task_id()->set_value("boxed");
  *task->mutable_agent_id() = offer.agent_id();
  task->mutable_command()->set_value("sleep 1000");
  auto* cpus = task->add_resources();
  cpus->set_name("cpus");
  cpus->set_type(v1::Value::SCALAR);
  cpus->mutable_scalar()->set_value(0.1);
  *task->mutable_container() = container;
  call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
  return call;
}

}  // namespace

TEST_CASE("a container the master refuses is TASK_ERROR, a missing required field a 400") {
  SimProcess sim({"--agents=1", "--allocation_interval=50ms"});
  SimFramework framework(sim.port(), SimFramework::info());
  auto offers = framework.offers_for({"agent1"});
  REQUIRE(!offers.empty());

  v1::ContainerInfo docker_without_info;
  docker_without_info.set_type(v1::ContainerInfo::DOCKER);
  REQUIRE(framework.send(launch_with(offers.front(), docker_without_info)) == 202);
  const auto error = framework.next_update();
  CHECK(error.state() == v1::TASK_ERROR);
  CHECK(error.reason() == v1::TaskStatus::REASON_TASK_INVALID);
  CHECK(error.message() ==
        "Task's `ContainerInfo` is invalid: DockerInfo 'docker' is not set for DOCKER typed "
        "ContainerInfo");

  offers = framework.offers_for({"agent1"});
  REQUIRE(!offers.empty());
  v1::ContainerInfo image_without_name;
  image_without_name.set_type(v1::ContainerInfo::MESOS);
  image_without_name.mutable_mesos()->mutable_image()->set_type(v1::Image::DOCKER);
  image_without_name.mutable_mesos()->mutable_image()->mutable_docker();
  CHECK(framework.send(launch_with(offers.front(), image_without_name)) == 400);
}
