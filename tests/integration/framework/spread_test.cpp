// --spread_by end to end on mesos-sim, whose --agent_attributes gives agents their racks: the
// tasks are balanced over the racks, and a move off a machine going into maintenance keeps the
// balance. The master's own view is the judge; the framework's /state and metrics must agree.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "framework_fixture.hpp"

using namespace iof::test::framework;

namespace {

using RackCount = std::map<std::string, std::size_t>;

// The rack of every agent, from the master's /master/state.
std::map<std::string, std::string> racks(unsigned short port) {
  std::map<std::string, std::string> out;
  const auto state = master_state(port);
  for (const auto& agent : state.at("slaves").as_array()) {
    const auto& attributes = agent.at("attributes").as_object();
    const auto rack = attributes.find("rack");
    out[std::string(agent.at("id").as_string())] =
        rack == attributes.end() ? "" : std::string(rack->value().as_string());
  }
  return out;
}

// Running tasks per rack, as the master sees them.
RackCount running_per_rack(unsigned short port) {
  const auto rack_of = racks(port);
  RackCount out;
  for (const auto& task : running_tasks(port)) {
    ++out[rack_of.at(task.agent_id)];
  }
  return out;
}

// Tasks per rack, as the framework's /state shows them.
RackCount shown_per_rack(Framework& framework) {
  RackCount out;
  const auto state = framework.state();
  for (const auto& [rack, tasks] : state.at("spread").at("tasks_per_value").as_object()) {
    out[std::string(rack)] = static_cast<std::size_t>(tasks.to_number<std::int64_t>());
  }
  return out;
}

}  // namespace

TEST_CASE("spread: --spread_by=rack puts 4 tasks 2 and 2 on 2 racks, and a move keeps that") {
  if (skipped_on_real_mesos("agent attributes come from mesos-sim's --agent_attributes")) {
    return;
  }
  iof::test::ClusterOptions options;
  options.agents = 6;
  options.sim_flags = {"--agent_attributes=agent[1-3]=rack:r1|agent[4-6]=rack:r2"};
  auto cluster = start_cluster(options);
  const auto port = cluster->port();
  Framework framework({cluster->master_flag(), "--num_tasks=4", "--spread_by=rack"});
  REQUIRE(eventually([&] { return running_tasks(port).size() == 4; }));
  const RackCount even{{"r1", 2}, {"r2", 2}};
  CHECK(running_per_rack(port) == even);
  REQUIRE(eventually([&] { return shown_per_rack(framework) == even; }));
  CHECK(framework.state().at("spread_by").as_string() == "rack");
  CHECK(framework.metric("spread_skew") == 0);

  // The machine of one task goes into maintenance: the replacement must go to the one free agent
  // of the same rack (the other rack's free agent would make it 3 and 1).
  const std::string doomed = running_tasks(port).front().agent_id;
  schedule_maintenance(port, doomed);
  REQUIRE(eventually(
      [&] {
        const auto tasks = live_tasks(port);
        return framework.metric("evacuations") == 1 && tasks.size() == 4 &&
               std::none_of(tasks.begin(), tasks.end(),
                            [&](const Task& task) { return task.agent_id == doomed; });
      },
      20s));
  CHECK(invariant_violation(port, 4).empty());
  CHECK(running_per_rack(port) == even);
  CHECK(framework.metric("replacements_launched") == 1);
  REQUIRE(eventually([&] { return shown_per_rack(framework) == even; }));
  CHECK(framework.state().at("spread").at("skew").to_number<std::int64_t>() == 0);
}
