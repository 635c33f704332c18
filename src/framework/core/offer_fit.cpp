// Whether an offer holds a task: the resources Mesos's Resources::contains() compares, plus ports.
#include "iof/framework/core/offer_fit.hpp"

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

bool offer_holds(const mesos::v1::Offer& offer, const TaskSpec& spec) {
  if (!wire::text::contains(unreserved(offer.resources()), scalar_resources(spec, std::nullopt))) {
    return false;
  }
  return spec.port_names.empty() || take_ports(offer, spec.port_names.size()).has_value();
}

}  // namespace iof::framework
