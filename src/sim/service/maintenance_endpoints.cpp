// Maintenance over HTTP: the legacy endpoints (/master/maintenance/schedule, .../status,
// /master/machine/down and /up) and the v1 operator calls on /api/v1 (maintenance, and agent
// draining). The legacy endpoints and the v1 calls reach the same Cluster functions, as both
// reach the same internal functions on a real master.
#include <boost/json/value.hpp>

#include "iof/http/accept.hpp"
#include "iof/sim/service.hpp"
#include "iof/wire/json.hpp"

#include "decode.hpp"
#include "mesos/v1/master/master.pb.h"
#include "responses.hpp"

namespace iof::sim {

namespace v1 = mesos::v1;
namespace json = wire::json;

namespace {

http::Response result_response(const Result<void>& result) {
  if (!result) {
    return responses::text(400, result.error().message);
  }
  return responses::empty(200);
}

http::Response operator_response(const std::optional<OperatorError>& error) {
  if (error) {
    return responses::text(error->status, error->message);
  }
  return responses::empty(200);
}

// master::call::validate: the call's own message must be present.
std::optional<std::string> missing_field(const v1::master::Call& call) {
  using Call = v1::master::Call;
  const auto need = [](bool present, const char* field) {
    return present ? std::nullopt : std::optional<std::string>(field);
  };
  switch (call.type()) {
    case Call::UPDATE_MAINTENANCE_SCHEDULE:
      return need(call.has_update_maintenance_schedule(), "update_maintenance_schedule");
    case Call::START_MAINTENANCE:
      return need(call.has_start_maintenance(), "start_maintenance");
    case Call::STOP_MAINTENANCE:
      return need(call.has_stop_maintenance(), "stop_maintenance");
    case Call::DRAIN_AGENT:
      return need(call.has_drain_agent(), "drain_agent");
    case Call::DEACTIVATE_AGENT:
      return need(call.has_deactivate_agent(), "deactivate_agent");
    case Call::REACTIVATE_AGENT:
      return need(call.has_reactivate_agent(), "reactivate_agent");
    default:
      return std::nullopt;
  }
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
  // The call is validated before the Accept header is looked at.
  if (auto field = missing_field(call)) {
    return responses::text(
        400, "Failed to validate master::Call: Expecting '" + *field + "' to be present");
  }
  const auto accepted = http::negotiate(request.header("Accept"));
  if (!accepted) {
    return responses::text(
        406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
  }
  const auto reply = [&](const v1::master::Response& response) {
    return responses::body(wire::encode(response, *accepted),
                           std::string(wire::media_type(*accepted)));
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
      return result_response(
          cluster_.update_schedule(call.update_maintenance_schedule().schedule(), now));
    case v1::master::Call::START_MAINTENANCE:
      return result_response(cluster_.start_maintenance(
          {call.start_maintenance().machines().begin(), call.start_maintenance().machines().end()},
          now));
    case v1::master::Call::STOP_MAINTENANCE:
      return result_response(cluster_.stop_maintenance(
          {call.stop_maintenance().machines().begin(), call.stop_maintenance().machines().end()},
          now));
    case v1::master::Call::DRAIN_AGENT: {
      const auto& drain = call.drain_agent();
      std::optional<Duration> max_grace_period;
      if (drain.has_max_grace_period()) {
        max_grace_period = std::chrono::seconds(drain.max_grace_period().seconds()) +
                           std::chrono::nanoseconds(drain.max_grace_period().nanos());
      }
      return operator_response(
          cluster_.drain_agent(drain.agent_id().value(), max_grace_period, drain.mark_gone(), now));
    }
    case v1::master::Call::DEACTIVATE_AGENT:
      return operator_response(
          cluster_.deactivate_agent(call.deactivate_agent().agent_id().value()));
    case v1::master::Call::REACTIVATE_AGENT:
      return operator_response(
          cluster_.reactivate_agent(call.reactivate_agent().agent_id().value()));
    default:
      return responses::text(501, "mesos-sim does not implement the operator call " +
                                      v1::master::Call::Type_Name(call.type()));
  }
}

}  // namespace iof::sim
