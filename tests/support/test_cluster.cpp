#include "test_cluster.hpp"

#include <cstdlib>
#include <stdexcept>

namespace iof::test {

std::unique_ptr<TestCluster> start_sim_cluster(const ClusterOptions& options);
std::unique_ptr<TestCluster> start_real_cluster(const ClusterOptions& options);

MasterKind master_kind_from_environment() {
  const char* value = std::getenv("IOF_MASTER_KIND");
  const std::string kind = value == nullptr ? "sim" : value;
  if (kind == "sim") {
    return MasterKind::sim;
  }
  if (kind == "real") {
    return MasterKind::real;
  }
  throw std::invalid_argument("IOF_MASTER_KIND must be 'sim' or 'real', not '" + kind + "'");
}

std::unique_ptr<TestCluster> TestCluster::start(MasterKind kind, const ClusterOptions& options) {
  return kind == MasterKind::sim ? start_sim_cluster(options) : start_real_cluster(options);
}

}  // namespace iof::test
