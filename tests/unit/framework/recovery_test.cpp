// The core's resilience: a restarted framework adopts its tasks, reconciliation is retried until
// answered, unknown tasks are adopted or killed, KILLs are retried, offers are suppressed and
// revived. Time moves only through advance().
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"

#include "event_builders.hpp"
#include "recording_core.hpp"

using namespace iof::test::events;

namespace {

using namespace std::chrono_literals;
using iof::framework::Policy;
using iof::framework::Recovery;
using SchedulerState = iof::test::RecordingCore;
using iof::framework::Sleeper;
using iof::framework::Snapshot;
using iof::framework::TaskSpec;
using iof::framework::Time;

Event offer_event(const std::string& id, const std::string& agent) {
  return offers({offer(id, agent, 0, 4, 4096)});
}

std::vector<std::string> reconciled_ids(const Call& call) {
  std::vector<std::string> out;
  for (const auto& task : call.reconcile().tasks()) {
    out.push_back(task.task_id().value() + "@" + task.agent_id().value());
  }
  return out;
}

Sleeper sleeper(const std::string& id, std::int64_t window = 0) {
  Sleeper out;
  out.task_id.set_value(id);
  out.unavailability_start = window;
  return out;
}

// A framework restarted from its state file: tasks 0 and 1 on agents a and b, next id 2.
SchedulerState restarted(std::uint32_t n = 2, Recovery recovery = {}) {
  SchedulerState state(Policy::intent, n, "*", TaskSpec{}, recovery);
  Snapshot snapshot;
  snapshot.framework_id = framework;
  snapshot.next_task_id = 2;
  snapshot.sleepers = {{"a", sleeper("0")}, {"b", sleeper("1")}};
  state.restore(snapshot);
  state.advance(1000s);
  return state;
}

}  // namespace

TEST_CASE("a restarted framework reconciles its saved tasks until every one is answered") {
  SchedulerState state = restarted();
  auto decision = state.handle(subscribed());
  REQUIRE(types(decision.calls) == std::vector{Call::RECONCILE, Call::SUPPRESS});
  CHECK(reconciled_ids(decision.calls[0]) == std::vector<std::string>{"0@a", "1@b"});
  CHECK(decision.calls[0].framework_id().value() == framework);
  CHECK(state.reconciling() == 2);

  // Task 0 answers; task 1 does not: it is asked again after 5 s, then 10 s, then 20 s.
  state.handle(reconciled("0", "a", v1::TASK_RUNNING));
  REQUIRE(state.next_wakeup() == Time(1005s));
  CHECK(state.advance(1004s).calls.empty());
  decision = state.advance(1005s);
  REQUIRE(types(decision.calls) == std::vector{Call::RECONCILE});
  CHECK(reconciled_ids(decision.calls[0]) == std::vector<std::string>{"1@b"});
  CHECK(state.next_wakeup() == Time(1015s));
  decision = state.advance(1015s);
  REQUIRE(types(decision.calls) == std::vector{Call::RECONCILE});
  CHECK(state.next_wakeup() == Time(1035s));

  // The last answer completes it: an implicit reconciliation asks for tasks we do not know.
  decision = state.handle(reconciled("1", "b", v1::TASK_RUNNING));
  REQUIRE(types(decision.calls) == std::vector{Call::RECONCILE});
  // Present and empty: a RECONCILE without its body is refused by the master with a 400.
  CHECK(decision.calls[0].has_reconcile());
  CHECK(decision.calls[0].reconcile().tasks_size() == 0);
  CHECK(state.reconciling() == 0);
  CHECK(state.sleepers().size() == 2);
  // And again every --reconcile_interval (10 minutes by default).
  CHECK(state.next_wakeup() == Time(1015s + 600s));
  decision = state.advance(1015s + 600s);
  REQUIRE(types(decision.calls) == std::vector{Call::RECONCILE});
  CHECK(decision.calls[0].has_reconcile());
  CHECK(decision.calls[0].reconcile().tasks_size() == 0);
}

TEST_CASE("a saved task the master no longer has is replaced") {
  for (const auto state_name : {v1::TASK_LOST, v1::TASK_UNKNOWN, v1::TASK_GONE}) {
    CAPTURE(v1::TaskState_Name(state_name));
    SchedulerState state = restarted();
    state.handle(subscribed());
    auto decision = state.handle(reconciled("1", "b", state_name));
    // No uuid on a reconciliation answer, so nothing to acknowledge; the slot is free again and
    // suppressed offers are revived.
    CHECK(types(decision.calls) == std::vector{Call::REVIVE});
    CHECK_FALSE(state.sleepers().contains("b"));
    CHECK_FALSE(state.suppressed());
    // The replacement gets a fresh id, never one of the saved tasks'.
    decision = state.handle(offer_event("o1", "c"));
    REQUIRE(decision.calls.size() >= 1);
    REQUIRE(decision.calls[0].type() == Call::ACCEPT);
    CHECK(decision.calls[0].accept().operations(0).launch().task_infos(0).task_id().value() == "2");
  }
}

