#pragma once

// The TaskInfo of one LAUNCH from the service's TaskSpec: the pure translation, with the ports
// taken from the offer at hand.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "iof/framework/core/task_spec.hpp"

#include "mesos/v1/mesos.pb.h"

namespace iof::framework {

// `count` ports from the offer's "ports" ranges (of `role`'s allocation), lowest first; nullopt
// when the offer has fewer.
std::optional<std::vector<std::uint32_t>> take_ports(const mesos::v1::Offer& offer,
                                                     std::size_t count);

// What a task is launched with. `ports` come from take_ports() and are as many as the spec names;
// `role` is the allocation role every resource carries.
struct LaunchPlace {
  std::string task_id;
  std::string name;
  mesos::v1::AgentID agent_id;
  std::string role;
  std::vector<std::uint32_t> ports;
};

mesos::v1::TaskInfo task_info(const TaskSpec& spec, const LaunchPlace& place);

// PORT0, PORT1... for every port and PORT_<NAME> (upper case) for named ones, as Marathon and
// Aurora export them.
std::vector<std::pair<std::string, std::string>> port_variables(
    const TaskSpec& spec, const std::vector<std::uint32_t>& ports);

}  // namespace iof::framework
