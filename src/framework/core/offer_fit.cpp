// Whether an offer holds a task: the resources Mesos's Resources::contains() compares, plus ports.
#include "iof/framework/core/offer_fit.hpp"

#include <set>

#include "iof/framework/core/task_info.hpp"
#include "iof/wire/resources.hpp"

namespace iof::framework {

std::vector<mesos::v1::Resource> scalar_resources(const TaskSpec& spec,
                                                  const std::optional<std::string>& role) {
  std::vector<mesos::v1::Resource> out;
  for (const auto& [name, amount] :
       {std::pair{"cpus", spec.cpus}, std::pair{"mem", spec.mem}, std::pair{"disk", spec.disk}}) {
    if (amount <= 0) {
      continue;  // no disk asked for: none is taken (cpus and mem are always positive)
    }
    mesos::v1::Resource resource;
    resource.set_name(name);
    resource.set_type(mesos::v1::Value::SCALAR);
    resource.mutable_scalar()->set_value(amount);
    if (role) {
      resource.mutable_allocation_info()->set_role(*role);
    }
    out.push_back(std::move(resource));
  }
  return out;
}

namespace {

std::vector<mesos::v1::Resource> allocated_to(const std::vector<mesos::v1::Resource>& resources,
                                              const std::optional<std::string>& role) {
  std::vector<mesos::v1::Resource> out;
  for (const auto& resource : resources) {
    const bool has = resource.has_allocation_info() && resource.allocation_info().has_role();
    if (has == role.has_value() && (!has || resource.allocation_info().role() == *role)) {
      out.push_back(resource);
    }
  }
  return out;
}

// Mesos's Resources::contains, where an allocation is part of what a resource is: resources
// allocated to a role are only held by resources allocated to that same role.
bool contains_with_allocation(const std::vector<mesos::v1::Resource>& have,
                              const std::vector<mesos::v1::Resource>& want) {
  std::set<std::optional<std::string>> roles;
  for (const auto& resource : want) {
    roles.insert(resource.has_allocation_info() && resource.allocation_info().has_role()
                     ? std::optional<std::string>(resource.allocation_info().role())
                     : std::nullopt);
  }
  for (const auto& role : roles) {
    if (!wire::text::contains(allocated_to(have, role), allocated_to(want, role))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool offer_holds_allocated(const mesos::v1::Offer& offer, const TaskSpec& spec,
                           const std::string& role) {
  return contains_with_allocation(unreserved(offer.resources()), scalar_resources(spec, role));
}

bool offer_holds_scalars(const mesos::v1::Offer& offer, const TaskSpec& spec) {
  // Every offer of every event asks this: answered in place when its resources are plain, as
  // nearly all are, and by the full comparison otherwise.
  const wire::text::ScalarWant want[] = {
      {"cpus", spec.cpus}, {"mem", spec.mem}, {"disk", spec.disk}};
  if (const auto quick = wire::text::unreserved_contains_scalars(offer.resources(), want)) {
    return *quick;
  }
  return wire::text::contains(unreserved(offer.resources()), scalar_resources(spec, std::nullopt));
}

bool offer_holds(const mesos::v1::Offer& offer, const TaskSpec& spec) {
  return offer_holds_scalars(offer, spec) &&
         (spec.port_names.empty() || take_ports(offer, spec.port_names.size()).has_value());
}

}  // namespace iof::framework