TEST_CASE("a live task this framework does not know is adopted into a free slot, else killed") {
  SchedulerState state = restarted(3);
  state.handle(subscribed());
  state.handle(reconciled("0", "a", v1::TASK_RUNNING));
  state.handle(reconciled("1", "b", v1::TASK_RUNNING));
  // A free slot on an agent without a sleeper: adopted, and ids continue past it. With it N run,
  // so offers are suppressed.
  auto decision = state.handle(reconciled("7", "c", v1::TASK_RUNNING));
  CHECK(types(decision.calls) == std::vector{Call::SUPPRESS});
  CHECK(state.sleepers().at("c").task_id.value() == "7");
  CHECK(state.counters().tasks_adopted == 1);
  CHECK(state.snapshot().next_task_id == 8);

  // N run now: another unknown task is killed, and the KILL is repeated until it is gone.
  decision = state.handle(reconciled("9", "d", v1::TASK_RUNNING));
  REQUIRE(types(decision.calls) == std::vector{Call::KILL});
  CHECK(decision.calls[0].kill().task_id().value() == "9");
  CHECK(decision.calls[0].kill().agent_id().value() == "d");
  CHECK(state.killing() == 1);
  CHECK(state.sleepers().size() == 3);
  CHECK(types(state.advance(1005s).calls) == std::vector{Call::KILL});
  CHECK(state.next_wakeup() == Time(1015s));
  CHECK(types(state.advance(1015s).calls) == std::vector{Call::KILL});
  CHECK(state.counters().kills_retried == 2);
  // Its terminal update ends the retries and frees nothing of ours.
  decision = state.handle(update("9", "d", v1::TASK_KILLED));
  CHECK(types(decision.calls) == std::vector{Call::ACKNOWLEDGE});
  CHECK(state.killing() == 0);
  CHECK(state.sleepers().size() == 3);
  CHECK(state.counters().sleepers_lost_abnormally == 0);

  // A second task on an agent that already has one of ours is killed too, even with a slot.
  SchedulerState other = restarted(5);
  other.handle(subscribed());
  CHECK(types(other.handle(update("5", "a", v1::TASK_RUNNING)).calls) ==
        std::vector{Call::ACKNOWLEDGE, Call::KILL});
}

TEST_CASE("a terminal update for another task on our agent does not free our slot") {
  SchedulerState state = restarted();
  state.handle(subscribed());
  state.handle(update("old", "a", v1::TASK_KILLED));
  CHECK(state.sleepers().contains("a"));
  CHECK(state.counters().sleepers_lost_abnormally == 0);
}

