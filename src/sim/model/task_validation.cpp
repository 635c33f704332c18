// The parts of a TaskInfo the master validates besides its id, agent and resources: the kill
// policy, the maximum completion time, the check and the health check, the CommandInfo's
// environment and the ContainerInfo (upstream's master/validation.cpp task validators and the
// common validators they call, in their order and with their texts). What only an agent checks
// (URIs, which the fetcher reads; images, which the provisioner pulls) is not checked here, as the
// master does not check it either; a missing required field (an image's docker name, a URI's value)
// is a protobuf error the HTTP layer refuses before any of this.
#include <tuple>

#include "state.hpp"

namespace iof::sim::model {

namespace {

std::optional<std::string> secret_error(const v1::Secret& secret) {
  switch (secret.type()) {
    case v1::Secret::REFERENCE:
      if (!secret.has_reference()) {
        return std::string("Secret of type REFERENCE must have the 'reference' field set");
      }
      if (secret.has_value()) {
        return "Secret '" + secret.reference().name() +
               "' of type REFERENCE must not have the 'value' field set";
      }
      break;
    case v1::Secret::VALUE:
      if (!secret.has_value()) {
        return std::string("Secret of type VALUE must have the 'value' field set");
      }
      if (secret.has_reference()) {
        return std::string("Secret of type VALUE must not have the 'reference' field set");
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

std::optional<std::string> environment_error(const v1::Environment& environment) {
  for (const auto& variable : environment.variables()) {
    const std::string name = "Environment variable '" + variable.name() + "'";
    switch (variable.type()) {
      case v1::Environment::Variable::SECRET:
        if (!variable.has_secret()) {
          return name + " of type 'SECRET' must have a secret set";
        }
        if (variable.has_value()) {
          return name + " of type 'SECRET' must not have a value set";
        }
        if (auto error = secret_error(variable.secret())) {
          return name + " specifies an invalid secret: " + *error;
        }
        if (variable.secret().value().data().find('\0') != std::string::npos) {
          return name +
                 " specifies a secret containing null bytes, which is not allowed in the "
                 "environment";
        }
        break;
      case v1::Environment::Variable::VALUE:
        if (!variable.has_value()) {
          return name + " of type 'VALUE' must have a value set";
        }
        if (variable.has_secret()) {
          return name + " of type 'VALUE' must not have a secret set";
        }
        break;
      default:
        return std::string("Environment variable of type 'UNKNOWN' is not allowed");
    }
  }
  return std::nullopt;
}

std::optional<std::string> volume_error(const v1::Volume& volume) {
  const int set = (volume.has_host_path() ? 1 : 0) + (volume.has_image() ? 1 : 0) +
                  (volume.has_source() ? 1 : 0);
  if (set != 1) {
    return std::string("Only one of them should be set: 'host_path', 'image' and 'source'");
  }
  if (!volume.has_source()) {
    return std::nullopt;
  }
  const auto& source = volume.source();
  switch (source.type()) {
    case v1::Volume::Source::DOCKER_VOLUME:
      if (!source.has_docker_volume()) {
        return std::string("'source.docker_volume' is not set for DOCKER_VOLUME volume");
      }
      break;
    case v1::Volume::Source::HOST_PATH:
      if (!source.has_host_path()) {
        return std::string("'source.host_path' is not set for HOST_PATH volume");
      }
      break;
    case v1::Volume::Source::SANDBOX_PATH:
      if (!source.has_sandbox_path()) {
        return std::string("'source.sandbox_path' is not set for SANDBOX_PATH volume");
      }
      break;
    case v1::Volume::Source::SECRET:
      if (!source.has_secret()) {
        return std::string("'source.secret' is not set for SECRET volume");
      }
      break;
    case v1::Volume::Source::CSI_VOLUME:
      if (!source.has_csi_volume()) {
        return std::string("'source.csi_volume' is not set for CSI volume");
      }
      if (!source.csi_volume().has_static_provisioning()) {
        return std::string("'source.csi_volume.static_provisioning' is not set for CSI volume");
      }
      break;
    default:
      return std::string("'source.type' is unknown");
  }
  return std::nullopt;
}

std::optional<std::string> container_error(const v1::ContainerInfo& container) {
  for (const auto& volume : container.volumes()) {
    if (auto error = volume_error(volume)) {
      return "Invalid volume: " + *error;
    }
  }
  if (container.type() == v1::ContainerInfo::DOCKER) {
    if (!container.has_docker()) {
      return std::string("DockerInfo 'docker' is not set for DOCKER typed ContainerInfo");
    }
    for (const auto& parameter : container.docker().parameters()) {
      if (parameter.key() == "name") {
        return std::string("Parameter in DockerInfo must not be 'name'");
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_error(const v1::CheckInfo& check) {
  if (!check.has_type()) {
    return std::string("CheckInfo must specify 'type'");
  }
  switch (check.type()) {
    case v1::CheckInfo::COMMAND: {
      if (!check.has_command()) {
        return std::string("Expecting 'command' to be set for COMMAND check");
      }
      const v1::CommandInfo& command = check.command().command();
      if (!command.has_value()) {
        return std::string("Command check must contain ") +
               (command.shell() ? "'shell command'" : "'executable path'");
      }
      if (auto error = environment_error(command.environment())) {
        return "Check's `CommandInfo` is invalid: " + *error;
      }
      break;
    }
    case v1::CheckInfo::HTTP:
      if (!check.has_http()) {
        return std::string("Expecting 'http' to be set for HTTP check");
      }
      if (check.http().has_path() && !check.http().path().starts_with('/')) {
        return "The path '" + check.http().path() + "' of HTTP check must start with '/'";
      }
      break;
    case v1::CheckInfo::TCP:
      if (!check.has_tcp()) {
        return std::string("Expecting 'tcp' to be set for TCP check");
      }
      break;
    default:
      return "'" + v1::CheckInfo::Type_Name(check.type()) + "' is not a valid check type";
  }
  for (const auto& [present, value, name] :
       {std::tuple{check.has_delay_seconds(), check.delay_seconds(), "delay_seconds"},
        std::tuple{check.has_interval_seconds(), check.interval_seconds(), "interval_seconds"},
        std::tuple{check.has_timeout_seconds(), check.timeout_seconds(), "timeout_seconds"}}) {
    if (present && value < 0.0) {
      return std::string("Expecting '") + name + "' to be non-negative";
    }
  }
  return std::nullopt;
}

std::optional<std::string> health_check_error(const v1::HealthCheck& check) {
  if (!check.has_type()) {
    return std::string("HealthCheck must specify 'type'");
  }
  switch (check.type()) {
    case v1::HealthCheck::COMMAND: {
      if (!check.has_command()) {
        return std::string("Expecting 'command' to be set for COMMAND health check");
      }
      if (!check.command().has_value()) {
        return std::string("Command health check must contain ") +
               (check.command().shell() ? "'shell command'" : "'executable path'");
      }
      if (auto error = environment_error(check.command().environment())) {
        return "Health check's `CommandInfo` is invalid: " + *error;
      }
      break;
    }
    case v1::HealthCheck::HTTP: {
      if (!check.has_http()) {
        return std::string("Expecting 'http' to be set for HTTP health check");
      }
      const auto& http = check.http();
      if (http.has_scheme() && http.scheme() != "http" && http.scheme() != "https") {
        return "Unsupported HTTP health check scheme: '" + http.scheme() + "'";
      }
      if (http.has_path() && !http.path().starts_with('/')) {
        return "The path '" + http.path() + "' of HTTP health check must start with '/'";
      }
      break;
    }
    case v1::HealthCheck::TCP:
      if (!check.has_tcp()) {
        return std::string("Expecting 'tcp' to be set for TCP health check");
      }
      break;
    default:
      return "'" + v1::HealthCheck::Type_Name(check.type()) + "' is not a valid health check type";
  }
  for (const auto& [present, value, name] :
       {std::tuple{check.has_delay_seconds(), check.delay_seconds(), "delay_seconds"},
        std::tuple{check.has_grace_period_seconds(), check.grace_period_seconds(),
                   "grace_period_seconds"},
        std::tuple{check.has_interval_seconds(), check.interval_seconds(), "interval_seconds"},
        std::tuple{check.has_timeout_seconds(), check.timeout_seconds(), "timeout_seconds"}}) {
    if (present && value < 0.0) {
      return std::string("Expecting '") + name + "' to be non-negative";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> invalid_task_policies(const v1::TaskInfo& task) {
  if (task.has_kill_policy() && task.kill_policy().has_grace_period() &&
      task.kill_policy().grace_period().nanoseconds() < 0) {
    return std::string("Task's 'kill_policy.grace_period' must be non-negative");
  }
  if (task.has_max_completion_time() && task.max_completion_time().nanoseconds() < 0) {
    return std::string("Task's `max_completion_time` must be non-negative");
  }
  if (task.has_check()) {
    if (auto error = check_error(task.check())) {
      return "Task uses invalid check: " + *error;
    }
  }
  if (task.has_health_check()) {
    if (auto error = health_check_error(task.health_check())) {
      return "Task uses invalid health check: " + *error;
    }
  }
  return std::nullopt;
}

std::optional<std::string> invalid_task_containers(const v1::TaskInfo& task) {
  if (task.has_command()) {
    if (auto error = environment_error(task.command().environment())) {
      return "Task's `CommandInfo` is invalid: " + *error;
    }
  }
  if (task.has_container()) {
    if (auto error = container_error(task.container())) {
      return "Task's `ContainerInfo` is invalid: " + *error;
    }
  }
  return std::nullopt;
}

}  // namespace iof::sim::model
