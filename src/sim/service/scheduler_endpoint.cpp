// POST /api/v1/scheduler: the real master's checks in the real order (src/master/http.cpp,
// scheduler()), then the call goes to the Cluster.
#include "iof/http/accept.hpp"
#include "iof/sim/service.hpp"
#include "iof/wire/base64.hpp"

#include "decode.hpp"
#include "responses.hpp"

namespace iof::sim {

using mesos::v1::scheduler::Call;

namespace {

constexpr const char* realm = "mesos-master-scheduler";

// The principal of a valid Basic Authorization header, or nothing.
std::optional<std::string> authenticate(const http::Request& request,
                                        const std::vector<mesos::v1::Credential>& credentials) {
  const auto header = request.header("Authorization");
  if (!header || !header->starts_with("Basic ")) {
    return std::nullopt;
  }
  auto decoded = wire::base64::decode(header->substr(6));
  if (!decoded) {
    return std::nullopt;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos || decoded->find(':', colon + 1) != std::string::npos) {
    return std::nullopt;
  }
  const std::string principal = decoded->substr(0, colon);
  const std::string secret = decoded->substr(colon + 1);
  for (const auto& credential : credentials) {
    if (credential.principal() == principal && credential.secret() == secret) {
      return principal;
    }
  }
  return std::nullopt;
}

// scheduler::call::validate, with upstream's texts.
std::optional<std::string> validate(const Call& call, const std::optional<std::string>& principal) {
  if (!call.has_type()) {
    return std::string("Expecting 'type' to be present");
  }
  if (call.type() == Call::SUBSCRIBE) {
    if (!call.has_subscribe()) {
      return std::string("Expecting 'subscribe' to be present");
    }
    const auto& info = call.subscribe().framework_info();
    // Unset on both sides reads as "" on both: equal, as upstream treats it.
    if (info.id().value() != call.framework_id().value()) {
      return std::string("'framework_id' differs from 'subscribe.framework_info.id'");
    }
    if (principal && info.has_principal() && info.principal() != *principal) {
      return "Authenticated principal '" + *principal + "' does not match principal '" +
             info.principal() + "' set in `FrameworkInfo`";
    }
    return std::nullopt;
  }
  if (call.type() == Call::UNKNOWN) {
    return std::nullopt;
  }
  if (!call.has_framework_id()) {
    return std::string("Expecting 'framework_id' to be present");
  }
  const auto expect = [](bool present, const char* field) -> std::optional<std::string> {
    if (present) {
      return std::nullopt;
    }
    return std::string("Expecting '") + field + "' to be present";
  };
  switch (call.type()) {
    case Call::ACCEPT:
      return expect(call.has_accept(), "accept");
    case Call::DECLINE:
      return expect(call.has_decline(), "decline");
    case Call::ACCEPT_INVERSE_OFFERS:
      return expect(call.has_accept_inverse_offers(), "accept_inverse_offers");
    case Call::DECLINE_INVERSE_OFFERS:
      return expect(call.has_decline_inverse_offers(), "decline_inverse_offers");
    case Call::KILL:
      return expect(call.has_kill(), "kill");
    case Call::SHUTDOWN:
      return expect(call.has_shutdown(), "shutdown");
    case Call::ACKNOWLEDGE:
      if (!call.has_acknowledge()) {
        return std::string("Expecting 'acknowledge' to be present");
      }
      if (call.acknowledge().uuid().size() != 16) {
        return "Invalid UUID: expected 16 bytes, got " +
               std::to_string(call.acknowledge().uuid().size());
      }
      return std::nullopt;
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
      if (!call.has_acknowledge_operation_status()) {
        return std::string("Expecting 'acknowledge_operation_status' to be present");
      }
      return std::nullopt;
    case Call::RECONCILE:
      return expect(call.has_reconcile(), "reconcile");
    case Call::RECONCILE_OPERATIONS:
      return expect(call.has_reconcile_operations(), "reconcile_operations");
    case Call::MESSAGE:
      return expect(call.has_message(), "message");
    case Call::REQUEST:
      return expect(call.has_request(), "request");
    case Call::UPDATE_FRAMEWORK:
      if (!call.has_update_framework()) {
        return std::string("Expecting 'update_framework' to be present");
      }
      if (call.update_framework().framework_info().id().value() != call.framework_id().value()) {
        return std::string("'framework_id' differs from 'update_framework.framework_info.id'");
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

http::Reply MasterService::scheduler(const http::Request& request) {
  std::optional<std::string> principal;
  if (options_.authenticate_frameworks) {
    principal = authenticate(request, options_.credentials);
    if (!principal) {
      http::Response response = responses::text(401, "401 Unauthorized.");
      response.headers.insert(response.headers.begin(),
                              {"WWW-Authenticate", std::string("Basic realm=\"") + realm + "\""});
      return response;
    }
  }
  if (auto redirect = not_leader(request)) {
    return *redirect;
  }
  if (request.method != "POST") {
    return responses::method_not_allowed({"POST"}, request.method);
  }
  Call call;
  if (auto error = read_call(request, call)) {
    return *error;
  }
  if (auto error = validate(call, principal)) {
    return responses::text(400, "Failed to validate scheduler::Call: " + *error);
  }

  if (call.type() == Call::SUBSCRIBE) {
    const auto accepted = http::negotiate(request.header("Accept"));
    if (!accepted) {
      return responses::text(
          406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    }
    if (request.header("Mesos-Stream-Id")) {
      return responses::text(400,
                             "Subscribe calls should not include the 'Mesos-Stream-Id' header");
    }
    // The stream exists before the subscription runs, so that its first events queue up in it.
    const ConnectionId connection = cluster_.subscribe(call, principal, clock_());
    Stream& stream = streams_[connection];
    stream.type = *accepted;
    flush();

    http::StreamResponse response;
    response.headers = {{"Mesos-Stream-Id", cluster_.stream_id(connection)},
                        {"Content-Type", std::string(wire::media_type(*accepted))}};
    response.initial_chunks = std::exchange(stream.waiting, {});
    std::weak_ptr<MasterService*> self = self_;
    response.on_open = [self, connection](std::shared_ptr<http::StreamSink> sink) {
      auto service = self.lock();
      if (!service || *service == nullptr) {
        return;
      }
      auto found = (*service)->streams_.find(connection);
      if (found == (*service)->streams_.end()) {
        return;
      }
      Stream& opened = found->second;
      opened.sink = std::move(sink);
      for (auto& chunk : std::exchange(opened.waiting, {})) {
        opened.sink->send(std::move(chunk));
      }
      if (opened.close_requested) {
        opened.sink->close();
      }
    };
    response.on_closed = [self, connection]() {
      auto service = self.lock();
      if (!service || *service == nullptr) {
        return;
      }
      MasterService& owner = **service;
      owner.streams_.erase(connection);
      owner.cluster_.disconnected(connection, owner.clock_());
      owner.changed();
    };
    return response;
  }

  // Every other call names a framework that must be subscribed on this stream.
  const std::string& id = call.framework_id().value();
  const FrameworkState state = cluster_.framework_state(id);
  if (state == FrameworkState::unknown || state == FrameworkState::removed) {
    return responses::text(400, "Framework cannot be found");
  }
  if (principal) {
    const auto framework_principal = cluster_.framework_principal(id);
    if (framework_principal != principal) {
      return responses::text(400, "Authenticated principal '" + *principal +
                                      "' does not match principal '" +
                                      framework_principal.value_or("") + "' used to subscribe");
    }
  }
  if (state != FrameworkState::connected) {
    return responses::text(403, "Framework is not subscribed");
  }
  const auto stream_id = request.header("Mesos-Stream-Id");
  if (!stream_id) {
    return responses::text(400,
                           "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
  }
  if (*stream_id != cluster_.framework_stream_id(id)) {
    return responses::text(400, "The stream ID '" + std::string(*stream_id) +
                                    "' included in this request didn't match the stream ID "
                                    "currently associated with framework ID " +
                                    id);
  }
  if (call.type() == Call::UNKNOWN) {
    return responses::text(501, "Received an unexpected 'UNKNOWN' call");
  }
  if (call.type() == Call::UPDATE_FRAMEWORK) {
    if (auto updated = cluster_.update_framework(call, clock_()); !updated) {
      return responses::text(400, updated.error().message);
    }
    return responses::empty(200);
  }
  cluster_.handle(call, clock_());
  return responses::empty(202);
}

}  // namespace iof::sim
