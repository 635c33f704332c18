// The session state machine, transition by transition: what the shell is asked to do after each
// response head, stream byte, call answer and tick. Time is injected; nothing touches a socket.
#include "iof/framework/session.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include "iof/wire/recordio.hpp"

#include "event_builders.hpp"
#include "session_support.hpp"

namespace iof::framework {

using namespace session_support;

namespace {

// Starts `session` and reads it a SUBSCRIBED event: what it delivers to be handled.
Deliver start_and_subscribe(Session& session) {
  const auto stream = only<OpenStream>(session.start(0s)).stream;
  session.stream_opened(stream, ok(), 0s);
  return only<Deliver>(session.stream_data(stream, chunk(subscribed(15)), 0s));
}

}  // namespace

TEST_CASE("session: the first SUBSCRIBE goes to the first master, with the framework's info") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  CHECK(open.target == first);
  CHECK(open.subscribe.type() == events::Call::SUBSCRIBE);
  CHECK(open.subscribe.subscribe().framework_info().name() == "test");
  CHECK_FALSE(open.subscribe.has_framework_id());
}

TEST_CASE("session: a 307 is followed at once, with the scheme of the request") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  StreamHead head;
  head.status = 307;
  head.location = "//10.0.0.9:5051/master/api/v1/scheduler";
  const auto actions = session.stream_opened(open.stream, head, 0s);
  CHECK(only<CloseStream>(actions).stream == open.stream);
  const auto next = only<OpenStream>(actions);
  CHECK(next.target == Endpoint{false, "10.0.0.9", "5051"});
  CHECK(next.stream != open.stream);
}

TEST_CASE("session: a 307 to nowhere counts as a failure of that master") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  StreamHead head;
  head.status = 307;
  head.location = "not a url";
  const auto actions = session.stream_opened(open.stream, head, 0s);
  CHECK(logged(actions, "which is not a master address"));
  CHECK(only<OpenStream>(actions).target == second);  // the next candidate, no backoff yet
}

TEST_CASE("session: 401 logs the refusal and finishes with status 1") {
  auto opts = options();
  opts.framework.set_principal("fw");
  Session session(opts, core());
  const auto open = only<OpenStream>(session.start(0s));
  StreamHead head;
  head.status = 401;
  head.body = "Unauthorized";
  const auto actions = session.stream_opened(open.stream, head, 0s);
  CHECK(logged(actions, "refused the credentials of principal 'fw' (401 Unauthorized)"));
  CHECK(only<Finish>(actions).status == 1);
  CHECK(all<OpenStream>(actions).empty());
  CHECK(session.finished());
}

TEST_CASE("session: 503 and a refused connection move on, then back off after a full round") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  StreamHead head;
  head.status = 503;
  head.body = "No leader elected";
  auto actions = session.stream_opened(open.stream, head, 0s);
  CHECK(logged(actions, "answered 503: No leader elected"));
  const auto next = only<OpenStream>(actions);
  CHECK(next.target == second);
  actions = session.stream_failed(next.stream, "Connection refused", 0s);
  CHECK(all<OpenStream>(actions).empty());
  CHECK(logged(actions, "Subscribing again in 1000 ms"));
  CHECK(session.next_wakeup() == Time{1s});
  CHECK(session.tick(999ms).empty());
  CHECK(only<OpenStream>(session.tick(1s)).target == first);
}

TEST_CASE("session: a 200 without a Mesos-Stream-Id is a failed subscription") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  StreamHead head;  // no stream id
  const auto actions = session.stream_opened(open.stream, head, 0s);
  CHECK(logged(actions, "without a Mesos-Stream-Id"));
  CHECK(only<CloseStream>(actions).stream == open.stream);
  CHECK(only<OpenStream>(actions).target == second);
  CHECK_FALSE(session.subscribed());
  CHECK(session.stream_id().empty());
}

TEST_CASE("session: SUBSCRIBED subscribes, and calls carry the stream id") {
  Subscribed s;
  CHECK(s.session.subscribed());
  CHECK(s.session.core().subscribed());
  // The core's first call after subscribing goes out with the stream id.
  auto sends = all<SendCall>(s.handled);
  REQUIRE(sends.size() == 1);
  CHECK(sends[0].stream_id == "stream-1");
  CHECK(sends[0].target == first);
}

TEST_CASE("session: a call answered 4xx or lost is logged and the queue moves on") {
  Subscribed s;
  const auto first_call = only<SendCall>(s.handled);
  auto actions = s.session.call_done(first_call.id, CallOutcome{400, "bad stream id"}, 2s);
  CHECK(logged(actions,
               events::Call::Type_Name(first_call.call.type()) + " answered 400: bad stream id"));
  CHECK(s.session.calls_pending() == 0);
  CHECK(s.session.call_done(first_call.id, CallOutcome{202, ""}, 2s).empty());  // answered twice
}

