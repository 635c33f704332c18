// Launching tasks in the cluster model: LAUNCH on an offer, and its validation (invalid offers,
// an offer used twice, invalid tasks).
#include <string>

#include <doctest/doctest.h>

#include "task_fixture.hpp"

namespace iof::sim::test {
namespace {

using Capability = v1::FrameworkInfo::Capability;

TEST_CASE("LAUNCH on an offer sends TASK_STARTING from the executor with a 16-byte uuid") {
  Harness h(one_agent());
  const auto o = offered(h);
  const auto status = start(h, o, "t1");
  CHECK(status.task_id().value() == "t1");
  CHECK(status.source() == v1::TaskStatus::SOURCE_EXECUTOR);
  CHECK(status.uuid().size() == 16);
  CHECK(status.agent_id().value() == o.offer.agent_id().value());
  CHECK(status.executor_id().value() == "t1");
  CHECK(status.timestamp() == doctest::Approx(static_cast<double>(h.now().count()) / 1e9));
}

TEST_CASE("an offer is named only by its id as the master wrote it") {
  // The model keys offers by the number in "<master id>-O<number>"; any other spelling of that
  // number must name no offer, as a string comparison would not match it.
  for (const std::string& spelling : {std::string("0"), std::string("+"), std::string(" ")}) {
    Harness h(one_agent());
    const auto o = offered(h, framework_info());
    const std::string id = o.offer.id().value();
    const auto at = id.rfind("-O") + 2;
    const std::string mangled = id.substr(0, at) + spelling + id.substr(at);
    v1::Offer other = o.offer;
    other.mutable_id()->set_value(mangled);
    h.handle(decline(o.framework.id, {other}, 600));
    CHECK(h.cluster().metrics(h.now()).at("master/outstanding_offers") == 1);
    h.handle(launch(o.framework.id, {mangled}, {command_task("t1", o.offer.agent_id().value())}));
    const auto status = single_update(h, o.framework);
    CHECK(status.message().starts_with("Task launched with invalid offers: Offer " + mangled +
                                       " is no longer valid"));
    // The offer itself is still outstanding, and still takes the task.
    h.handle(launch(o.framework.id, {id}, {command_task("t2", o.offer.agent_id().value())}));
    CHECK(single_update(h, o.framework).state() == v1::TASK_STARTING);
  }
  for (const std::string& id :
       {std::string("other-O0"), std::string("master-O"),
        std::string("master-O18446744073709551616"), std::string("master")}) {
    Harness h(one_agent());
    const auto o = offered(h, framework_info());
    h.handle(launch(o.framework.id, {id}, {command_task("t1", o.offer.agent_id().value())}));
    CHECK(single_update(h, o.framework).message().find(id + " is no longer valid") !=
          std::string::npos);
  }
}

TEST_CASE("a LAUNCH on an invalid offer answers TASK_LOST or TASK_DROPPED from the master") {
  const auto check_invalid = [](const v1::FrameworkInfo& info, v1::TaskState expected) {
    Harness h(one_agent());
    const auto o = offered(h, info);
    h.handle(
        launch(o.framework.id, {"master-O99"}, {command_task("t1", o.offer.agent_id().value())}));
    const auto status = single_update(h, o.framework);
    CHECK(status.state() == expected);
    CHECK(status.task_id().value() == "t1");
    CHECK(status.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK(status.message().starts_with(
        "Task launched with invalid offers: Offer master-O99 is no longer valid"));
    CHECK_FALSE(status.has_uuid());
    CHECK(h.cluster().framework_state(o.framework.id) == FrameworkState::connected);
  };
  SUBCASE("TASK_LOST for an ordinary framework") {
    check_invalid(framework_info(), v1::TASK_LOST);
  }
  SUBCASE("TASK_DROPPED for a PARTITION_AWARE one") {
    check_invalid(framework_info(0, {Capability::PARTITION_AWARE}), v1::TASK_DROPPED);
  }
}

TEST_CASE("an offer can be used only once") {
  Harness h(one_agent());
  const auto o = offered(h);
  start(h, o, "t1");
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {command_task("t2", o.offer.agent_id().value())}));
  const auto status = single_update(h, o.framework);
  CHECK(status.task_id().value() == "t2");
  CHECK(status.state() == v1::TASK_LOST);
  CHECK(status.reason() == v1::TaskStatus::REASON_INVALID_OFFERS);
}

TEST_CASE("invalid tasks get TASK_ERROR with REASON_TASK_INVALID") {
  Harness h(one_agent());
  const auto o = offered(h);
  const std::string agent = o.offer.agent_id().value();
  // What the next offer holds: all of the agent but what a launched task uses.
  double expected_cpus = 2;

  const auto check_error = [&](const v1::TaskStatus& status, const std::string& task_id) {
    CHECK(status.task_id().value() == task_id);
    CHECK(status.state() == v1::TASK_ERROR);
    CHECK(status.reason() == v1::TaskStatus::REASON_TASK_INVALID);
    CHECK(status.source() == v1::TaskStatus::SOURCE_MASTER);
    CHECK_FALSE(status.has_uuid());
  };

  SUBCASE("a task without resources") {
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {command_task("t1", agent, "")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "t1");
    CHECK(status.message() == "Task uses no resources");
  }

  SUBCASE("a duplicate task id") {
    h.handle(launch(o.framework.id, {o.offer.id().value()},
                    {command_task("x", agent, "cpus:0.5;mem:64"),
                     command_task("x", agent, "cpus:0.5;mem:64")}));
    const auto updates = updates_in(h.take(o.framework.connection));
    REQUIRE(updates.size() == 2);
    CHECK(updates[0].state() == v1::TASK_STARTING);
    check_error(updates[1], "x");
    CHECK(updates[1].message() == "Task has duplicate ID: x");
    expected_cpus = 1.5;
  }

  SUBCASE("more resources than offered") {
    h.handle(launch(o.framework.id, {o.offer.id().value()},
                    {command_task("big", agent, "cpus:3;mem:128")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "big");
    CHECK(status.message().find("is more than available") != std::string::npos);
  }

  SUBCASE("only malformed resources") {
    v1::TaskInfo task = command_task("bad", agent, "");
    auto* resource = task.add_resources();
    resource->set_name("cpus");
    resource->set_type(v1::Value::SCALAR);
    resource->mutable_scalar()->set_value(-1);
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {task}));
    const auto status = single_update(h, o.framework);
    check_error(status, "bad");
    CHECK(status.message().starts_with("Task uses invalid resources"));
  }

  SUBCASE("the wrong agent id") {
    h.handle(launch(o.framework.id, {o.offer.id().value()}, {command_task("t1", "master-S7")}));
    const auto status = single_update(h, o.framework);
    check_error(status, "t1");
    CHECK(status.message().starts_with("Task uses invalid agent master-S7"));
  }

  // Nothing of the refused task stays allocated: the whole agent is offered again.
  h.handle(make_call(o.framework.id, Call::REVIVE));
  h.settle();
  const auto offers = offers_in(h.take(o.framework.connection));
  REQUIRE(offers.size() == 1);
  CHECK(scalar(offers[0], "cpus") == doctest::Approx(expected_cpus));
}

}  // namespace
}  // namespace iof::sim::test
