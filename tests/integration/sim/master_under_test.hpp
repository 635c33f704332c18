#pragma once

// The master a protocol test talks to: mesos-sim, or a real mesos-master when IOF_MASTER_KIND is
// "real". Test cases in the "conformance" suite run on both (ctest's "sim_http." and
// "real.sim_http." tests); their expectations are the real master's recorded answers.
#include <memory>
#include <string>

#include <boost/json/parse.hpp>

#include "http_client.hpp"
#include "test_cluster.hpp"

namespace iof::test {

inline std::unique_ptr<TestCluster> master_under_test(int agents = 3) {
  ClusterOptions options;
  options.agents = agents;
  return TestCluster::start(master_kind_from_environment(), options);
}

// The master's id, as /master/state tells it.
inline std::string master_id_of(unsigned short port) {
  const auto state = boost::json::parse(request(port, {"GET", "/master/state", {}, ""}).body);
  return std::string(state.at("id").as_string());
}

}  // namespace iof::test