TEST_CASE(
    "session: the stream ending backs off one second and then subscribes to the same master") {
  Subscribed s;
  const auto actions = s.session.stream_ended(s.stream, "The master ended the event stream", 5s);
  CHECK(logged(actions, "Subscribing again in 1000 ms"));
  CHECK_FALSE(s.session.subscribed());
  CHECK_FALSE(s.session.core().subscribed());
  CHECK(only<OpenStream>(s.session.tick(6s)).target == first);
}

TEST_CASE("session: events and calls of an ended stream are dropped (stale epoch)") {
  Subscribed s;
  const auto old_epoch = s.session.epoch();
  const auto revive = only<SendCall>(s.handled);
  s.session.stream_ended(s.stream, "gone", 5s);
  CHECK(s.session.handle(old_epoch, events::update("a", "agent1", mesos::v1::TASK_RUNNING), 5s)
            .empty());
  // Bytes or an end reported for the old stream change nothing.
  CHECK(s.session.stream_data(s.stream, chunk(events::subscribed()), 5s).empty());
  CHECK(s.session.stream_ended(s.stream, "gone again", 5s).empty());
  CHECK(s.session.call_done(revive.id, CallOutcome{202, ""}, 5s).empty());
}

TEST_CASE("session: a stream silent for heartbeat_misses intervals is closed") {
  Subscribed s(2);
  CHECK(s.session.heartbeat_seconds() == 2);
  CHECK(s.session.next_wakeup() == Time{11s});  // 1 s + 5 x 2 s
  CHECK(all<CloseStream>(s.session.tick(10s)).empty());
  s.session.stream_data(s.stream, chunk([] {
                          events::Event heartbeat;
                          heartbeat.set_type(events::Event::HEARTBEAT);
                          return heartbeat;
                        }()),
                        10s);
  CHECK(s.session.next_wakeup() == Time{20s});
  const auto actions = s.session.tick(20s);
  CHECK(only<CloseStream>(actions).stream == s.stream);
  CHECK(logged(actions, "the event stream is dead"));
  CHECK_FALSE(s.session.subscribed());
}

TEST_CASE("session: before SUBSCRIBED a stream may be silent one second") {
  Session session(options(), core());
  const auto open = only<OpenStream>(session.start(0s));
  session.stream_opened(open.stream, ok(), 0s);
  CHECK(session.next_wakeup() == Time{1s});
  const auto actions = session.tick(1s);
  CHECK(only<CloseStream>(actions).stream == open.stream);
  CHECK(only<OpenStream>(actions).target == second);
}

TEST_CASE("session: a huge or broken heartbeat interval is clamped, with a warning") {
  CHECK(clamp_heartbeat(15).seconds == 15);
  CHECK_FALSE(clamp_heartbeat(15).warning);
  CHECK(clamp_heartbeat(1e300).seconds == 3600);
  CHECK(clamp_heartbeat(1e300).warning);
  CHECK(clamp_heartbeat(std::numeric_limits<double>::infinity()).seconds == 15);
  CHECK(clamp_heartbeat(std::nan("")).seconds == 15);
  CHECK(clamp_heartbeat(-1).seconds == 15);
  CHECK(clamp_heartbeat(0.001).seconds == doctest::Approx(0.1));

  // 1e300 used to overflow the liveness timeout and drop the stream every second.
  Subscribed s(1e300);
  CHECK(logged(s.received, "heartbeat interval of 1e+300 s"));
  CHECK(s.session.heartbeat_seconds() == 3600);
  for (const Time at : {Time{2s}, Time{5min}, Time{4h}}) {
    CHECK(all<CloseStream>(s.session.tick(at)).empty());
    CHECK(s.session.subscribed());
  }
  CHECK(only<CloseStream>(s.session.tick(Time{5h + 1s})).stream == s.stream);
}

TEST_CASE("session: undecodable framing ends the stream") {
  Subscribed s;
  const auto actions = s.session.stream_data(s.stream, "x\n", 3s);
  CHECK(logged(actions, "Undecodable event stream"));
  CHECK(only<CloseStream>(actions).stream == s.stream);
  CHECK_FALSE(s.session.subscribed());
}

TEST_CASE("session: stop while backing off finishes at once") {
  Session session(options({first}), core());
  const auto open = only<OpenStream>(session.start(0s));
  session.stream_failed(open.stream, "refused", 0s);
  const auto actions = session.stop(0s);
  CHECK(only<Finish>(actions).status == 0);
  CHECK(all<CloseStream>(actions).empty());
}

