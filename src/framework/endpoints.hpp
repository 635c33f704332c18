#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "iof/framework/ha/leadership.hpp"
#include "iof/framework/runtime.hpp"
#include "iof/framework/view/state.hpp"
#include "iof/http/message.hpp"

// The framework's own HTTP endpoints: /metrics/snapshot (the seed's), /metrics (Prometheus),
// /state, /health and /leader. With --ha_zk a standby serves /health and /leader only, naming
// the leader; the rest answer 503 there.
//
// They run on a thread of their own and answer from a board the framework publishes to after its
// frames, so a large event being decided never delays them; only /state asks the runtime's
// strand, without blocking the others.
namespace iof::framework {

// What /health, /metrics and /leader serve of the framework, as of one frame.
struct FrameworkView {
  bool subscribed = false;
  Health health;
  std::map<std::string, double> metrics;  // as of `at`; uptime is added when served
  Time at{};
};

// On the strand: what the endpoints serve of `state` at `now`.
std::shared_ptr<const FrameworkView> view_of(const SchedulerState& state, Time now);

// Shared by the framework's thread, which publishes, and the endpoint thread, which reads.
class EndpointBoard {
 public:
  // A runtime's latest frame.
  void publish(const Runtime* from, std::shared_ptr<const FrameworkView> view);
  // Who is served: the leading runtime (null while a standby) and, with --ha_zk, the election.
  void set_serving(std::shared_ptr<Runtime> runtime, std::optional<ha::View> election);

  struct Read {
    std::shared_ptr<Runtime> runtime;
    std::shared_ptr<const FrameworkView> framework;  // null until `runtime` published
    std::optional<ha::View> election;
  };
  Read read() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<Runtime> runtime_;
  std::optional<ha::View> election_;
  const Runtime* published_by_ = nullptr;
  std::shared_ptr<const FrameworkView> framework_;
};

struct EndpointContext {
  std::chrono::steady_clock::time_point started_at;
  std::string advertise;  // this instance's HOST:PORT
  // The endpoint server's executor: /state's answer is written from there.
  boost::asio::any_io_executor server;
};

http::Reply serve_endpoint(const http::Request& request, const EndpointBoard::Read& board,
                           const EndpointContext& context);

}  // namespace iof::framework
