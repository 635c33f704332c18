// The service's task spec in the core: an offer must hold the task's ports as well as its
// resources, the LAUNCH takes its ports from that offer and exports them, and every KILL says
// the task's grace period again.
#include <doctest/doctest.h>

#include "core_harness.hpp"
#include "event_builders.hpp"

namespace {

using namespace iof::test::core;
using iof::framework::HealthCheckSpec;

v1::Offer with_ports(v1::Offer offer, std::uint64_t begin, std::uint64_t end) {
  auto* ports = offer.add_resources();
  ports->set_name("ports");
  ports->set_type(v1::Value::RANGES);
  auto* range = ports->mutable_ranges()->add_range();
  range->set_begin(begin);
  range->set_end(end);
  return offer;
}

TaskSpec web_service() {
  TaskSpec spec;
  spec.argv = {"python3", "-m", "http.server"};
  spec.port_names = {"http", ""};
  spec.kill_grace_seconds = 30;
  HealthCheckSpec check;
  check.path = "/healthz";
  spec.health_check = check;
  return spec;
}

const v1::TaskInfo& launched_task(const Decision& decision) {
  return first(decision, Call::ACCEPT).accept().operations(0).launch().task_infos(0);
}

std::string variable(const v1::TaskInfo& task, const std::string& name) {
  for (const auto& entry : task.command().environment().variables()) {
    if (entry.name() == name) {
      return entry.value();
    }
  }
  return "";
}

// One task on a1, maintenance on a1 and a safe offer from a2: returns the decision that retires
// the old task once the replacement runs.
Decision move_off_a1(Harness& h) {
  h.start_on({"a1"});
  h.after(1s, inverse_offer("io-1", "a1", window(1h)));
  const auto replacement = launches(h.after(1s, offers({offer("o-2", "a2")})));
  REQUIRE(replacement.size() == 1);
  return h.after(2s, update(replacement[0].first, replacement[0].second, v1::TASK_RUNNING));
}

}  // namespace

TEST_CASE("an offer without the ports the task names is declined, and one with them is used") {
  Harness h(1, {}, web_service());
  const Decision no_ports = h.after(1s, offers({offer("o-1", "a1")}));
  CHECK(launches(no_ports).empty());
  CHECK(sends(no_ports, Call::DECLINE));

  const Decision one_port = h.after(1s, offers({with_ports(offer("o-2", "a2"), 31000, 31000)}));
  CHECK(launches(one_port).empty());  // two are named

  const Decision enough = h.after(1s, offers({with_ports(offer("o-3", "a3"), 31000, 31005)}));
  REQUIRE(launches(enough).size() == 1);
  const v1::TaskInfo& task = launched_task(enough);
  CHECK(variable(task, "PORT0") == "31000");
  CHECK(variable(task, "PORT1") == "31001");
  CHECK(variable(task, "PORT_HTTP") == "31000");
  CHECK(task.health_check().http().port() == 31000);
  CHECK(task.health_check().http().path() == "/healthz");
  CHECK(task.discovery().ports().ports_size() == 2);
  CHECK(task.discovery().ports().ports(0).name() == "http");
  CHECK(task.kill_policy().grace_period().nanoseconds() == 30'000'000'000);
  bool ports_taken = false;
  for (const auto& resource : task.resources()) {
    if (resource.name() == "ports") {
      ports_taken = resource.ranges().range_size() == 2 &&
                    resource.ranges().range(0).begin() == 31000 &&
                    resource.ranges().range(1).begin() == 31001;
    }
  }
  CHECK(ports_taken);
}

TEST_CASE("an offer without the disk the task asks for is declined") {
  TaskSpec spec = web_service();
  spec.port_names.clear();
  spec.disk = 100;
  Harness h(1, {}, spec);
  CHECK(launches(h.after(1s, offers({offer("o-1", "a1")}))).empty());  // no disk at all
  v1::Offer roomy = offer("o-2", "a2");
  auto* disk = roomy.add_resources();
  disk->set_name("disk");
  disk->set_type(v1::Value::SCALAR);
  disk->mutable_scalar()->set_value(1000);
  const Decision launched = h.after(1s, offers({roomy}));
  REQUIRE(launches(launched).size() == 1);
  bool disk_taken = false;
  for (const auto& resource : launched_task(launched).resources()) {
    disk_taken = disk_taken || (resource.name() == "disk" && resource.scalar().value() == 100);
  }
  CHECK(disk_taken);
}

TEST_CASE("every KILL of a task says its grace period, the first and the retries") {
  TaskSpec spec = web_service();
  spec.port_names.clear();
  spec.health_check.reset();
  Harness h(1, {}, spec);
  const Decision retired = move_off_a1(h);
  REQUIRE(kills(retired).size() == 1);
  const auto& kill = first(retired, Call::KILL).kill();
  CHECK(kill.kill_policy().grace_period().nanoseconds() == 30'000'000'000);
  // No terminal update: the retry says it again.
  const Decision retried = h.tick(1min);
  REQUIRE(sends(retried, Call::KILL));
  CHECK(first(retried, Call::KILL).kill().kill_policy().grace_period().nanoseconds() ==
        30'000'000'000);
}

TEST_CASE("without a grace period in the spec, a KILL carries no KillPolicy") {
  Harness h(1);
  const Decision retired = move_off_a1(h);
  REQUIRE(sends(retired, Call::KILL));
  CHECK_FALSE(first(retired, Call::KILL).kill().has_kill_policy());
}
