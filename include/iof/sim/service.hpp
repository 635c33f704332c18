#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "iof/http/message.hpp"
#include "iof/sim/cluster.hpp"
#include "iof/wire/codec.hpp"

#include "mesos/v1/mesos.pb.h"

// mesos-sim's HTTP face, still without sockets or clocks: it turns requests into Cluster calls
// with the real master's checks, in the real order and with the real texts, and the Cluster's
// events into RecordIO chunks on each framework's stream. The shell (MasterServer) gives it a
// socket, a clock and a timer.
namespace iof::sim {

struct ServiceOptions {
  // --authenticate_http_frameworks with --credentials: HTTP Basic on the scheduler endpoint.
  bool authenticate_frameworks = false;
  std::vector<mesos::v1::Credential> credentials;
  // --leader: unset, this instance leads. "HOST:PORT": a standby that redirects there.
  // "none": no leader is elected (503).
  std::optional<std::string> leader;
};

class MasterService {
 public:
  using Clock = std::function<Time()>;

  MasterService(Cluster cluster, ServiceOptions options, Clock clock);
  ~MasterService();
  MasterService(const MasterService&) = delete;
  MasterService& operator=(const MasterService&) = delete;

  http::Reply handle(const http::Request& request);

  // Runs what is due by the clock's now and sends the resulting events.
  void tick();
  std::optional<Time> next_wakeup() const;

  // Runs after anything changed the cluster (a request, a stream opening or closing, a tick):
  // the shell re-arms its timer and persists the registry there.
  void on_change(std::function<void()> callback);

  // --execute: the shell's executor reports a task's process started or ended; the resulting
  // status updates go out like any other change.
  void task_started(const std::string& framework_id, const std::string& task_id);
  void task_exited(const std::string& framework_id, const std::string& task_id,
                   mesos::v1::TaskState state, const std::string& message);
  // --execute: one probe of a task's health check passed or failed.
  void health_checked(const std::string& framework_id, const std::string& task_id, bool passed);

  // Closes every open stream, as a master that goes away does.
  void close_streams();

  Cluster& cluster() { return cluster_; }
  const Cluster& cluster() const { return cluster_; }
  Time now() const { return clock_(); }

 private:
  struct Stream {
    wire::ContentType type = wire::ContentType::json;
    std::shared_ptr<http::StreamSink> sink;  // null until the response has started
    std::vector<std::string> waiting;        // chunks produced before that
    bool close_requested = false;
  };

  http::Reply scheduler(const http::Request& request);
  http::Reply maintenance_schedule(const http::Request& request);
  http::Reply maintenance_status(const http::Request& request);
  http::Reply machines(const http::Request& request, bool down);
  http::Reply operator_api(const http::Request& request);
  http::Reply state(const http::Request& request);
  http::Reply metrics(const http::Request& request);
  http::Reply fail_task(const http::Request& request);
  // /sim/streams/drop, /sim/streams/stall, /sim/unavailable, /sim/leader,
  // /sim/agents/disconnect, /sim/tasks/health: faults for tests.
  http::Reply faults(const http::Request& request);
  // The redirect or 503 a non-leader answers with, if this instance is not the leader.
  std::optional<http::Response> not_leader(const http::Request& request) const;

  // Sends what the cluster queued for each stream.
  void flush();
  void changed();

  Cluster cluster_;
  ServiceOptions options_;
  Clock clock_;
  std::unordered_map<ConnectionId, Stream> streams_;
  std::function<void()> on_change_;
  // Until then the endpoints answer 503, as a master that is still recovering does.
  Time unavailable_until_{0};
  // Requests to /api/v1/scheduler (SUBSCRIBE and refused ones included), for sim/scheduler_calls.
  std::uint64_t scheduler_calls_ = 0;
  // Guards callbacks that outlive the service (stream open/close after destruction).
  std::shared_ptr<MasterService*> self_;
};

}  // namespace iof::sim
