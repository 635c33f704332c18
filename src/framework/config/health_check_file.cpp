// "health_check" in --task_file: a Mesos-native HTTP, TCP or command check with Mesos's defaults.
#include "json_fields.hpp"

namespace iof::framework::task_file {

Result<HealthCheckSpec> health_check(const json::value& value, const Reader& where,
                                     const std::vector<std::string>& ports) {
  if (!value.is_object()) {
    return where.error("expected an object");
  }
  const auto& object = value.as_object();
  if (auto known = only_known(
          object, where,
          {"type", "port_index", "port_name", "path", "scheme", "command", "delay_seconds",
           "interval_seconds", "timeout_seconds", "grace_period_seconds", "consecutive_failures"});
      !known) {
    return known.error();
  }
  HealthCheckSpec check;
  const auto* type = object.if_contains("type");
  const std::string kind =
      type != nullptr && type->is_string() ? std::string(type->as_string()) : "";
  if (kind == "http") {
    check.kind = HealthCheckSpec::Kind::http;
  } else if (kind == "tcp") {
    check.kind = HealthCheckSpec::Kind::tcp;
  } else if (kind == "command") {
    check.kind = HealthCheckSpec::Kind::command;
  } else {
    return where.at("type").error("expected \"http\", \"tcp\" or \"command\"");
  }
  const bool probes_port = check.kind != HealthCheckSpec::Kind::command;
  const auto* index = object.if_contains("port_index");
  const auto* name = object.if_contains("port_name");
  if (probes_port) {
    if (ports.empty()) {
      return where.error("an " + kind + " check needs a port: declare \"ports\"");
    }
    if (index != nullptr && name != nullptr) {
      return where.error("give \"port_index\" or \"port_name\", not both");
    }
    if (index != nullptr) {
      auto parsed = whole(*index, where.at("port_index"), 0, ports.size() - 1);
      if (!parsed) {
        return parsed.error();
      }
      check.port_index = *parsed;
    } else if (name != nullptr) {
      const auto found = std::find(ports.begin(), ports.end(),
                                   name->is_string() ? std::string(name->as_string()) : "");
      if (found == ports.end() || found->empty()) {
        return where.at("port_name").error("not one of the names in \"ports\"");
      }
      check.port_index = static_cast<std::size_t>(found - ports.begin());
    }
  } else if (index != nullptr || name != nullptr) {
    return where.error("a command check probes no port");
  }
  const auto* path = object.if_contains("path");
  const auto* scheme = object.if_contains("scheme");
  if ((path != nullptr || scheme != nullptr) && check.kind != HealthCheckSpec::Kind::http) {
    return where.error("\"path\" and \"scheme\" are for http checks");
  }
  if (path != nullptr) {
    auto parsed = text(*path, where.at("path"));
    if (!parsed || parsed->front() != '/') {
      return where.at("path").error("expected a path starting with /");
    }
    check.path = *parsed;
  }
  if (scheme != nullptr) {
    auto parsed = text(*scheme, where.at("scheme"));
    if (!parsed || (*parsed != "http" && *parsed != "https")) {
      return where.at("scheme").error("expected \"http\" or \"https\"");
    }
    check.scheme = *parsed;
  }
  const auto* command = object.if_contains("command");
  if (check.kind == HealthCheckSpec::Kind::command) {
    if (command == nullptr) {
      return where.at("command").error("missing: a command check runs it");
    }
    auto parsed = text(*command, where.at("command"));
    if (!parsed) {
      return parsed.error();
    }
    check.command = *parsed;
  } else if (command != nullptr) {
    return where.at("command").error("only a command check runs a command");
  }
  for (const auto& [key, target, above] :
       {std::tuple{"delay_seconds", &check.delay_seconds, false},
        std::tuple{"interval_seconds", &check.interval_seconds, true},
        std::tuple{"timeout_seconds", &check.timeout_seconds, true},
        std::tuple{"grace_period_seconds", &check.grace_period_seconds, false}}) {
    if (const auto* field = object.if_contains(key)) {
      auto parsed = number(*field, where.at(key), 0, above);
      if (!parsed) {
        return parsed.error();
      }
      *target = *parsed;
    }
  }
  if (const auto* failures = object.if_contains("consecutive_failures")) {
    auto parsed = whole(*failures, where.at("consecutive_failures"), 1, 1000);
    if (!parsed) {
      return parsed.error();
    }
    check.consecutive_failures = static_cast<std::uint32_t>(*parsed);
  }
  return check;
}

}  // namespace iof::framework::task_file
