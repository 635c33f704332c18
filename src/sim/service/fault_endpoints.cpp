// Emulator-only fault controls for tests: what a real cluster does to a framework's connection,
// and agents whose machines die.
#include <boost/json/object.hpp>

#include "iof/sim/service.hpp"
#include "iof/wire/json.hpp"

#include "responses.hpp"

namespace iof::sim {

namespace {

// The body of a fault call as a JSON object, or the 400 that says what was expected.
std::variant<boost::json::object, http::Response> object_body(const http::Request& request,
                                                              std::string_view expected) {
  auto parsed = wire::json::parse(request.body.empty() ? std::string("{}") : request.body);
  if (!parsed || !parsed->is_object()) {
    return responses::text(400, "Expecting " + std::string(expected));
  }
  return parsed->as_object();
}

}  // namespace

http::Reply MasterService::faults(const http::Request& request) {
  if (request.method != "POST") {
    return responses::method_not_allowed({"POST"}, request.method);
  }
  const std::string_view path = request.path();
  if (path == "/sim/streams/drop" || path == "/sim/streams/stall") {
    // Every open scheduler stream: a dropped one ends as a lost connection does; a stalled one
    // stays open and silent, the way a partitioned master looks to its frameworks.
    const bool drop = path == "/sim/streams/drop";
    std::size_t affected = 0;
    for (auto& [connection, stream] : streams_) {
      if (!stream.sink || stream.sink->closed()) {
        continue;
      }
      drop ? stream.sink->close() : stream.sink->stall();
      ++affected;
    }
    return responses::body("{\"streams\":" + std::to_string(affected) + "}", "application/json");
  }
  if (path == "/sim/unavailable") {
    auto body = object_body(request, "{\"seconds\":N}");
    if (auto* error = std::get_if<http::Response>(&body)) {
      return *error;
    }
    const auto& object = std::get<boost::json::object>(body);
    const auto* seconds = object.if_contains("seconds");
    if (seconds == nullptr || !seconds->is_number() || seconds->to_number<double>() < 0) {
      return responses::text(400, "Expecting {\"seconds\":N} with N >= 0");
    }
    unavailable_until_ = clock_() + std::chrono::duration_cast<Time>(std::chrono::duration<double>(
                                        seconds->to_number<double>()));
    // A master that restarts its recovery drops its frameworks' connections.
    close_streams();
    return responses::empty(200);
  }
  if (path == "/sim/agents/disconnect") {
    // The agent's machine dies without notice; the master marks it unreachable once its pings
    // time out. The answer says when.
    constexpr const char* expected = "{\"agent_id\":\"...\"}";
    auto body = object_body(request, expected);
    if (auto* error = std::get_if<http::Response>(&body)) {
      return *error;
    }
    const auto& object = std::get<boost::json::object>(body);
    const auto* agent_id = object.if_contains("agent_id");
    if (agent_id == nullptr || !agent_id->is_string()) {
      return responses::text(400, "Expecting " + std::string(expected));
    }
    auto disconnected = cluster_.disconnect_agent(std::string(agent_id->as_string()), clock_());
    if (!disconnected) {
      return responses::text(404, disconnected.error().message);
    }
    std::string answer = "{\"unreachable_in_secs\":";
    wire::json::append_double(
        std::chrono::duration_cast<std::chrono::duration<double>>(*disconnected).count(), answer);
    return responses::body(answer + "}", "application/json");
  }
  if (path == "/sim/tasks/health") {
    // A task's service (or every one on an agent) starts failing its health checks, or answers
    // them again; the agents' checkers notice at their next checks.
    constexpr const char* expected =
        "{\"framework_id\":\"...\",\"task_id\":\"...\",\"healthy\":BOOL} or "
        "{\"agent_id\":\"...\",\"healthy\":BOOL}";
    auto body = object_body(request, expected);
    if (auto* error = std::get_if<http::Response>(&body)) {
      return *error;
    }
    const auto& object = std::get<boost::json::object>(body);
    const auto text = [&](const char* key) -> std::optional<std::string> {
      const auto* value = object.if_contains(key);
      if (value == nullptr) {
        return std::string();
      }
      if (!value->is_string()) {
        return std::nullopt;
      }
      return std::string(value->as_string());
    };
    const auto framework_id = text("framework_id");
    const auto task_id = text("task_id");
    const auto agent_id = text("agent_id");
    const auto* healthy = object.if_contains("healthy");
    const bool one_task = framework_id && task_id && agent_id && !framework_id->empty() &&
                          !task_id->empty() && agent_id->empty();
    const bool one_agent = agent_id && !agent_id->empty() && task_id && task_id->empty();
    if (healthy == nullptr || !healthy->is_bool() || !framework_id || one_task == one_agent) {
      return responses::text(400, "Expecting " + std::string(expected));
    }
    auto selected =
        cluster_.set_task_health({*framework_id, *task_id, *agent_id}, healthy->as_bool());
    if (!selected) {
      return responses::text(404, selected.error().message);
    }
    return responses::body("{\"tasks\":" + std::to_string(*selected) + "}", "application/json");
  }
  if (path == "/sim/leader") {
    auto body = object_body(request, "{\"leader\":\"HOST:PORT\"|\"none\"|null}");
    if (auto* error = std::get_if<http::Response>(&body)) {
      return *error;
    }
    const auto& object = std::get<boost::json::object>(body);
    const auto* leader = object.if_contains("leader");
    if (leader == nullptr || !(leader->is_null() || leader->is_string())) {
      return responses::text(400, "Expecting {\"leader\":\"HOST:PORT\"|\"none\"|null}");
    }
    if (leader->is_null() || leader->as_string().empty()) {
      options_.leader.reset();
    } else {
      options_.leader = std::string(leader->as_string());
      // A master that loses leadership stops serving its frameworks.
      close_streams();
    }
    return responses::empty(200);
  }
  return responses::empty(404);
}

}  // namespace iof::sim
