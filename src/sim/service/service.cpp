// Routing, event streams and the read-only endpoints.
#include "iof/sim/service.hpp"

#include <boost/json/object.hpp>

#include "iof/wire/json.hpp"

#include "responses.hpp"

namespace iof::sim {

MasterService::MasterService(Cluster cluster, ServiceOptions options, Clock clock)
    : cluster_(std::move(cluster)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      self_(std::make_shared<MasterService*>(this)) {}

MasterService::~MasterService() {
  *self_ = nullptr;
}

void MasterService::on_change(std::function<void()> callback) {
  on_change_ = std::move(callback);
}

void MasterService::changed() {
  flush();
  if (on_change_) {
    on_change_();
  }
}

http::Reply MasterService::handle(const http::Request& request) {
  const std::string_view path = request.path();
  http::Reply reply = [&]() -> http::Reply {
    if (path == "/api/v1/scheduler" || path == "/master/api/v1/scheduler") {
      ++scheduler_calls_;
      return scheduler(request);
    }
    if (path == "/maintenance/schedule" || path == "/master/maintenance/schedule") {
      return maintenance_schedule(request);
    }
    if (path == "/maintenance/status" || path == "/master/maintenance/status") {
      return maintenance_status(request);
    }
    if (path == "/machine/down" || path == "/master/machine/down") {
      return machines(request, true);
    }
    if (path == "/machine/up" || path == "/master/machine/up") {
      return machines(request, false);
    }
    if (path == "/api/v1" || path == "/master/api/v1") {
      return operator_api(request);
    }
    if (path == "/state" || path == "/master/state" || path == "/state.json" ||
        path == "/master/state.json") {
      return state(request);
    }
    if (path == "/metrics/snapshot") {
      return metrics(request);
    }
    if (path == "/sim/fail_task") {
      return fail_task(request);
    }
    if (path.starts_with("/sim/")) {
      return faults(request);
    }
    if (path == "/health" || path == "/master/health") {
      return responses::empty(200);
    }
    if (path == "/redirect" || path == "/master/redirect") {
      http::Response response = responses::empty(307);
      const auto& info = cluster_.master_info();
      std::string target = "//" + info.hostname() + ":" + std::to_string(info.port());
      if (options_.leader && *options_.leader != "none") {
        target = "//" + *options_.leader;
      }
      response.headers.push_back({"Location", target});
      return response;
    }
    return responses::empty(404);
  }();
  changed();
  return reply;
}

std::optional<http::Response> MasterService::not_leader(const http::Request& request) const {
  if (!options_.leader) {
    if (clock_() < unavailable_until_) {
      return responses::text(503, "Master has not finished recovery");
    }
    return std::nullopt;
  }
  if (*options_.leader == "none") {
    return responses::text(503, "No leader elected");
  }
  // libprocess delegates /x to /master/x, and the redirect names the rewritten path.
  std::string path(request.path());
  if (!path.starts_with("/master/")) {
    path = "/master" + path;
  }
  std::string location = "//" + *options_.leader + path;
  if (!request.query().empty()) {
    location += "?" + std::string(request.query());
  }
  http::Response response = responses::empty(307);
  response.headers.push_back({"Location", location});
  return response;
}

void MasterService::task_started(const std::string& framework_id, const std::string& task_id) {
  cluster_.task_started(framework_id, task_id, clock_());
  changed();
}

void MasterService::task_exited(const std::string& framework_id, const std::string& task_id,
                                mesos::v1::TaskState state, const std::string& message) {
  cluster_.task_exited(framework_id, task_id, state, message, clock_());
  changed();
}

void MasterService::health_checked(const std::string& framework_id, const std::string& task_id,
                                   bool passed) {
  cluster_.health_checked(framework_id, task_id, passed, clock_());
  changed();
}

void MasterService::tick() {
  cluster_.advance(clock_());
  changed();
}

std::optional<Time> MasterService::next_wakeup() const {
  return cluster_.next_wakeup();
}

void MasterService::flush() {
  for (auto& outgoing : cluster_.take_outbox()) {
    auto found = streams_.find(outgoing.connection);
    if (found == streams_.end()) {
      continue;  // the stream is already gone
    }
    Stream& stream = found->second;
    if (!outgoing.event) {
      stream.close_requested = true;
      if (stream.sink) {
        stream.sink->close();
      }
      continue;
    }
    if (stream.close_requested) {
      continue;
    }
    std::string chunk = outgoing.event->record(stream.type);
    if (stream.sink) {
      stream.sink->send(std::move(chunk));
    } else {
      stream.waiting.push_back(std::move(chunk));
    }
  }
}

void MasterService::close_streams() {
  for (auto& [connection, stream] : streams_) {
    stream.close_requested = true;
    if (stream.sink) {
      stream.sink->close();
    }
  }
}

http::Reply MasterService::state(const http::Request& request) {
  if (request.method != "GET") {
    return responses::method_not_allowed({"GET"}, request.method);
  }
  return responses::body(cluster_.state_json(), "application/json");
}

http::Reply MasterService::metrics(const http::Request& request) {
  if (request.method != "GET") {
    return responses::method_not_allowed({"GET"}, request.method);
  }
  auto figures = cluster_.metrics(clock_());
  // Every request to the scheduler endpoint, whatever its answer: what a framework costs the
  // master in HTTP calls.
  figures["sim/scheduler_calls"] = static_cast<double>(scheduler_calls_);
  return responses::body(wire::json::write_metrics(figures), "application/json");
}

// Emulator-only: POST {"framework_id":"...","task_id":"..."} makes that task's command fail.
http::Reply MasterService::fail_task(const http::Request& request) {
  if (request.method != "POST") {
    return responses::method_not_allowed({"POST"}, request.method);
  }
  auto parsed = wire::json::parse(request.body);
  if (!parsed || !parsed->is_object() || !parsed->as_object().contains("framework_id") ||
      !parsed->as_object().contains("task_id") ||
      !parsed->as_object().at("framework_id").is_string() ||
      !parsed->as_object().at("task_id").is_string()) {
    return responses::text(400, "Expecting {\"framework_id\":\"...\",\"task_id\":\"...\"}");
  }
  const auto& body = parsed->as_object();
  auto failed = cluster_.fail_task(std::string(body.at("framework_id").as_string()),
                                   std::string(body.at("task_id").as_string()), clock_());
  if (!failed) {
    return responses::text(404, failed.error().message);
  }
  return responses::empty(200);
}

}  // namespace iof::sim
