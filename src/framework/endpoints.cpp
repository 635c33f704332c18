#include "endpoints.hpp"

#include <boost/json.hpp>

#include "iof/framework/view/metrics.hpp"
#include "iof/framework/view/state.hpp"
#include "iof/wire/json.hpp"

namespace iof::framework {

namespace {

std::string_view role_name(ha::Role role) {
  switch (role) {
    case ha::Role::joining:
      return "joining";
    case ha::Role::standby:
      return "standby";
    case ha::Role::leader:
      return "leader";
    case ha::Role::leader_calls_held:
      return "leader_calls_held";
    case ha::Role::stopped:
      return "stopped";
  }
  return "unknown";
}

http::Response text(unsigned status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain"}};
  response.body = std::move(body) + "\n";
  return response;
}

// Why this instance serves no framework state, in the words /health uses.
std::string not_leading(const ha::View& view) {
  if (view.role == ha::Role::standby || (view.role == ha::Role::joining && view.leader)) {
    return "standby; leader is " + view.leader.value_or("unknown");
  }
  if (view.role == ha::Role::leader_calls_held) {
    return view.detail;
  }
  return "standby; no leader known yet" + (view.detail.empty() ? "" : " (" + view.detail + ")");
}

http::Response leader_json(const EndpointSources& sources,
                           const std::shared_ptr<Runtime>& runtime) {
  boost::json::object out;
  out["self"] = sources.advertise;
  if (sources.election) {
    const auto view = sources.election();
    out["role"] = role_name(view.role);
    out["leader"] = view.leader ? boost::json::value(*view.leader) : boost::json::value(nullptr);
  } else {
    out["role"] = "leader";
    out["leader"] = sources.advertise;
  }
  out["subscribed"] = runtime != nullptr && runtime->state().subscribed();
  http::Response response;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = boost::json::serialize(out);
  return response;
}

// What GET / answers, standby or leader: the Mesos UI's link to the framework (webui_url) lands
// here.
constexpr const char* index_text =
    "inverse-offer-framework\n"
    "  /state             tasks, agents, windows, planned moves (JSON)\n"
    "  /health            200 when subscribed with every task running\n"
    "  /leader            the instance leading, with --ha_zk (JSON)\n"
    "  /metrics           Prometheus text\n"
    "  /metrics/snapshot  the metrics as JSON";

}  // namespace

http::Response serve_endpoint(const http::Request& request, const EndpointSources& sources) {
  const auto runtime = sources.runtime();
  const auto path = request.path();
  if (path == "/leader") {
    return leader_json(sources, runtime);
  }
  if (path == "/") {
    return text(200, index_text);
  }
  if (sources.election) {
    const auto view = sources.election();
    if (!runtime || view.role == ha::Role::leader_calls_held) {
      if (path == "/health" || path == "/metrics/snapshot" || path == "/metrics" ||
          path == "/state") {
        return text(503, not_leading(view));
      }
      return text(404, "not found");
    }
  }
  http::Response response;
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sources.started_at).count();
  const Time now =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  if (path == "/metrics/snapshot") {
    response.headers = {{"Content-Type", "application/json"}};
    response.body = wire::json::write_metrics(metrics(runtime->state(), uptime, now));
  } else if (path == "/metrics") {
    response.headers = {{"Content-Type", "text/plain; version=0.0.4"}};
    response.body = prometheus_text(metrics(runtime->state(), uptime, now));
  } else if (path == "/state") {
    response.headers = {{"Content-Type", "application/json"}};
    response.body = state_json(runtime->state(), now);
  } else if (path == "/health") {
    const auto verdict = health(runtime->state());
    return text(verdict.ok ? 200 : 503, verdict.reason);
  } else {
    response.status = 404;
  }
  return response;
}

}  // namespace iof::framework
