// The TaskInfo a LAUNCH carries for a real service: what its agent will run, with which ports.
#include "iof/framework/core/task_info.hpp"

#include <doctest/doctest.h>

#include "iof/framework/task_file.hpp"

using namespace iof::framework;
namespace v1 = mesos::v1;

namespace {

v1::Offer offer_with_ports(std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges) {
  v1::Offer offer;
  auto* ports = offer.add_resources();
  ports->set_name("ports");
  ports->set_type(v1::Value::RANGES);
  for (const auto& [begin, end] : ranges) {
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(begin);
    range->set_end(end);
  }
  return offer;
}

std::string env_of(const v1::TaskInfo& task, const std::string& name) {
  for (const auto& variable : task.command().environment().variables()) {
    if (variable.name() == name) {
      return variable.value();
    }
  }
  return "<unset>";
}

}  // namespace

TEST_CASE("task info: ports come from the offer's ranges, lowest first") {
  CHECK(take_ports(offer_with_ports({{31005, 31006}, {31000, 31000}}), 3) ==
        std::vector<std::uint32_t>{31000, 31005, 31006});
  CHECK(take_ports(offer_with_ports({{31000, 31001}}), 0) == std::vector<std::uint32_t>{});
  CHECK_FALSE(take_ports(offer_with_ports({{31000, 31001}}), 3));
  CHECK_FALSE(take_ports(v1::Offer{}, 1));
}

TEST_CASE("task info: a real service as its agent will run it") {
  const auto spec = parse_task_spec(R"({
    "argv": ["python3", "-m", "http.server"], "env": {"MODE": "demo"},
    "uris": [{"value": "https://example.com/site.tar.gz"}],
    "container": {"docker_image": "python:3"}, "cpus": 0.5, "mem": 64, "disk": 10,
    "ports": ["web", "admin"], "labels": {"team": "storage"}, "user": "nobody",
    "health_check": {"type": "http", "port_name": "admin", "path": "/ready"},
    "kill_grace_period_seconds": 2.5
  })");
  REQUIRE(spec.has_value());
  const auto task =
      task_info(*spec, LaunchPlace{"7", "Sleeper Agent 7", {}, "web-role", {31000, 31001}});
  CHECK(task.task_id().value() == "7");
  CHECK_FALSE(task.command().shell());
  CHECK(task.command().value() == "python3");
  CHECK(task.command().arguments_size() == 3);  // argv[0] included, as Mesos execs it
  CHECK(task.command().user() == "nobody");
  CHECK(env_of(task, "MODE") == "demo");
  CHECK(env_of(task, "PORT0") == "31000");
  CHECK(env_of(task, "PORT1") == "31001");
  CHECK(env_of(task, "PORT_WEB") == "31000");
  CHECK(env_of(task, "PORT_ADMIN") == "31001");
  CHECK(task.command().uris(0).extract());
  REQUIRE(task.resources_size() == 4);  // cpus, mem, disk, ports
  CHECK(task.resources(3).name() == "ports");
  CHECK(task.resources(3).ranges().range_size() == 2);
  for (const auto& resource : task.resources()) {
    CHECK(resource.allocation_info().role() == "web-role");
  }
  CHECK(task.container().type() == v1::ContainerInfo::MESOS);
  CHECK(task.container().mesos().image().docker().name() == "python:3");
  CHECK(task.discovery().ports().ports(1).name() == "admin");
  CHECK(task.discovery().ports().ports(1).number() == 31001);
  CHECK(task.labels().labels(0).key() == "team");
  CHECK(task.health_check().type() == v1::HealthCheck::HTTP);
  CHECK(task.health_check().http().port() == 31001);  // the admin port
  CHECK(task.health_check().http().path() == "/ready");
  CHECK(task.kill_policy().grace_period().nanoseconds() == 2'500'000'000);
}

TEST_CASE("task info: the seed's task is unchanged by the spec") {
  const TaskSpec seed;
  const auto task = task_info(seed, LaunchPlace{"0", "Sleeper Agent 0", {}, "*", {}});
  CHECK(task.command().shell());
  CHECK(task.command().value() == "while [ true ]; do echo ZZZzzz...; sleep 5; done");
  CHECK(task.resources_size() == 2);
  CHECK_FALSE(task.has_container());
  CHECK_FALSE(task.has_discovery());
  CHECK_FALSE(task.has_health_check());
  CHECK_FALSE(task.has_kill_policy());
  CHECK(task.command().environment().variables_size() == 0);
}
