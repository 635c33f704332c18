#include "endpoints.hpp"

#include <boost/asio/post.hpp>
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

http::Response leader_json(const EndpointBoard::Read& board, const EndpointContext& context) {
  boost::json::object out;
  out["self"] = context.advertise;
  if (board.election) {
    out["role"] = role_name(board.election->role);
    out["leader"] = board.election->leader ? boost::json::value(*board.election->leader)
                                           : boost::json::value(nullptr);
  } else {
    out["role"] = "leader";
    out["leader"] = context.advertise;
  }
  out["subscribed"] = board.framework != nullptr && board.framework->subscribed;
  http::Response response;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = boost::json::serialize(out);
  return response;
}

// The published metrics as of now: the uptime, and the countdown moved on since publishing.
std::map<std::string, double> metrics_now(const FrameworkView& view, const EndpointContext& context,
                                          Time now) {
  auto out = view.metrics;
  const std::string prefix = "inverse_offer_framework/";
  out[prefix + "uptime_secs"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started_at).count();
  if (auto next = out.find(prefix + "seconds_to_next_window"); next != out.end()) {
    next->second -= std::chrono::duration<double>(now - view.at).count();
  }
  return out;
}

// /state renders the whole state, which only the runtime's strand may read: it is rendered there
// and written back from the endpoint thread, while the other endpoints keep answering.
http::Reply state_reply(const std::shared_ptr<Runtime>& runtime, const EndpointContext& context) {
  http::StreamResponse reply;
  reply.headers = {{"Content-Type", "application/json"}};
  reply.on_open = [runtime, server = context.server](std::shared_ptr<http::StreamSink> sink) {
    boost::asio::post(runtime->strand(), [runtime, server, sink] {
      const Time now =
          std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
      auto body = state_json(runtime->state(), now);
      boost::asio::post(server, [sink, body = std::move(body)]() mutable {
        sink->send(std::move(body));
        sink->close();
      });
    });
  };
  return reply;
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

http::Reply serve_endpoint(const http::Request& request, const EndpointBoard::Read& board,
                           const EndpointContext& context) {
  const auto path = request.path();
  if (path == "/leader") {
    return leader_json(board, context);
  }
  if (path == "/") {
    return text(200, index_text);
  }
  const bool served =
      path == "/health" || path == "/metrics/snapshot" || path == "/metrics" || path == "/state";
  if (!served) {
    return text(404, "not found");
  }
  if (board.election && (!board.runtime || board.election->role == ha::Role::leader_calls_held)) {
    return text(503, not_leading(*board.election));
  }
  if (!board.runtime || !board.framework) {
    return text(503, "starting");
  }
  if (path == "/state") {
    return state_reply(board.runtime, context);
  }
  const Time now =
      std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
  http::Response response;
  if (path == "/metrics/snapshot") {
    response.headers = {{"Content-Type", "application/json"}};
    response.body = wire::json::write_metrics(metrics_now(*board.framework, context, now));
  } else if (path == "/metrics") {
    response.headers = {{"Content-Type", "text/plain; version=0.0.4"}};
    response.body = prometheus_text(metrics_now(*board.framework, context, now));
  } else {
    const auto& verdict = board.framework->health;
    return text(verdict.ok ? 200 : 503, verdict.reason);
  }
  return response;
}

}  // namespace iof::framework
