#pragma once

// The framework's own path for one event, as the runtime runs it but without sockets: the
// session frames and decodes the stream's bytes (decode), the core decides (decide), and every
// call released is encoded for the wire and answered 202 so the next one is released (encode).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iof/framework/session.hpp"
#include "iof/wire/codec.hpp"

#include "cluster_events.hpp"

namespace iof::bench {

class FrameworkDriver {
 public:
  // A framework with the default flags and the evacuate policy, subscribed as `framework_id`.
  FrameworkDriver(wire::ContentType type, std::uint32_t num_tasks, const std::string& framework_id);

  // Feeds bytes of the event stream (RecordIO frames) and performs everything they lead to.
  void feed(std::string_view bytes);
  // Moves the framework's clock; timers that come due run with the next feed.
  void advance(std::chrono::nanoseconds by) { now_ += by; }

  const std::vector<LaunchedTask>& launched() const { return launched_; }
  std::size_t calls_sent() const { return calls_sent_; }
  std::size_t call_bytes() const { return call_bytes_; }
  const framework::Session& session() const { return session_; }

 private:
  void perform(framework::session::Actions actions);

  wire::ContentType type_;
  framework::Session session_;
  framework::Time now_;
  std::uint64_t stream_ = 0;
  std::vector<LaunchedTask> launched_;
  std::size_t calls_sent_ = 0;
  std::size_t call_bytes_ = 0;
};

// One event in RecordIO framing, encoded as `type`.
std::string frame(const mesos::v1::scheduler::Event& event, wire::ContentType type);

}  // namespace iof::bench
