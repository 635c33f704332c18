// Maintenance over HTTP: the legacy endpoints (/master/maintenance/schedule, .../status,
// /master/machine/down and /up) and the v1 operator calls on /api/v1. Both reach the same
// Cluster functions, as both reach the same internal functions on a real master.
#include <boost/json/value.hpp>

#include "iof/sim/service.hpp"
#include "iof/wire/json.hpp"
#include "iof/wire/mesos_text.hpp"

#include "decode.hpp"
#include "mesos/v1/master/master.pb.h"
#include "responses.hpp"

namespace iof::sim {

namespace v1 = mesos::v1;
namespace json = wire::json;

namespace {

http::Response result_response(const wire::Result<void>& result) {
  if (!result) {
    return responses::text(400, result.error().message);
  }
  return responses::empty(200);
}

}  // namespace

http::Reply MasterService::maintenance_schedule(const http::Request& request) {
  if (auto redirect = not_leader(request)) {
    return *redirect;
  }
  if (request.method == "GET") {
    return responses::body(json::write(cluster_.schedule(), json::KeyOrder::sorted),
                           "application/json");
  }
  if (request.method != "POST") {
    return responses::method_not_allowed({"GET", "POST"}, request.method);
  }
  auto parsed = json::parse(request.body);
  if (!parsed) {
    return responses::text(400, parsed.error().message);
  }
  if (!parsed->is_object()) {
    return responses::text(400, "Unexpected JSON type parsed");
  }
  v1::maintenance::Schedule schedule;
  if (auto converted = json::to_message(*parsed, schedule); !converted) {
    return responses::text(400, converted.error().message);
  }
  return result_response(cluster_.update_schedule(schedule, clock_()));
}

http::Reply MasterService::maintenance_status(const http::Request& request) {
  if (auto redirect = not_leader(request)) {
    return *redirect;
  }
  if (request.method != "GET") {
    return responses::method_not_allowed({"GET"}, request.method);
  }
  return responses::body(json::write(cluster_.maintenance_status(), json::KeyOrder::sorted),
                         "application/json");
}

http::Reply MasterService::machines(const http::Request& request, bool down) {
  if (auto redirect = not_leader(request)) {
    return *redirect;
  }
  if (request.method != "POST") {
    return responses::method_not_allowed({"POST"}, request.method);
  }
  auto parsed = json::parse(request.body);
  if (!parsed) {
    return responses::text(400, parsed.error().message);
  }
  if (!parsed->is_array()) {
    return responses::text(400, "Unexpected JSON type parsed");
  }
  std::vector<v1::MachineID> ids;
  for (const auto& element : parsed->get_array()) {
    if (!element.is_object()) {
      return responses::text(400, "Expecting a JSON object");
    }
    v1::MachineID id;
    if (auto converted = json::to_message(element, id); !converted) {
      return responses::text(400, converted.error().message);
    }
    ids.push_back(std::move(id));
  }
  return result_response(down ? cluster_.start_maintenance(ids, clock_())
                              : cluster_.stop_maintenance(ids, clock_()));
}

http::Reply MasterService::operator_api(const http::Request& request) {
  if (auto redirect = not_leader(request)) {
    return *redirect;
  }
  if (request.method != "POST") {
    return responses::method_not_allowed({"POST"}, request.method);
  }
  v1::master::Call call;
  if (auto error = read_call(request, call)) {
    return *error;
  }
  if (!call.has_type()) {
    return responses::text(400, "Failed to validate master::Call: Expecting 'type' to be present");
  }
  const auto accepted = wire::text::negotiate(request.header("Accept"));
  if (!accepted) {
    return responses::text(
        406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  }
  const auto reply = [&](const v1::master::Response& response) {
    return responses::body(wire::encode(response, *accepted),
                           std::string(wire::media_type(*accepted)));
  };
  const auto missing = [](const char* field) {
    return responses::text(400, std::string("Failed to validate master::Call: Expecting '") +
                                    field + "' to be present");
  };
  const Time now = clock_();
  switch (call.type()) {
    case v1::master::Call::GET_MAINTENANCE_SCHEDULE: {
      v1::master::Response response;
      response.set_type(v1::master::Response::GET_MAINTENANCE_SCHEDULE);
      *response.mutable_get_maintenance_schedule()->mutable_schedule() = cluster_.schedule();
      return reply(response);
    }
    case v1::master::Call::GET_MAINTENANCE_STATUS: {
      v1::master::Response response;
      response.set_type(v1::master::Response::GET_MAINTENANCE_STATUS);
      *response.mutable_get_maintenance_status()->mutable_status() = cluster_.maintenance_status();
      return reply(response);
    }
    case v1::master::Call::UPDATE_MAINTENANCE_SCHEDULE:
      if (!call.has_update_maintenance_schedule()) {
        return missing("update_maintenance_schedule");
      }
      return result_response(
          cluster_.update_schedule(call.update_maintenance_schedule().schedule(), now));
    case v1::master::Call::START_MAINTENANCE:
      if (!call.has_start_maintenance()) {
        return missing("start_maintenance");
      }
      return result_response(cluster_.start_maintenance(
          {call.start_maintenance().machines().begin(), call.start_maintenance().machines().end()},
          now));
    case v1::master::Call::STOP_MAINTENANCE:
      if (!call.has_stop_maintenance()) {
        return missing("stop_maintenance");
      }
      return result_response(cluster_.stop_maintenance(
          {call.stop_maintenance().machines().begin(), call.stop_maintenance().machines().end()},
          now));
    default:
      return responses::text(501, "mesos-sim does not implement the operator call " +
                                      v1::master::Call::Type_Name(call.type()));
  }
}

}  // namespace iof::sim
