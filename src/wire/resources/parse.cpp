// An agent's --resources value read as mesos-agent reads it: the text form or a JSON array, each
// resource validated, merged, and checked against what only a program may specify.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "iof/wire/json.hpp"
#include "iof/wire/resources.hpp"
#include "iof/wire/stout.hpp"

#include "detail.hpp"

namespace iof::wire::text {

using mesos::v1::Resource;
using mesos::v1::Value;
using namespace detail;

namespace {

// Resources::fromSimpleString: "name(role):value;..." into post-refinement resources.
Result<std::vector<Resource>> from_simple_string(std::string_view text,
                                                 std::string_view default_role) {
  std::vector<Resource> resources;
  for (const std::string_view token : tokenize(text, ";")) {
    const auto pair = tokenize(token, ":");
    if (pair.size() != 2) {
      return Error{"Bad value for resources, missing or extra ':' in " + std::string(token)};
    }
    std::string_view name;
    std::string_view role;
    const std::size_t open = pair[0].find('(');
    if (open == std::string_view::npos) {
      name = trim(pair[0]);
      role = default_role;
    } else {
      const std::size_t close = pair[0].find(')');
      if (close == std::string_view::npos || close < open) {
        return Error{"Bad value for resources, mismatched parentheses in " + std::string(token)};
      }
      name = trim(pair[0].substr(0, open));
      role = trim(pair[0].substr(open + 1, close - open - 1));
    }

    Resource resource;
    if (auto parsed = parse_value(pair[1], resource); !parsed) {
      return Error{"Failed to parse resource " + std::string(name) + " value " +
                   std::string(pair[1]) + " error " + parsed.error().message};
    }
    if (resource.type() == Value::TEXT) {
      return Error{"Bad type for resource " + std::string(name) + " value " + std::string(pair[1]) +
                   " type TEXT"};
    }
    resource.set_name(std::string(name));
    if (role != "*") {
      auto* reservation = resource.add_reservations();
      reservation->set_type(Resource::ReservationInfo::STATIC);
      reservation->set_role(std::string(role));
    }
    resources.push_back(std::move(resource));
  }
  return resources;
}

// Resources::fromJSON: an array of Resource objects into post-refinement resources.
Result<std::vector<Resource>> from_json(const boost::json::array& array,
                                        std::string_view default_role) {
  std::vector<Resource> resources;
  for (const auto& element : array) {
    Resource resource;
    if (auto converted = json::to_message(element, resource); !converted) {
      return Error{"Some JSON resources were not formatted properly: " + converted.error().message};
    }
    if (!resource.has_role() && resource.reservations_size() == 0) {
      resource.set_role(std::string(default_role));
    }
    if (auto error = upgrade(resource)) {
      return Error{"Resource '" + resource_text(resource) + "' is invalid: " + *error};
    }
    resources.push_back(std::move(resource));
  }
  return resources;
}

// validateCommandLineResources: what only a program, not a flag, may specify.
std::optional<std::string> command_line_problem(const std::vector<Resource>& resources) {
  std::map<std::string, Value::Type> types;
  for (const auto& resource : resources) {
    if (is_persistent_volume(resource)) {
      return std::string("Persistent volumes cannot be specified at the command line");
    }
    if (resource.has_revocable()) {
      return std::string(
          "Revocable resources cannot be specified at the command line; do"
          " not include a 'revocable' key in the resources JSON");
    }
    if (resource.reservations_size() > 0 &&
        resource.reservations(resource.reservations_size() - 1).type() ==
            Resource::ReservationInfo::DYNAMIC) {
      return std::string(
          "Dynamic reservations cannot be specified at the command line; do"
          " not include a reservation with DYNAMIC type in the resources JSON");
    }
    const auto [it, inserted] = types.emplace(resource.name(), resource.type());
    if (!inserted && it->second != resource.type()) {
      return "Resources with the same name ('" + resource.name() +
             "') but different types are not allowed";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<Resource>> parse_resources(std::string_view text,
                                              std::string_view default_role) {
  Result<std::vector<Resource>> parsed = Error{};
  const auto json_value = json::parse(text);
  if (json_value && json_value->is_array()) {
    parsed = from_json(json_value->get_array(), default_role);
  } else {
    parsed = from_simple_string(text, default_role);
  }
  if (!parsed) {
    return parsed.error();
  }

  std::vector<Resource> merged;
  for (Resource& resource : *parsed) {
    if (auto error = validate(resource)) {
      return Error{"Resource '" + resource_text(resource) + "' is invalid: " + *error};
    }
    add(merged, std::move(resource), false);
  }
  if (auto error = command_line_problem(merged)) {
    return Error{*error};
  }
  for (Resource& resource : merged) {
    downgrade(resource);
  }
  return merged;
}

}  // namespace iof::wire::text
