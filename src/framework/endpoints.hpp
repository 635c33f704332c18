#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "iof/framework/ha/leadership.hpp"
#include "iof/framework/runtime.hpp"
#include "iof/http/message.hpp"

// The framework's own HTTP endpoints: /metrics/snapshot (the seed's), /metrics (Prometheus),
// /state, /health and /leader. With --ha_zk a standby serves /health and /leader only, naming
// the leader; the rest answer 503 there.
namespace iof::framework {

struct EndpointSources {
  std::chrono::steady_clock::time_point started_at;
  std::string advertise;  // this instance's HOST:PORT
  // The Runtime whose state is served; null while a standby.
  std::function<std::shared_ptr<Runtime>()> runtime;
  // With --ha_zk, the election's view; empty without.
  std::function<ha::View()> election;
};

http::Response serve_endpoint(const http::Request& request, const EndpointSources& sources);

}  // namespace iof::framework
