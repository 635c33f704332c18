#include "holdings.hpp"

#include <algorithm>

#include "iof/wire/resources.hpp"

#include "offer_wire.hpp"

namespace iof::sim::model {

bool allocatable(const std::vector<mesos::v1::Resource>& resources) {
  return wire::text::scalar(resources, "cpus") >= 0.01 ||
         wire::text::scalar(resources, "mem") >= 32;
}

void Holdings::assign(std::vector<mesos::v1::Resource> resources,
                      const std::vector<mesos::v1::Resource>& total) {
  resources_ = std::move(resources);
  unreserved_ =
      std::all_of(resources_.begin(), resources_.end(),
                  [](const mesos::v1::Resource& resource) { return resource.role() == "*"; });
  allocatable_ = model::allocatable(resources_);
  cpus_ = wire::text::scalar(resources_, "cpus");
  whole_ = same_plain_resources(resources_, total);
}

std::vector<mesos::v1::Resource> Holdings::take_all() {
  std::vector<mesos::v1::Resource> taken = std::move(resources_);
  clear();
  return taken;
}

void Holdings::clear() {
  resources_.clear();
  unreserved_ = true;
  allocatable_ = false;
  cpus_ = 0;
  whole_ = false;
}

}  // namespace iof::sim::model
