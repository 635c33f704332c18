// --task_file: a TaskSpec from JSON. Strict on purpose: an unknown field is an error, since a
// misspelt "helth_check" silently ignored would launch a service without its readiness check.
#include "iof/framework/task_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "iof/wire/json.hpp"

#include "json_fields.hpp"

namespace iof::framework {

namespace {

using namespace task_file;

Result<FetchUri> fetch_uri(const json::value& value, const Reader& where) {
  if (!value.is_object()) {
    return where.error("expected an object with \"value\"");
  }
  const auto& object = value.as_object();
  if (auto known =
          only_known(object, where, {"value", "extract", "executable", "cache", "output_file"});
      !known) {
    return known.error();
  }
  FetchUri uri;
  const auto* uri_value = object.if_contains("value");
  if (uri_value == nullptr) {
    return where.at("value").error("missing");
  }
  auto read = text(*uri_value, where.at("value"));
  if (!read) {
    return read.error();
  }
  uri.value = *read;
  for (const auto& [key, target] :
       {std::pair{"extract", &uri.extract}, std::pair{"executable", &uri.executable},
        std::pair{"cache", &uri.cache}}) {
    if (const auto* flag = object.if_contains(key)) {
      auto parsed = boolean(*flag, where.at(key));
      if (!parsed) {
        return parsed.error();
      }
      *target = *parsed;
    }
  }
  if (const auto* output = object.if_contains("output_file")) {
    auto parsed = text(*output, where.at("output_file"));
    if (!parsed) {
      return parsed.error();
    }
    uri.output_file = *parsed;
  }
  return uri;
}

// "ports": a count of unnamed ports, or their names (used as PORT_<NAME>).
Result<std::vector<std::string>> port_names(const json::value& value, const Reader& where) {
  if (value.is_array()) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < value.as_array().size(); ++i) {
      auto name = text(value.as_array()[i], where.at(i));
      if (!name) {
        return name.error();
      }
      if (!is_env_name(*name)) {
        return where.at(i).error("a port name must be letters, digits and _");
      }
      if (!seen.insert(*name).second) {
        return where.at(i).error("port name '" + *name + "' appears twice");
      }
      out.push_back(*name);
    }
    return out;
  }
  auto count = whole(value, where, 0, 100);
  if (!count) {
    return Error{where.path + ": expected a count of ports (0 to 100) or an array of names"};
  }
  return std::vector<std::string>(*count);
}

}  // namespace

Result<TaskSpec> parse_task_spec(std::string_view json_text) {
  auto parsed = wire::json::parse(json_text);
  if (!parsed) {
    return Error{"not JSON: " + parsed.error().message};
  }
  const Reader top{""};
  if (!parsed->is_object()) {
    return Error{"expected a JSON object"};
  }
  const auto& object = parsed->as_object();
  if (auto known =
          only_known(object, top,
                     {"command", "argv", "env", "uris", "container", "cpus", "mem", "disk", "ports",
                      "labels", "user", "health_check", "kill_grace_period_seconds"});
      !known) {
    return known.error();
  }
  TaskSpec spec;
  const auto* command = object.if_contains("command");
  const auto* argv = object.if_contains("argv");
  if (command != nullptr && argv != nullptr) {
    return Error{"command, argv: give one of them, not both"};
  }
  if (command != nullptr) {
    auto read = text(*command, top.at("command"));
    if (!read) {
      return read.error();
    }
    spec.shell_command = *read;
  } else if (argv != nullptr) {
    spec.shell_command.clear();
    if (!argv->is_array() || argv->as_array().empty()) {
      return top.at("argv").error("expected a non-empty array of strings");
    }
    for (std::size_t i = 0; i < argv->as_array().size(); ++i) {
      const auto& word = argv->as_array()[i];
      if (!word.is_string() || (i == 0 && word.as_string().empty())) {
        return top.at("argv").at(i).error(i == 0 ? "expected the program to run"
                                                 : "expected a string");
      }
      spec.argv.emplace_back(word.as_string());
    }
  }
  if (const auto* env = object.if_contains("env")) {
    auto read = string_map(*env, top.at("env"), true);
    if (!read) {
      return read.error();
    }
    spec.env = std::move(*read);
  }
  if (const auto* uris = object.if_contains("uris")) {
    if (!uris->is_array()) {
      return top.at("uris").error("expected an array");
    }
    for (std::size_t i = 0; i < uris->as_array().size(); ++i) {
      auto uri = fetch_uri(uris->as_array()[i], top.at("uris").at(i));
      if (!uri) {
        return uri.error();
      }
      spec.uris.push_back(std::move(*uri));
    }
  }
  if (const auto* container = object.if_contains("container"); container && !container->is_null()) {
    const Reader where = top.at("container");
    if (!container->is_object()) {
      return where.error("expected an object with \"docker_image\", or null");
    }
    if (auto known = only_known(container->as_object(), where, {"type", "docker_image"}); !known) {
      return known.error();
    }
    if (const auto* type = container->as_object().if_contains("type");
        type != nullptr && !(type->is_string() && type->as_string() == "mesos")) {
      return where.at("type").error("only \"mesos\" (the Mesos containerizer) is supported");
    }
    const auto* image = container->as_object().if_contains("docker_image");
    if (image == nullptr) {
      return where.at("docker_image").error("missing");
    }
    auto read = text(*image, where.at("docker_image"));
    if (!read) {
      return read.error();
    }
    spec.docker_image = *read;
  }
  for (const auto& [key, target, minimum, above] :
       {std::tuple{"cpus", &spec.cpus, 0.0, true}, std::tuple{"mem", &spec.mem, 0.0, true},
        std::tuple{"disk", &spec.disk, 0.0, false}}) {
    if (const auto* field = object.if_contains(key)) {
      auto read = number(*field, top.at(key), minimum, above);
      if (!read) {
        return read.error();
      }
      *target = *read;
    }
  }
  if (const auto* ports = object.if_contains("ports")) {
    auto read = port_names(*ports, top.at("ports"));
    if (!read) {
      return read.error();
    }
    spec.port_names = std::move(*read);
  }
  if (const auto* labels = object.if_contains("labels")) {
    auto read = string_map(*labels, top.at("labels"), false);
    if (!read) {
      return read.error();
    }
    spec.labels = std::move(*read);
  }
  if (const auto* user = object.if_contains("user")) {
    auto read = text(*user, top.at("user"));
    if (!read) {
      return read.error();
    }
    spec.user = *read;
  }
  if (const auto* check = object.if_contains("health_check"); check && !check->is_null()) {
    auto read = health_check(*check, top.at("health_check"), spec.port_names);
    if (!read) {
      return read.error();
    }
    spec.health_check = *read;
  }
  if (const auto* grace = object.if_contains("kill_grace_period_seconds")) {
    auto read = number(*grace, top.at("kill_grace_period_seconds"), 0, false);
    if (!read) {
      return read.error();
    }
    spec.kill_grace_seconds = *read;
  }
  return spec;
}

Result<TaskSpec> load_task_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"Cannot read --task_file '" + path + "': " + std::strerror(errno)};
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  auto spec = parse_task_spec(contents.str());
  if (!spec) {
    return Error{"--task_file '" + path + "': " + spec.error().message};
  }
  return spec;
}

}  // namespace iof::framework
