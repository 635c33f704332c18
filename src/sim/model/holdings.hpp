#pragma once

#include <utility>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace iof::sim::model {

// An agent's unallocated resources, with the facts the allocator asks of them on every pass
// worked out once, when they change. At 50,000 agents, reading the resource messages themselves
// on every pass missed the cache several times per agent and cost more than the offers.
class Holdings {
 public:
  const std::vector<mesos::v1::Resource>& resources() const { return resources_; }
  bool empty() const { return resources_.empty(); }

  // `total` is the agent's: whether they are the same, field for field, is noted.
  void assign(std::vector<mesos::v1::Resource> resources,
              const std::vector<mesos::v1::Resource>& total);
  // Everything, leaving nothing.
  std::vector<mesos::v1::Resource> take_all();
  void clear();

  // Every resource is unreserved, so any role may be offered all of them.
  bool unreserved() const { return unreserved_; }
  // What the master's --min_allocatable_resources default ("cpus:0.01|mem:32") accepts.
  bool allocatable() const { return allocatable_; }
  double cpus() const { return cpus_; }
  // The agent's total, field for field (model::same_plain_resources).
  bool whole() const { return whole_; }

 private:
  std::vector<mesos::v1::Resource> resources_;
  bool unreserved_ = true;
  bool allocatable_ = false;
  double cpus_ = 0;
  bool whole_ = false;
};

// The master's --min_allocatable_resources default, "cpus:0.01|mem:32".
bool allocatable(const std::vector<mesos::v1::Resource>& resources);

}  // namespace iof::sim::model