TEST_CASE("a migration's KILL is retried until the task is gone") {
  SchedulerState state(Policy::intent, 1, "*", TaskSpec{});
  state.advance(100s);
  state.handle(subscribed());
  state.handle(offer_event("o1", "a"));
  Event window;
  window.set_type(Event::INVERSE_OFFERS);
  auto* inverse = window.mutable_inverse_offers()->add_inverse_offers();
  inverse->mutable_id()->set_value("io1");
  inverse->mutable_agent_id()->set_value("a");
  inverse->mutable_unavailability()->mutable_start()->set_nanoseconds(5'000);
  state.handle(window);
  auto decision = state.handle(offer_event("o2", "b"));
  REQUIRE(types(decision.calls) == std::vector{Call::KILL, Call::ACCEPT});
  CHECK(types(state.advance(105s).calls) == std::vector{Call::KILL});
  state.handle(update("0", "a", v1::TASK_KILLED));
  CHECK(state.killing() == 0);
  CHECK(state.advance(200s).calls.empty());
  CHECK(state.migrating().empty());
}

TEST_CASE("the master removed the framework: exit 1, or start over with --allow_new_framework") {
  SchedulerState refusing = restarted();
  auto decision = refusing.handle(error("Framework has been removed"));
  REQUIRE(decision.exit);
  CHECK(decision.exit->status == 1);
  CHECK(decision.exit->message.find("removed framework fw-0000") != std::string::npos);
  CHECK(decision.exit->message.find("--allow_new_framework") != std::string::npos);

  Recovery allow;
  allow.allow_new_framework = true;
  SchedulerState state = restarted(2, allow);
  const auto before = state.version();
  decision = state.handle(error("Framework has been removed"));
  CHECK_FALSE(decision.exit);
  CHECK_FALSE(state.framework_id());
  CHECK(state.sleepers().empty());
  CHECK(state.version() != before);  // the state file forgets the old framework
  CHECK(state.snapshot().next_task_id == 2);

  // Any other ERROR still ends the framework.
  SchedulerState other = restarted(2, allow);
  CHECK(other.handle(error("Framework failed over")).exit);
}

TEST_CASE("every launch changes the saved state before its ACCEPT is handed out") {
  SchedulerState state(Policy::intent, 2, "*", TaskSpec{});
  state.handle(subscribed());
  const auto before = state.version();
  const auto decision = state.handle(offer_event("o1", "a"));
  REQUIRE(types(decision.calls) == std::vector{Call::ACCEPT});
  CHECK(state.version() > before);
  const auto saved = state.snapshot();
  CHECK(saved.framework_id == framework);
  CHECK(saved.next_task_id == 1);
  REQUIRE(saved.sleepers.contains("a"));
  CHECK(saved.sleepers.at("a").task_id.value() == "0");
  // Offers that change nothing leave the version alone (no needless file writes).
  const auto after = state.version();
  state.handle(offer_event("o2", "a"));
  CHECK(state.version() == after);
}

TEST_CASE("state snapshots round-trip and damaged ones are refused with the reason") {
  Snapshot snapshot;
  snapshot.framework_id = "fw \"quoted\"";
  snapshot.next_task_id = 12;
  snapshot.sleepers = {{"a", sleeper("3", 1'700'000'000'000'000'000)}, {"b", sleeper("11")}};
  snapshot.migrating = {{"c", sleeper("4", 5)}};
  snapshot.lead_time.launches = {Time(2s), Time(3s)};
  snapshot.lead_time.kills = {Time(1s)};
  const auto text = iof::framework::encode_snapshot(snapshot);
  const auto decoded = iof::framework::decode_snapshot(text);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == snapshot);

  Snapshot empty;
  const auto empty_decoded =
      iof::framework::decode_snapshot(iof::framework::encode_snapshot(empty));
  REQUIRE(empty_decoded.has_value());
  CHECK_FALSE(empty_decoded->framework_id);

  struct Bad {
    std::string text;
    std::string reason;
  };
  for (const auto& bad : std::vector<Bad>{
           {"", "not JSON"},
           {"[]", "a JSON object"},
           {R"({"next_task_id":1,"tasks":[]})", "\"version\":1"},
           {R"({"version":2,"next_task_id":1,"tasks":[]})", "\"version\":1"},
           {R"({"version":1,"next_task_id":-1,"tasks":[]})", "next_task_id"},
           {R"({"version":1,"framework_id":"","next_task_id":1,"tasks":[]})", "framework_id"},
           {R"({"version":1,"next_task_id":1})", "\"tasks\""},
           {R"({"version":1,"next_task_id":1,"tasks":[{"task_id":"1"}]})", "each task"},
           {R"({"version":1,"next_task_id":1,"tasks":[)"
            R"({"task_id":"1","agent_id":"a","unavailability_start_ns":0,"migrating":false},)"
            R"({"task_id":"2","agent_id":"a","unavailability_start_ns":0,"migrating":true}]})",
            "two tasks on agent a"},
           {R"({"version":1,"next_task_id":1,"tasks":[],"lead_time":{"launch_ns":[-1],)"
            R"("kill_ns":[]}})",
            "\"lead_time\""},
           {R"({"version":1,"next_task_id":1,"tasks":[],"lead_time":{"launch_ns":[]}})",
            "\"lead_time\""},
       }) {
    CAPTURE(bad.text);
    const auto result = iof::framework::decode_snapshot(bad.text);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find(bad.reason) != std::string::npos);
  }
}

TEST_CASE(
    "offers are suppressed while N run with nothing to move, and revived at most once a second") {
  SchedulerState state(Policy::intent, 2, "*", TaskSpec{});
  state.advance(10s);
  state.handle(subscribed());
  CHECK(types(state.handle(offer_event("o1", "a")).calls) == std::vector{Call::ACCEPT});
  CHECK_FALSE(state.suppressed());  // one of two
  CHECK(types(state.handle(offer_event("o2", "b")).calls) ==
        std::vector{Call::ACCEPT, Call::SUPPRESS});
  CHECK(state.suppressed());
  CHECK(state.counters().suppresses == 1);

  // A task is lost: REVIVE at once. Another in the same second: its REVIVE waits. (LOST, not
  // FAILED: a failed task's slot waits out its crash-loop backoff before it wants offers.)
  CHECK(types(state.handle(update("0", "a", v1::TASK_LOST)).calls) ==
        std::vector{Call::ACKNOWLEDGE, Call::REVIVE});
  CHECK(types(state.handle(update("1", "b", v1::TASK_LOST)).calls) ==
        std::vector{Call::ACKNOWLEDGE});
  REQUIRE(state.next_wakeup() == Time(11s));
  CHECK(types(state.advance(11s).calls) == std::vector{Call::REVIVE});
  CHECK(state.counters().revives == 2);
  CHECK(state.next_wakeup() == Time(610s));  // only the implicit reconciliation is left

  // A re-subscription un-suppresses on the master's side, so the state follows.
  state.handle(offer_event("o3", "c"));
  state.handle(offer_event("o4", "d"));
  CHECK(state.suppressed());
  state.disconnected();
  CHECK_FALSE(state.suppressed());
  CHECK(types(state.handle(subscribed()).calls) == std::vector{Call::RECONCILE, Call::SUPPRESS});
}

TEST_CASE("the seed stays the example: no reconciliation, no suppression, no adoption") {
  SchedulerState state(Policy::seed, 1, "*", TaskSpec{});
  CHECK(state.handle(subscribed()).calls.empty());
  CHECK(types(state.handle(update("5", "a", v1::TASK_RUNNING)).calls) ==
        std::vector{Call::ACKNOWLEDGE});
  CHECK(state.sleepers().empty());
  CHECK_FALSE(state.next_wakeup());
}