TEST_CASE("session: a LAUNCH waits for the state file, and a failed write exits before it leaves") {
  auto opts = options();
  opts.persist = true;
  Session session(opts, core());
  const auto delivered = start_and_subscribe(session);
  auto actions = session.handle(delivered.epoch, delivered.event, 0s);
  // The framework id changed the snapshot, but a RECONCILE does nothing a restart must know of:
  // it leaves at once, and the write comes save_delay later.
  CHECK(all<SaveState>(actions).empty());
  const auto reconcile = only<SendCall>(actions);
  CHECK(reconcile.call.type() == events::Call::RECONCILE);
  session.call_done(reconcile.id, CallOutcome{202, ""}, 0s);
  CHECK(session.next_wakeup() <= Time{opts.save_delay});
  actions = session.tick(opts.save_delay);
  const auto save = only<SaveState>(actions);
  CHECK(save.snapshot.framework_id == events::framework);
  session.persisted(save.version, {}, opts.save_delay);

  // An offer: the LAUNCH changes the snapshot and is held for it, and the write fails.
  actions = session.handle(session.epoch(), events::offers({events::offer("o1", "agent1")}), 2s);
  const auto second_save = only<SaveState>(actions);
  CHECK(all<SendCall>(actions).empty());
  actions = session.persisted(second_save.version, Error{"disk full"}, 2s);
  CHECK(logged(actions, "disk full"));
  CHECK(all<SendCall>(actions).empty());
  CHECK(only<Finish>(actions).status == 1);
}

TEST_CASE(
    "session: an update's ACKNOWLEDGE does not wait for the state file, and a stop writes it") {
  auto opts = options();
  opts.persist = true;
  Session session(opts, core());
  const auto delivered = start_and_subscribe(session);
  for (const auto& call : all<SendCall>(session.handle(delivered.epoch, delivered.event, 0s))) {
    session.call_done(call.id, CallOutcome{202, ""}, 0s);
  }
  auto actions =
      session.handle(session.epoch(), events::offers({events::offer("o1", "agent1")}), 500ms);
  const auto save = only<SaveState>(actions);
  actions = session.persisted(save.version, {}, 500ms);
  const auto sent = all<SendCall>(actions);
  const auto accept = std::find_if(sent.begin(), sent.end(), [](const SendCall& send) {
    return send.call.type() == events::Call::ACCEPT;
  });
  REQUIRE(accept != sent.end());
  for (const auto& call : sent) {
    session.call_done(call.id, CallOutcome{202, ""}, 500ms);
  }
  const std::string task =
      accept->call.accept().operations(0).launch().task_infos(0).task_id().value();

  // RUNNING changes the snapshot (the task's state, a lead-time sample): its ACKNOWLEDGE leaves
  // now, and one write a save_delay later holds it and every change until then.
  actions =
      session.handle(session.epoch(), events::update(task, "agent1", mesos::v1::TASK_RUNNING), 3s);
  CHECK(all<SaveState>(actions).empty());
  const auto ack = only<SendCall>(actions);
  CHECK(ack.call.type() == events::Call::ACKNOWLEDGE);
  session.call_done(ack.id, CallOutcome{202, ""}, 3s);
  CHECK(session.next_wakeup() <= Time{3s + opts.save_delay});

  // Stopping before then: the change is written before the process finishes.
  actions = session.stop(3s);
  CHECK(all<Finish>(actions).empty());
  const auto last = only<SaveState>(actions);
  CHECK(last.version == session.core().version());
  actions = session.persisted(last.version, {}, 3s);
  CHECK(only<Finish>(actions).status == 0);
}

TEST_CASE("session: ZooKeeper naming a new leader moves the stream there at once") {
  Session session(options({}), core());
  CHECK(session.start(0s).empty());  // nobody to ask yet
  auto actions = session.leader_changed(first, "", 0s);
  const auto open = only<OpenStream>(actions);
  CHECK(open.target == first);
  session.stream_opened(open.stream, ok(), 0s);
  actions = session.leader_changed(second, "", 1s);
  CHECK(only<CloseStream>(actions).stream == open.stream);
  CHECK(only<OpenStream>(actions).target == second);
  // No leader: the working stream is kept.
  actions = session.leader_changed(std::nullopt, "no leader", 2s);
  CHECK(logged(actions, "ZooKeeper: no leader"));
  CHECK(all<CloseStream>(actions).empty());
}

}  // namespace iof::framework
