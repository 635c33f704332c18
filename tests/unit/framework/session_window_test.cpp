// The session's call window: calls released up to the window ahead of their answers, strictly
// in decided order, each answer (or failure) accepted for any call in flight, and the stop that
// drains them. Time is injected; nothing touches a socket.
#include <algorithm>
#include <initializer_list>
#include <set>

#include <doctest/doctest.h>

#include "session_support.hpp"

namespace iof::framework {
namespace {

using namespace session_support;

// A session like Subscribed, with its own call window.
struct Windowed {
  Session session;
  std::vector<SendCall> sent;  // every SendCall so far, in the order released
  std::set<std::uint64_t> in_flight;
  std::size_t most_in_flight = 0;

  explicit Windowed(std::size_t window, bool teardown_on_exit = false)
      : session(
            [&] {
              auto opts = options();
              opts.call_window = window;
              opts.teardown_on_exit = teardown_on_exit;
              return opts;
            }(),
            core()) {
    const auto stream = only<OpenStream>(session.start(0s)).stream;
    session.stream_opened(stream, ok(), 1s);
    const auto delivered = only<Deliver>(session.stream_data(stream, chunk(subscribed(15)), 1s));
    take(session.handle(delivered.epoch, delivered.event, 1s));
  }

  Actions take(Actions actions) {
    for (const auto& send : all<SendCall>(actions)) {
      sent.push_back(send);
      in_flight.insert(send.id);
    }
    most_in_flight = std::max(most_in_flight, in_flight.size());
    return actions;
  }
  Actions answer(std::uint64_t id, CallOutcome outcome = CallOutcome{202, ""}) {
    in_flight.erase(id);
    return take(session.call_done(id, outcome, 2s));
  }
  void updates(std::initializer_list<const char*> tasks) {
    for (const char* task : tasks) {
      take(session.handle(session.epoch(), events::update(task, "agent1", mesos::v1::TASK_RUNNING),
                          2s));
    }
  }
  std::vector<std::string> acknowledged() const {
    std::vector<std::string> out;
    for (const auto& send : sent) {
      if (send.call.type() == events::Call::ACKNOWLEDGE) {
        out.push_back(send.call.acknowledge().task_id().value());
      }
    }
    return out;
  }
};

}  // namespace

TEST_CASE("session: calls go out up to the window ahead of their answers, in decided order") {
  Windowed w(3);
  w.updates({"a", "b", "c", "d", "e"});
  // More is decided than the window holds: exactly three are out, the rest wait.
  REQUIRE(w.session.calls_pending() > 3);
  CHECK(w.in_flight.size() == 3);
  // Each answer, oldest first, lets the next one leave, until everything is answered.
  for (int guard = 0; !w.in_flight.empty() && guard < 100; ++guard) {
    w.answer(*w.in_flight.begin());
    CHECK(w.in_flight.size() == std::min<std::size_t>(3, w.session.calls_pending()));
  }
  CHECK(w.session.calls_pending() == 0);
  CHECK(w.most_in_flight == 3);
  CHECK(w.acknowledged() == std::vector<std::string>{"a", "b", "c", "d", "e"});
  // Ids grow in release order, the order the shell writes them in; all carry the stream id.
  for (std::size_t i = 1; i < w.sent.size(); ++i) {
    CHECK(w.sent[i - 1].id < w.sent[i].id);
    CHECK(w.sent[i].stream_id == "stream-1");
  }
}

TEST_CASE("session: a window of 1 waits for each answer, as before pipelining") {
  Windowed w(1);
  w.updates({"a", "b"});
  CHECK(w.in_flight.size() == 1);
  for (int guard = 0; !w.in_flight.empty() && guard < 100; ++guard) {
    w.answer(*w.in_flight.begin());
    CHECK(w.in_flight.size() <= 1);
  }
  CHECK(w.session.calls_pending() == 0);
  CHECK(w.acknowledged() == std::vector<std::string>{"a", "b"});
  CHECK(w.most_in_flight == 1);
}

TEST_CASE("session: a transport failure fails every call in flight, each handled as a failure") {
  Windowed w(64);
  w.updates({"a", "b", "c"});
  // Everything decided is out: the window is wider than the queue.
  REQUIRE(w.in_flight.size() > 3);
  CHECK(w.session.calls_pending() == w.in_flight.size());
  const std::vector<std::uint64_t> failed(w.in_flight.begin(), w.in_flight.end());
  std::size_t logged_failures = 0;
  for (const auto id : failed) {
    const auto actions = w.answer(id, CallOutcome{std::nullopt, "Connection reset by peer"});
    if (logged(actions, "failed: Connection reset by peer")) {
      ++logged_failures;
    }
    // What the core decides again goes out at once, behind the calls still out.
    CHECK(w.session.calls_pending() == w.in_flight.size());
  }
  CHECK(logged_failures == failed.size());
  // A failed id reported again changes nothing.
  CHECK(w.session.call_done(failed.front(), CallOutcome{202, ""}, 3s).empty());
  for (int guard = 0; !w.in_flight.empty() && guard < 100; ++guard) {
    w.answer(*w.in_flight.begin());
  }
  CHECK(w.session.calls_pending() == 0);
}

TEST_CASE("session: an answer for a later call in flight before an earlier one is accepted") {
  Windowed w(64);
  w.updates({"a", "b"});
  REQUIRE(w.in_flight.size() >= 3);
  // The newest call could not connect and is reported first; the older ones still count.
  const auto newest = *w.in_flight.rbegin();
  w.answer(newest, CallOutcome{std::nullopt, "not sent: Connection refused"});
  CHECK(w.session.calls_pending() == w.in_flight.size());
  for (int guard = 0; !w.in_flight.empty() && guard < 100; ++guard) {
    w.answer(*w.in_flight.begin());
    CHECK(w.session.calls_pending() == w.in_flight.size());
  }
  CHECK(w.session.calls_pending() == 0);
}

TEST_CASE("session: stop with calls in flight sends TEARDOWN behind them and waits for all") {
  Windowed w(64, true);
  w.updates({"a", "b"});
  const auto out_before = w.in_flight.size();
  REQUIRE(out_before >= 3);
  CHECK(all<Finish>(w.take(w.session.stop(3s))).empty());
  // The TEARDOWN leaves at once, behind the calls already out.
  CHECK(w.in_flight.size() == out_before + 1);
  CHECK(w.sent.back().call.type() == events::Call::TEARDOWN);
  const auto teardown = w.sent.back().id;
  while (w.in_flight.size() > 1) {
    const auto actions = w.answer(*w.in_flight.begin());
    CHECK(all<Finish>(actions).empty());
    CHECK_FALSE(w.session.finished());
  }
  REQUIRE(*w.in_flight.begin() == teardown);
  const auto actions = w.answer(teardown);
  CHECK(all<CloseStream>(actions).size() == 1);
  CHECK(only<Finish>(actions).status == 0);
  CHECK(w.session.finished());
  CHECK_FALSE(w.session.next_wakeup());
}

}  // namespace iof::framework
