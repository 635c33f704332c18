#pragma once

// The task tests' fixture: a cluster of one agent, a framework holding that agent's only offer,
// and tasks launched on it (to TASK_STARTING, or run to TASK_RUNNING with every update
// acknowledged).

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {

inline Config one_agent() {
  Config config = test_config();
  config.agents = 1;
  return config;
}

// A framework that holds the single agent's offer.
struct Offered {
  Harness::Framework framework;
  v1::Offer offer;
};

inline Offered offered(Harness& h, const v1::FrameworkInfo& info = framework_info()) {
  Offered out;
  out.framework = h.add_framework(info);
  h.settle();
  const auto offers = offers_in(h.take(out.framework.connection));
  REQUIRE(offers.size() == 1);
  out.offer = offers[0];
  return out;
}

// Launches `task_id` on the offer and returns its TASK_STARTING update.
inline v1::TaskStatus start(Harness& h, const Offered& o, const std::string& task_id,
                            const std::string& resource_text = "cpus:1;mem:128",
                            std::optional<double> refuse_seconds = std::nullopt) {
  h.handle(launch(o.framework.id, {o.offer.id().value()},
                  {command_task(task_id, o.offer.agent_id().value(), resource_text)},
                  refuse_seconds));
  const auto updates = updates_in(h.take(o.framework.connection));
  REQUIRE(updates.size() == 1);
  REQUIRE(updates[0].state() == v1::TASK_STARTING);
  return updates[0];
}

// The single update that reached the framework, failing when there is not exactly one.
inline v1::TaskStatus single_update(Harness& h, const Harness::Framework& framework) {
  const auto updates = updates_in(h.take(framework.connection));
  REQUIRE(updates.size() == 1);
  return updates[0];
}

// Runs t1 to TASK_RUNNING with every update acknowledged.
inline void run_task(Harness& h, const Offered& o,
                     std::optional<double> refuse_seconds = std::nullopt) {
  const auto starting = start(h, o, "t1", "cpus:1;mem:128", refuse_seconds);
  h.handle(acknowledge(o.framework.id, starting));
  h.run_for(milliseconds(100));
  const auto running = single_update(h, o.framework);
  REQUIRE(running.state() == v1::TASK_RUNNING);
  h.handle(acknowledge(o.framework.id, running));
}

}  // namespace iof::sim::test
