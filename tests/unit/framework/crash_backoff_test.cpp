// Crash-loop backoff per slot: a slot whose task ends by itself waits 1 s, then twice as long
// after each failure in a row up to the cap; a task ready for 5 minutes clears the count; losses
// the task did not cause relaunch at once; the backoff survives a restart; the seed keeps its
// literal relaunch.
#include <doctest/doctest.h>

#include "iof/framework/core/snapshot.hpp"

#include "core_harness.hpp"
#include "event_builders.hpp"

namespace {

using namespace iof::test::core;
using iof::framework::SlotBackoff;
using iof::framework::Snapshot;

Recovery capped(Time cap) {
  Recovery recovery;
  recovery.crash_backoff_max = cap;
  return recovery;
}

// An offer from `agent`; the seed cannot launch on a real master's offers, so give it offers
// carrying its allocation.
v1::Offer offer_for(Policy policy, const std::string& agent) {
  v1::Offer made = offer("o-" + agent, agent);
  if (policy == Policy::seed) {
    for (auto& resource : *made.mutable_resources()) {
      resource.mutable_allocation_info()->set_role("*");
    }
  }
  return made;
}

// One task on a1, RUNNING; returns its id.
std::string start_one(SchedulerState& state, Time& now) {
  now += 1s;
  state.advance(now);
  const auto started = launches(state.handle(offers({offer_for(state.policy(), "a1")})));
  REQUIRE(started.size() == 1);
  state.handle(update(started[0].first, "a1", v1::TASK_RUNNING));
  return started[0].first;
}

struct CrashLoop {
  SchedulerState state;
  Time now = t0;
  std::string task;
  std::string agent = "a1";
  int offer_count = 0;

  explicit CrashLoop(Policy policy = Policy::evacuate, Recovery recovery = {})
      : state(policy, 1, "*", TaskSpec{}, recovery) {
    state.advance(now);
    state.handle(subscribed());
    task = start_one(state, now);
  }

  // The running task exits with `state` `after` from now.
  Decision fails(Time after, v1::TaskState how = v1::TASK_FAILED) {
    now += after;
    state.advance(now);
    return state.handle(update(task, agent, how));
  }
  // An offer from a fresh agent `after` from now: the task launched on it, if any.
  std::optional<std::string> offered(Time after) {
    now += after;
    state.advance(now);
    agent = "b" + std::to_string(++offer_count);
    const auto started = launches(state.handle(offers({offer_for(state.policy(), agent)})));
    if (started.empty()) {
      return std::nullopt;
    }
    task = started[0].first;
    state.handle(update(task, agent, v1::TASK_RUNNING));
    return task;
  }
};

}  // namespace

TEST_CASE("a task that keeps failing waits 1 s, 2 s, 4 s... before each relaunch, up to the cap") {
  CrashLoop loop(Policy::evacuate, capped(4s));
  const Decision first = loop.fails(10s);
  CHECK(logs(first, "the 1st failure in a row); slot 0 waits 1secs before its next launch"));
  CHECK_FALSE(loop.offered(500ms).has_value());
  CHECK(loop.offered(500ms).has_value());  // 1 s after the failure

  loop.fails(1s);
  CHECK_FALSE(loop.offered(1900ms).has_value());
  CHECK(loop.offered(100ms).has_value());  // 2 s

  loop.fails(1s);
  CHECK_FALSE(loop.offered(3900ms).has_value());
  CHECK(loop.offered(100ms).has_value());  // 4 s

  const Decision capped_wait = loop.fails(1s);
  CHECK(logs(capped_wait, "the 4th failure in a row); slot 0 waits 4secs"));  // not 8 s
  CHECK(loop.state.crash_backoffs().at(0).failures == 4);
  CHECK(loop.state.counters().task_crashes == 4);
}

TEST_CASE("a slot waiting out its backoff wants no offers, and revives the moment it may launch") {
  CrashLoop loop;
  REQUIRE(loop.state.suppressed());  // N run, nothing to move
  loop.fails(10s);
  CHECK(loop.state.suppressed());  // the empty slot may not launch yet
  CHECK(loop.state.slots_backing_off() == 1);
  REQUIRE(loop.state.next_wakeup());
  CHECK(*loop.state.next_wakeup() == loop.now + 1s);
  const Decision due = loop.state.advance(loop.now + 1s);
  CHECK(sends(due, Call::REVIVE));
  CHECK(loop.state.slots_backing_off() == 0);
}

TEST_CASE("a task ready for 5 minutes clears its slot's count, and a crash after that waits 1 s") {
  CrashLoop loop;
  loop.fails(10s);
  REQUIRE(loop.offered(1s).has_value());
  loop.fails(10s);
  REQUIRE(loop.offered(2s).has_value());
  CHECK(loop.state.crash_backoffs().at(0).failures == 2);
  // Cleared by the clock, without an event: /state must not show an old count.
  REQUIRE(loop.state.next_wakeup());
  CHECK(*loop.state.next_wakeup() <= loop.now + 5min);
  loop.now += 4min;
  loop.state.advance(loop.now);
  CHECK(loop.state.crash_backoffs().at(0).failures == 2);
  loop.now += 1min;
  loop.state.advance(loop.now);
  CHECK(loop.state.crash_backoffs().empty());
  CHECK(logs(loop.fails(1s), "the 1st failure in a row); slot 0 waits 1secs"));
}

