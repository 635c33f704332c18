#pragma once

// What the agent tests read of the cluster model: /master/state and its agents (drain_info
// included), the metrics, and operator calls that must succeed.

#include <optional>
#include <string>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "cluster_fixture.hpp"

namespace iof::sim::test {

namespace bj = boost::json;

inline void require_ok(const std::optional<OperatorError>& error) {
  REQUIRE_MESSAGE(!error.has_value(), (error ? error->message : std::string()));
}

inline double secs(Time time) {
  return static_cast<double>(time.count()) / 1e9;
}

inline bj::object state_of(Harness& h) {
  auto parsed = wire::json::parse(h.cluster().state_json());
  REQUIRE(parsed.has_value());
  return parsed->as_object();
}

// The /master/state entry of an agent, or null when it is not listed.
inline std::optional<bj::object> agent_in_state(Harness& h, const std::string& agent_id) {
  const auto state = state_of(h);
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.as_object().at("id").as_string() == agent_id) {
      return agent.as_object();
    }
  }
  return std::nullopt;
}

inline std::string drain_info_of(Harness& h, const std::string& agent_id) {
  const auto agent = agent_in_state(h, agent_id);
  REQUIRE(agent);
  const auto* info = agent->if_contains("drain_info");
  return info == nullptr ? std::string() : bj::serialize(*info);
}

inline double metric(Harness& h, const std::string& name) {
  const auto metrics = h.cluster().metrics(h.now());
  const auto found = metrics.find(name);
  REQUIRE_MESSAGE(found != metrics.end(), name);
  return found->second;
}

inline std::string agent_id_of(Harness& h, const std::string& hostname) {
  const auto state = state_of(h);
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.as_object().at("hostname").as_string() == hostname) {
      return std::string(agent.as_object().at("id").as_string());
    }
  }
  FAIL("no agent " << hostname);
  return "";
}

}  // namespace iof::sim::test
