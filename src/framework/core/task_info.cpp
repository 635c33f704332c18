// A TaskSpec becomes the TaskInfo of a LAUNCH: command or argv, environment with the ports, fetcher
// URIs, the Mesos containerizer's image, resources with the offer's ports, discovery, labels, the
// health check and the kill grace period.
#include "iof/framework/core/task_info.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace iof::framework {

namespace v1 = mesos::v1;

namespace {

v1::Resource scalar(const std::string& name, double amount, const std::string& role) {
  v1::Resource resource;
  resource.set_name(name);
  resource.set_type(v1::Value::SCALAR);
  resource.mutable_scalar()->set_value(amount);
  resource.mutable_allocation_info()->set_role(role);
  return resource;
}

std::int64_t nanoseconds(double seconds) {
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

void fill_health_check(const HealthCheckSpec& check, const std::vector<std::uint32_t>& ports,
                       v1::HealthCheck& out) {
  out.set_delay_seconds(check.delay_seconds);
  out.set_interval_seconds(check.interval_seconds);
  out.set_timeout_seconds(check.timeout_seconds);
  out.set_grace_period_seconds(check.grace_period_seconds);
  out.set_consecutive_failures(check.consecutive_failures);
  const std::uint32_t port = check.port_index < ports.size() ? ports[check.port_index] : 0;
  switch (check.kind) {
    case HealthCheckSpec::Kind::http:
      out.set_type(v1::HealthCheck::HTTP);
      out.mutable_http()->set_port(port);
      out.mutable_http()->set_path(check.path);
      out.mutable_http()->set_scheme(check.scheme);
      break;
    case HealthCheckSpec::Kind::tcp:
      out.set_type(v1::HealthCheck::TCP);
      out.mutable_tcp()->set_port(port);
      break;
    case HealthCheckSpec::Kind::command:
      out.set_type(v1::HealthCheck::COMMAND);
      out.mutable_command()->set_shell(true);
      out.mutable_command()->set_value(check.command);
      break;
  }
}

}  // namespace

std::optional<std::vector<std::uint32_t>> take_ports(const v1::Offer& offer, std::size_t count) {
  std::vector<std::uint32_t> out;
  if (count == 0) {
    return out;  // nothing to look for in the ranges
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& resource : offer.resources()) {
    if (resource.name() == "ports" && resource.type() == v1::Value::RANGES) {
      for (const auto& range : resource.ranges().range()) {
        ranges.emplace_back(range.begin(), range.end());
      }
    }
  }
  std::sort(ranges.begin(), ranges.end());
  for (const auto& [begin, end] : ranges) {
    for (std::uint64_t port = begin; port <= end && out.size() < count && port <= 65535; ++port) {
      out.push_back(static_cast<std::uint32_t>(port));
    }
  }
  if (out.size() < count) {
    return std::nullopt;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> port_variables(
    const TaskSpec& spec, const std::vector<std::uint32_t>& ports) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    out.emplace_back("PORT" + std::to_string(i), std::to_string(ports[i]));
  }
  for (std::size_t i = 0; i < ports.size() && i < spec.port_names.size(); ++i) {
    if (!spec.port_names[i].empty()) {
      std::string name = spec.port_names[i];
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      out.emplace_back("PORT_" + name, std::to_string(ports[i]));
    }
  }
  return out;
}

v1::TaskInfo task_info(const TaskSpec& spec, const LaunchPlace& place) {
  v1::TaskInfo task;
  task.set_name(place.name);
  task.mutable_task_id()->set_value(place.task_id);
  *task.mutable_agent_id() = place.agent_id;
  *task.add_resources() = scalar("cpus", spec.cpus, place.role);
  *task.add_resources() = scalar("mem", spec.mem, place.role);
  if (spec.disk > 0) {
    *task.add_resources() = scalar("disk", spec.disk, place.role);
  }
  if (!place.ports.empty()) {
    v1::Resource ports;
    ports.set_name("ports");
    ports.set_type(v1::Value::RANGES);
    for (const std::uint32_t port : place.ports) {
      auto* range = ports.mutable_ranges()->add_range();
      range->set_begin(port);
      range->set_end(port);
    }
    ports.mutable_allocation_info()->set_role(place.role);
    *task.add_resources() = std::move(ports);
  }

  auto& command = *task.mutable_command();
  if (spec.argv.empty()) {
    command.set_value(spec.shell_command);  // shell defaults to true
  } else {
    command.set_shell(false);
    command.set_value(spec.argv.front());
    for (const auto& word : spec.argv) {
      command.add_arguments(word);  // argv[0] included, as Mesos passes `arguments` to execvp
    }
  }
  if (spec.user) {
    command.set_user(*spec.user);
  }
  std::vector<std::pair<std::string, std::string>> variables(spec.env.begin(), spec.env.end());
  for (auto& variable : port_variables(spec, place.ports)) {
    variables.push_back(std::move(variable));
  }
  for (const auto& [name, value] : variables) {
    auto* variable = command.mutable_environment()->add_variables();
    variable->set_name(name);
    variable->set_value(value);
  }
  for (const auto& uri : spec.uris) {
    auto* out = command.add_uris();
    out->set_value(uri.value);
    out->set_extract(uri.extract);
    out->set_executable(uri.executable);
    out->set_cache(uri.cache);
    if (uri.output_file) {
      out->set_output_file(*uri.output_file);
    }
  }

  if (spec.docker_image) {
    auto& container = *task.mutable_container();
    container.set_type(v1::ContainerInfo::MESOS);
    auto& image = *container.mutable_mesos()->mutable_image();
    image.set_type(v1::Image::DOCKER);
    image.mutable_docker()->set_name(*spec.docker_image);
  }
  if (!place.ports.empty()) {
    auto& discovery = *task.mutable_discovery();
    discovery.set_visibility(v1::DiscoveryInfo::FRAMEWORK);
    discovery.set_name(place.name);
    for (std::size_t i = 0; i < place.ports.size(); ++i) {
      auto* port = discovery.mutable_ports()->add_ports();
      port->set_number(place.ports[i]);
      port->set_protocol("tcp");
      if (i < spec.port_names.size() && !spec.port_names[i].empty()) {
        port->set_name(spec.port_names[i]);
      }
    }
  }
  for (const auto& [key, value] : spec.labels) {
    auto* label = task.mutable_labels()->add_labels();
    label->set_key(key);
    label->set_value(value);
  }
  if (spec.health_check) {
    fill_health_check(*spec.health_check, place.ports, *task.mutable_health_check());
  }
  if (spec.kill_grace_seconds) {
    task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
        nanoseconds(*spec.kill_grace_seconds));
  }
  return task;
}

}  // namespace iof::framework