TEST_CASE("a failure after a long-serving run starts a new count, even before a timer cleared it") {
  iof::framework::CrashBackoff backoff{Recovery{}};
  CHECK(backoff.failed(0, std::nullopt, t0) == 1s);
  CHECK(backoff.failed(0, t0 + 1s, t0 + 10s) == 2s);
  CHECK(backoff.failed(0, t0 + 12s, t0 + 12s + 6min) == 1s);  // ready for 6 min before it failed
  CHECK(backoff.slots().at(0).failures == 1);
  // A task ready since before the slot's last failure (an old task still serving while its
  // replacement crash-loops) clears nothing.
  backoff.failed(0, std::nullopt, t0 + 20min);
  CHECK_FALSE(backoff.stayed_ready(0, t0, t0 + 30min));
  CHECK(backoff.stayed_ready(0, t0 + 21min, t0 + 26min));
  CHECK(backoff.slots().empty());
}

TEST_CASE(
    "slots back off independently: a slot that failed once is not held by one that failed "
    "three times") {
  SchedulerState state(Policy::evacuate, 2, "*", TaskSpec{});
  Time now = t0;
  state.advance(now);
  state.handle(subscribed());
  const auto started = launches(state.handle(offers({offer("o-1", "a1"), offer("o-2", "a2")})));
  REQUIRE(started.size() == 2);
  state.handle(update(started[0].first, "a1", v1::TASK_RUNNING));
  state.handle(update(started[1].first, "a2", v1::TASK_RUNNING));
  // Slot 0 (task 0 on a1) fails three times in a row: 4 s.
  std::string slot0_task = started[0].first;
  std::string slot0_agent = "a1";
  for (int round = 0; round < 3; ++round) {
    now += 10s;
    state.advance(now);
    state.handle(update(slot0_task, slot0_agent, v1::TASK_FAILED));
    now += 5s;
    state.advance(now);
    slot0_agent = "c" + std::to_string(round);
    const auto again = launches(state.handle(offers({offer("o-" + slot0_agent, slot0_agent)})));
    REQUIRE(again.size() == 1);
    slot0_task = again[0].first;
    state.handle(update(slot0_task, slot0_agent, v1::TASK_RUNNING));
  }
  // Slot 1 fails once (1 s), then slot 0 a fourth time (8 s).
  state.handle(update(started[1].first, "a2", v1::TASK_FAILED));
  state.handle(update(slot0_task, slot0_agent, v1::TASK_FAILED));
  CHECK(state.crash_backoffs().at(0).failures == 4);
  CHECK(state.crash_backoffs().at(1).failures == 1);
  now += 1s;
  state.advance(now);
  const auto refilled = launches(state.handle(offers({offer("o-d1", "d1"), offer("o-d2", "d2")})));
  CHECK(refilled.size() == 1);  // slot 1 only; slot 0 waits until 8 s
  CHECK(state.sleepers().at(refilled.at(0).second).slot == 1);
}

TEST_CASE("a task lost with its agent, drained or killed by us is not a crash") {
  CrashLoop loop;
  Event lost = update(loop.task, loop.agent, v1::TASK_LOST);
  lost.mutable_update()->mutable_status()->set_reason(v1::TaskStatus::REASON_AGENT_REMOVED);
  loop.now += 10s;
  loop.state.advance(loop.now);
  loop.state.handle(lost);
  CHECK(loop.state.crash_backoffs().empty());
  CHECK(loop.offered(0s).has_value());  // relaunched at once

  Event drained = update(loop.task, loop.agent, v1::TASK_KILLED);
  drained.mutable_update()->mutable_status()->set_reason(v1::TaskStatus::REASON_AGENT_DRAINING);
  loop.state.handle(drained);
  CHECK(loop.state.crash_backoffs().empty());
  CHECK(loop.state.counters().task_crashes == 0);
}

TEST_CASE("a task killed by its health check is a crash") {
  CrashLoop loop;
  Event killed = update(loop.task, loop.agent, v1::TASK_KILLED);
  killed.mutable_update()->mutable_status()->set_healthy(false);
  loop.now += 10s;
  loop.state.advance(loop.now);
  loop.state.handle(killed);
  CHECK(loop.state.counters().task_crashes == 1);
  CHECK_FALSE(loop.offered(0s).has_value());
}

TEST_CASE("intent backs off too, and the seed relaunches at once, as published") {
  CrashLoop intent(Policy::intent);
  intent.fails(10s);
  CHECK_FALSE(intent.offered(0s).has_value());
  CHECK(intent.offered(1s).has_value());

  CrashLoop seed(Policy::seed);
  seed.fails(10s);
  CHECK(seed.state.crash_backoffs().empty());
  CHECK(seed.offered(0s).has_value());
}

