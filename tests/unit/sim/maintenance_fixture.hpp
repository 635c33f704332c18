#pragma once

// The maintenance tests' fixture: two of the cluster's machines (agent1 and agent2) as the
// schedule names them and as the master prints them, a window an hour from now, and schedule
// updates that must succeed or must fail.

#include <string>

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {

using Schedule = v1::maintenance::Schedule;

inline const v1::MachineID agent1 = machine("agent1", "127.0.0.2");
inline const v1::MachineID agent2 = machine("agent2", "127.0.0.3");

inline const std::string agent1_text = R"('{"hostname":"agent1","ip":"127.0.0.2"}')";
inline const std::string agent2_text = R"('{"hostname":"agent2","ip":"127.0.0.3"}')";

inline v1::Unavailability in_an_hour(const Harness& h) {
  return unavailability(h.now() + seconds(3600), seconds(7200));
}

inline void schedule(Harness& h, const Schedule& schedule) {
  const auto updated = h.cluster().update_schedule(schedule, h.now());
  REQUIRE_MESSAGE(updated.has_value(), (updated ? "" : updated.error().message));
  h.drain();
}

inline std::string schedule_error(Harness& h, const Schedule& schedule) {
  const auto updated = h.cluster().update_schedule(schedule, h.now());
  REQUIRE_FALSE(updated.has_value());
  return updated.error().message;
}

}  // namespace iof::sim::test
