#pragma once

// What the session's tests share: a session's options and core, picking actions of one kind,
// and a session subscribed to the first master.
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/session.hpp"
#include "iof/wire/recordio.hpp"

#include "event_builders.hpp"

namespace iof::framework::session_support {

using namespace std::chrono_literals;
using namespace session;
namespace events = test::events;

inline const Endpoint first{false, "10.0.0.1", "5050"};
inline const Endpoint second{false, "10.0.0.2", "5050"};

inline SessionOptions options(std::vector<Endpoint> masters = {first, second}) {
  SessionOptions out;
  out.framework.set_user("root");
  out.framework.set_name("test");
  out.masters = std::move(masters);
  out.backoff_seed = 7;
  return out;
}

inline SchedulerState core() {
  return SchedulerState(Policy::evacuate, 1, "*", TaskSpec{});
}

template <class T>
std::vector<T> all(const Actions& actions) {
  std::vector<T> out;
  for (const auto& action : actions) {
    if (const auto* found = std::get_if<T>(&action)) {
      out.push_back(*found);
    }
  }
  return out;
}

template <class T>
T only(const Actions& actions) {
  const auto found = all<T>(actions);
  REQUIRE(found.size() == 1);
  return found.front();
}

inline bool logged(const Actions& actions, std::string_view text) {
  for (const auto& line : all<Log>(actions)) {
    if (line.text.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

inline std::string chunk(const events::Event& event) {
  return wire::recordio::encode(event.SerializeAsString());
}

inline events::Event subscribed(double heartbeat) {
  auto event = events::subscribed();
  event.mutable_subscribed()->set_heartbeat_interval_seconds(heartbeat);
  return event;
}

inline StreamHead ok(std::string stream_id = "stream-1") {
  StreamHead head;
  head.stream_id = std::move(stream_id);
  return head;
}

// A session subscribed to `first` at t = 1 s, with the SUBSCRIBED delivered and handled.
struct Subscribed {
  Session session{options(), core()};
  std::uint64_t stream = 0;
  Actions received;  // from the SUBSCRIBED's bytes
  Actions handled;   // from handling it

  explicit Subscribed(double heartbeat = 15) {
    stream = only<OpenStream>(session.start(0s)).stream;
    session.stream_opened(stream, ok(), 1s);
    received = session.stream_data(stream, chunk(subscribed(heartbeat)), 1s);
    const auto delivered = only<Deliver>(received);
    handled = session.handle(delivered.epoch, delivered.event, 1s);
  }
};

}  // namespace iof::framework::session_support