TEST_CASE("a replacement that keeps failing holds its move in backoff, and /state says why") {
  Harness h(1);
  h.start_on({"a1"});
  h.after(1s, inverse_offer("io-1", "a1", window(1h)));
  const auto replacement = launches(h.after(1s, offers({offer("o-2", "a2")})));
  REQUIRE(replacement.size() == 1);
  h.after(1s, update(replacement[0].first, "a2", v1::TASK_FAILED));
  CHECK(launches(h.after(500ms, offers({offer("o-3", "a3")}))).empty());
  const auto moves = h.state.planned_moves();
  REQUIRE(moves.size() == 1);
  CHECK(status_text(moves[0]) ==
        "its replacements keep failing; the slot is in crash-loop backoff");
  const auto retried = launches(h.after(500ms, offers({offer("o-4", "a4")})));
  REQUIRE(retried.size() == 1);
  CHECK(h.state.sleepers().at("a4").slot == h.state.sleepers().at("a1").slot);
}

TEST_CASE("the backoff survives a restart: the state file keeps each slot's count and wait") {
  CrashLoop loop;
  loop.fails(10s);
  const Snapshot saved = loop.state.snapshot();
  REQUIRE(saved.backoffs.size() == 1);
  const auto decoded = iof::framework::decode_snapshot(iof::framework::encode_snapshot(saved));
  REQUIRE(decoded.has_value());
  CHECK(*decoded == saved);

  SchedulerState restarted(Policy::evacuate, 1, "*", TaskSpec{});
  restarted.restore(*decoded);
  restarted.advance(loop.now + 500ms);
  restarted.handle(subscribed());
  CHECK(launches(restarted.handle(offers({offer("o-9", "a9")}))).empty());
  restarted.advance(loop.now + 1s);
  CHECK(launches(restarted.handle(offers({offer("o-10", "a10")}))).size() == 1);
}

TEST_CASE("state files: tasks from before slots get free slots, and a bad backoff is refused") {
  const auto old = iof::framework::decode_snapshot(
      R"({"version":1,"next_task_id":3,"tasks":[)"
      R"({"task_id":"0","agent_id":"a","unavailability_start_ns":0,"migrating":false,"slot":0},)"
      R"({"task_id":"1","agent_id":"b","unavailability_start_ns":0,"migrating":false},)"
      R"({"task_id":"2","agent_id":"c","unavailability_start_ns":0,"migrating":false,)"
      R"("replaces":"b"}]})");
  REQUIRE(old.has_value());
  CHECK(old->sleepers.at("a").slot == 0);
  CHECK(old->sleepers.at("b").slot == 1);
  CHECK(old->sleepers.at("c").slot == 1);  // the slot of the task it replaces

  for (const char* bad : {R"("backoffs":{})", R"("backoffs":[{"slot":0}])",
                          R"("backoffs":[{"slot":-1,"failures":1,"last_failure_ns":0,)"
                          R"("not_before_ns":0}])",
                          R"("backoffs":[{"slot":0,"failures":0,"last_failure_ns":0,)"
                          R"("not_before_ns":0}])"}) {
    const auto decoded = iof::framework::decode_snapshot(
        std::string(R"({"version":1,"next_task_id":0,"tasks":[],)") + bad + "}");
    CHECK_FALSE(decoded.has_value());
  }
}

TEST_CASE("a move waits out its slot's backoff only until its deadline, then tries once more") {
  // A failing replacement may be its agent's fault (seed 7008: it landed on a crash-looping
  // agent): waiting past the deadline would leave the task for the window to take.
  Recovery slow;
  slow.crash_backoff = 60s;
  SchedulerState state(Policy::evacuate, 1, "*", TaskSpec{}, slow);
  Time now = t0;
  const auto at = [&](Time when, const Event& event) {
    now = t0 + when;
    state.advance(now);
    return state.handle(event);
  };
  state.advance(now);
  state.handle(subscribed());
  REQUIRE(launches(at(1s, offers({offer("o-1", "a1")}))).size() == 1);
  at(2s, update("0", "a1", v1::TASK_RUNNING));
  at(3s, inverse_offer("io-1", "a1", window(40s)));  // deadline at 30 s (10 s lead time)
  const auto replacement = launches(at(4s, offers({offer("o-2", "a2")})));
  REQUIRE(replacement.size() == 1);
  at(5s, update(replacement[0].first, "a2", v1::TASK_FAILED));  // the slot waits until 65 s
  CHECK(launches(at(10s, offers({offer("o-3", "a3")}))).empty());
  const auto moves = state.planned_moves();
  REQUIRE(moves.size() == 1);
  CHECK(moves[0].status == iof::framework::MoveStatus::crash_backoff);
  const auto retried = launches(at(30s, offers({offer("o-4", "a4")})));
  REQUIRE(retried.size() == 1);
  CHECK(retried[0].second == "a4");
}
