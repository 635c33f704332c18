// The framework's decisions, on events shaped exactly like a real master's: the recorded session
// of Mesos's example on a real master (tests/golden/real-master/demo-fw-master.decoded.txt) is
// replayed through both policies, and each branch of the offer loop, inverse offers and updates
// is checked on its own.
#include "iof/framework/scheduler_state.hpp"

#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <google/protobuf/text_format.h>

#include "event_builders.hpp"
#include "golden.hpp"
#include "recording_core.hpp"

using namespace iof::test::events;

namespace {

using iof::framework::Policy;
using SchedulerState = iof::test::RecordingCore;
using iof::framework::TaskSpec;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;
namespace v1 = mesos::v1;

constexpr const char* transcript = "real-master/demo-fw-master.decoded.txt";

template <typename Message>
Message from_text(const std::string& text) {
  Message message;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &message));
  return message;
}

std::vector<Event> recorded_events() {
  std::vector<Event> events;
  for (const auto& record : iof::test::decoded_records(iof::test::golden(transcript))) {
    events.push_back(from_text<Event>(record.text));
  }
  return events;
}

std::vector<Call> recorded_calls() {
  std::vector<Call> calls;
  for (const auto& request : iof::test::decoded_requests(iof::test::golden(transcript))) {
    Call call = from_text<Call>(request.text);
    if (call.type() != Call::SUBSCRIBE) {
      calls.push_back(std::move(call));
    }
  }
  return calls;
}

// The recorded master's view of the calls: it fills in allocations itself.
Call without_allocations(Call call) {
  if (!call.has_accept()) {
    return call;
  }
  for (auto& operation : *call.mutable_accept()->mutable_operations()) {
    for (auto& task : *operation.mutable_launch()->mutable_task_infos()) {
      for (auto& resource : *task.mutable_resources()) {
        resource.clear_allocation_info();
      }
    }
  }
  return call;
}

std::vector<Call> replay(SchedulerState& state, const std::vector<Event>& events) {
  std::vector<Call> calls;
  for (const auto& event : events) {
    auto decision = state.handle(event);
    REQUIRE_FALSE(decision.exit);
    calls.insert(calls.end(), decision.calls.begin(), decision.calls.end());
  }
  return calls;
}

// A state with sleepers on the given agents (task ids in order), every task launched.
SchedulerState running(Policy policy, const std::vector<std::pair<std::string, std::int64_t>>& on) {
  SchedulerState state(policy, static_cast<std::uint32_t>(on.size()), "*", TaskSpec{});
  state.handle(subscribed());
  for (const auto& [agent, window] : on) {
    // The seed cannot launch on real offers; give it offers carrying its allocation.
    v1::Offer o = offer("o-" + agent, agent, window);
    if (policy == Policy::seed) {
      for (auto& resource : *o.mutable_resources()) {
        resource.mutable_allocation_info()->set_role("*");
      }
    }
    auto calls = types(state.handle(offers({o})).calls);
    // The N-th launch with nothing left to move suppresses offers (not the seed).
    if (policy != Policy::seed && state.sleepers().size() == on.size() && calls.size() == 2) {
      CHECK(calls.back() == Call::SUPPRESS);
      calls.pop_back();
    }
    REQUIRE(calls == std::vector{Call::ACCEPT});
  }
  REQUIRE(state.sleepers().size() == on.size());
  return state;
}

}  // namespace

TEST_CASE("replaying the real master's session: the intent policy makes the recorded calls") {
  // The recording was made with the seed minus its allocation line: exactly what `intent` fixes
  // first. With 2 tasks it launches on the first two agents, acknowledges, accepts the inverse
  // offer for agent S0, then moves task 0 from S0 to the new agent S2.
  SchedulerState state(Policy::intent, 2, "*", TaskSpec{});
  const auto calls = replay(state, recorded_events());
  std::vector<Call> ours;
  std::vector<Call::Type> hygiene;
  for (const auto& call : calls) {
    // Not in the recording: the REVIVE that fixes the 600 s starvation, the reconciliation after
    // SUBSCRIBED and the SUPPRESS once both tasks run.
    if (call.type() == Call::REVIVE || call.type() == Call::RECONCILE ||
        call.type() == Call::SUPPRESS) {
      hygiene.push_back(call.type());
    } else {
      ours.push_back(without_allocations(call));
    }
  }
  // Reconcile on SUBSCRIBED; suppress once two tasks run on agents without windows; revive when
  // the inverse offer brings S0's window; suppress again once task 0 has moved.
  CHECK(hygiene == std::vector{Call::RECONCILE, Call::SUPPRESS, Call::REVIVE, Call::SUPPRESS});
  const auto expected = recorded_calls();
  // The recording goes on with DECLINEs of offers made after the capture's events ended.
  REQUIRE(ours.size() <= expected.size());
  REQUIRE(ours.size() >= 10);
  for (std::size_t i = 0; i < ours.size(); ++i) {
    CHECK_MESSAGE(ours[i].SerializeAsString() == expected[i].SerializeAsString(), "call ", i, ": ",
                  ours[i].ShortDebugString(), " vs ", expected[i].ShortDebugString());
  }
  CHECK(state.counters().migrations == 1);
  CHECK(state.counters().sleepers_killed == 1);
  CHECK(state.current_sleepers() == 2);
  // REVIVE came once, when the agent holding task 0 got its window.
  CHECK(state.counters().revives == 1);
}

TEST_CASE("replaying the real master's session: the seed never launches") {
  SchedulerState state(Policy::seed, 2, "*", TaskSpec{});
  const auto events = recorded_events();
  std::size_t offered = 0;
  for (const auto& event : events) {
    offered += static_cast<std::size_t>(event.offers().offers_size());
  }
  REQUIRE(offered >= 3);
  std::size_t declines = 0;
  for (const auto& call : replay(state, events)) {
    // It still acknowledges the recorded updates and accepts no inverse offer for lack of tasks.
    CHECK(call.type() != Call::ACCEPT);
    CHECK(call.type() != Call::ACCEPT_INVERSE_OFFERS);
    if (call.type() == Call::DECLINE) {
      ++declines;
      CHECK(call.decline().offer_ids_size() == 1);  // one HTTP call per offer
      CHECK(call.decline().filters().refuse_seconds() == 600);
    }
  }
  CHECK(declines == offered);  // every offer of the session, one call each
  CHECK(state.sleepers().empty());
}

TEST_CASE("the offer loop, branch by branch") {
  struct Case {
    const char* name;
    Policy policy;
    std::vector<std::pair<std::string, std::int64_t>> sleepers;  // agent, window
    std::vector<v1::Offer> offered;
    std::vector<Call::Type> calls;
    std::map<std::string, std::string> moved;  // from agent -> to agent (by KILL and LAUNCH)
  };
  const std::int64_t soon = 1'000;
  const std::int64_t later = 2'000;
  const std::vector<Case> cases{
      {"an occupied agent is declined",
       Policy::intent,
       {{"a", 0}},
       {offer("1", "a")},
       {Call::DECLINE},
       {}},
      {"a free agent is declined when N run and nothing is at risk",
       Policy::intent,
       {{"a", 0}},
       {offer("1", "b")},
       {Call::DECLINE},
       {}},
      {"an offer too small is declined",
       Policy::intent,
       {{"a", soon}},
       {offer("1", "b", 0, 0.1, 1024)},
       {Call::DECLINE},
       {}},
      {"a safe agent takes the task of the riskiest",
       Policy::intent,
       {{"a", soon}},
       {offer("1", "b")},
       {Call::KILL, Call::ACCEPT},
       {{"a", "b"}}},
      {"an agent with a later window is safer",
       Policy::intent,
       {{"a", soon}},
       {offer("1", "b", later)},
       {Call::KILL, Call::ACCEPT},
       {{"a", "b"}}},
      {"an agent with an earlier window is not",
       Policy::intent,
       {{"a", later}},
       {offer("1", "b", soon)},
       {Call::DECLINE},
       {}},
      {"one migration per OFFERS event, declines batched",
       Policy::intent,
       {{"a", soon}, {"b", later}},
       {offer("1", "c"), offer("2", "d"), offer("3", "e")},
       {Call::KILL, Call::ACCEPT, Call::DECLINE},
       {{"a", "c"}}},
      {"intent ignores agents without a window when choosing the riskiest",
       Policy::intent,
       {{"a", soon}, {"z", 0}},
       {offer("1", "m")},
       {Call::KILL, Call::ACCEPT},
       {{"a", "m"}}},
      {"the seed takes an agent without a window for the riskiest",
       Policy::seed,
       {{"a", soon}, {"z", 0}},
       {offer("1", "m")},
       {Call::KILL, Call::ACCEPT},
       {{"z", "m"}}},
      {"the seed declines one offer per call",
       Policy::seed,
       {{"a", 0}},
       {offer("1", "b"), offer("2", "c")},
       {Call::DECLINE, Call::DECLINE},
       {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    SchedulerState state = running(c.policy, c.sleepers);
    std::vector<v1::Offer> offered = c.offered;
    if (c.policy == Policy::seed) {
      for (auto& o : offered) {
        for (auto& resource : *o.mutable_resources()) {
          resource.mutable_allocation_info()->set_role("*");
        }
      }
    }
    const auto decision = state.handle(offers(offered));
    CHECK(types(decision.calls) == c.calls);
    for (const auto& [from, to] : c.moved) {
      CHECK(state.migrating().contains(from));
      CHECK(state.sleepers().contains(to));
      CHECK_FALSE(state.sleepers().contains(from));
      CHECK(decision.calls[0].kill().agent_id().value() == from);
      CHECK(decision.calls[1].accept().operations(0).launch().task_infos(0).agent_id().value() ==
            to);
    }
    for (const auto& call : decision.calls) {
      CHECK(call.framework_id().value() == framework);
      if (call.type() == Call::DECLINE) {
        CHECK(call.decline().filters().refuse_seconds() == 600);
      }
    }
  }
}

TEST_CASE("launches carry the seed's task, allocated to the role, with growing ids") {
  SchedulerState state(Policy::intent, 2, "web", TaskSpec{});
  state.handle(subscribed());
  const auto decision = state.handle(offers({offer("1", "a"), offer("2", "b"), offer("3", "c")}));
  // Both tasks run on agents with no window: nothing can improve, so offers are suppressed.
  REQUIRE(types(decision.calls) ==
          std::vector{Call::ACCEPT, Call::ACCEPT, Call::DECLINE, Call::SUPPRESS});
  for (int i = 0; i < 2; ++i) {
    const auto& task =
        decision.calls[static_cast<std::size_t>(i)].accept().operations(0).launch().task_infos(0);
    CHECK(task.task_id().value() == std::to_string(i));
    CHECK(task.name() == "Sleeper Agent " + std::to_string(i));
    CHECK(task.command().value() == "while [ true ]; do echo ZZZzzz...; sleep 5; done");
    REQUIRE(task.resources_size() == 2);
    CHECK(task.resources(0).name() == "cpus");
    CHECK(task.resources(0).scalar().value() == 0.2);
    CHECK(task.resources(1).name() == "mem");
    CHECK(task.resources(1).scalar().value() == 32);
    CHECK(task.resources(0).allocation_info().role() == "web");
  }
  CHECK(decision.calls[2].decline().offer_ids_size() == 1);
}

TEST_CASE("the intent policy never puts a task on an agent whose sleeper is being killed") {
  SchedulerState state = running(Policy::intent, {{"a", 1'000}});
  state.handle(offers({offer("1", "b")}));  // moves a -> b
  REQUIRE(state.migrating().contains("a"));
  // b's task fails; a's kill has not completed: a offer for a must not be used.
  state.handle(update("1", "b", v1::TASK_FAILED));
  const auto decision = state.handle(offers({offer("2", "a")}));
  CHECK(types(decision.calls) == std::vector{Call::DECLINE});
}

TEST_CASE("inverse offers: recorded, accepted, and REVIVE once per new window (intent)") {
  for (const Policy policy : {Policy::intent, Policy::seed}) {
    CAPTURE(policy_name(policy));
    SchedulerState state = running(policy, {{"a", 0}});
    auto decision = state.handle(inverse_offer("io1", "a", 5'000));
    const auto expected = policy == Policy::intent
                              ? std::vector{Call::ACCEPT_INVERSE_OFFERS, Call::REVIVE}
                              : std::vector{Call::ACCEPT_INVERSE_OFFERS};
    CHECK(types(decision.calls) == expected);
    REQUIRE_FALSE(decision.calls.empty());
    CHECK(decision.calls.front().accept_inverse_offers().inverse_offer_ids(0).value() == "io1");
    CHECK_FALSE(decision.calls.front().accept_inverse_offers().has_filters());
    CHECK(state.sleepers().at("a").unavailability_start == 5'000);

    // The same window again: no REVIVE. A changed one: REVIVE again.
    decision = state.handle(inverse_offer("io2", "a", 5'000));
    CHECK(types(decision.calls) == std::vector{Call::ACCEPT_INVERSE_OFFERS});
    // REVIVE is rate-limited to one a second: the next one waits for the clock.
    state.advance(std::chrono::seconds(2));
    decision = state.handle(inverse_offer("io3", "a", 4'000));
    CHECK(types(decision.calls) == expected);
    CHECK(state.counters().inverse_offers_received == 3);

    // An agent without a sleeper: nothing to do.
    decision = state.handle(inverse_offer("io4", "other", 5'000));
    CHECK(decision.calls.empty());
  }
}

TEST_CASE("the intent policy learns a window from an offer of its own agent") {
  SchedulerState state = running(Policy::intent, {{"a", 0}});
  const auto decision = state.handle(offers({offer("1", "a", 7'000)}));
  CHECK(types(decision.calls) == std::vector{Call::DECLINE, Call::REVIVE});
  CHECK(state.sleepers().at("a").unavailability_start == 7'000);
}

TEST_CASE("updates: acknowledged only with a uuid, and terminal states free the slot") {
  struct Case {
    Policy policy;
    v1::TaskState state;
    bool counted_lost;
  };
  for (const auto& c : std::vector<Case>{{Policy::intent, v1::TASK_FAILED, true},
                                         {Policy::intent, v1::TASK_LOST, true},
                                         {Policy::intent, v1::TASK_GONE_BY_OPERATOR, true},
                                         {Policy::intent, v1::TASK_RUNNING, false},
                                         {Policy::seed, v1::TASK_FAILED, true},
                                         {Policy::seed, v1::TASK_GONE_BY_OPERATOR, false}}) {
    CAPTURE(v1::TaskState_Name(c.state));
    CAPTURE(policy_name(c.policy));
    SchedulerState state = running(c.policy, {{"a", 0}});
    auto decision = state.handle(update("0", "a", c.state));
    // A slot opened: the intent policy revives the offers it suppressed, at once for a task
    // lost with its agent, and once its crash-loop backoff ends for a task that failed.
    const bool revives_now =
        c.counted_lost && c.policy == Policy::intent && c.state != v1::TASK_FAILED;
    const auto expected =
        revives_now ? std::vector{Call::ACKNOWLEDGE, Call::REVIVE} : std::vector{Call::ACKNOWLEDGE};
    REQUIRE(types(decision.calls) == expected);
    const auto& ack = decision.calls[0].acknowledge();
    CHECK(ack.task_id().value() == "0");
    CHECK(ack.agent_id().value() == "a");
    CHECK(ack.uuid() == std::string(16, 'u'));
    CHECK(state.counters().sleepers_lost_abnormally == (c.counted_lost ? 1U : 0U));
    CHECK(state.sleepers().contains("a") == !c.counted_lost);
  }
  SchedulerState state = running(Policy::intent, {{"a", 0}});
  CHECK(types(state.handle(update("0", "a", v1::TASK_LOST, false)).calls) ==
        std::vector{Call::REVIVE});
  CHECK(state.sleepers().empty());
}

TEST_CASE("TASK_KILLED of a migrating task is the expected end, not a loss") {
  SchedulerState state = running(Policy::intent, {{"a", 1'000}});
  state.handle(offers({offer("1", "b")}));
  state.handle(update("0", "a", v1::TASK_KILLED));
  CHECK(state.counters().sleepers_killed == 1);
  CHECK(state.counters().sleepers_lost_abnormally == 0);
  CHECK(state.migrating().empty());
  CHECK(state.current_sleepers() == 1);
}

TEST_CASE("ERROR exits 1 with the message, TEARDOWN only once subscribed") {
  SchedulerState state(Policy::intent, 1, "*", TaskSpec{});
  CHECK(state.teardown().calls.empty());
  Event error;
  error.set_type(Event::ERROR);
  error.mutable_error()->set_message("Framework has been removed");
  const auto decision = state.handle(error);
  REQUIRE(decision.exit);
  CHECK(decision.exit->status == 1);
  CHECK(decision.exit->message == "Error: Framework has been removed");
  state.handle(subscribed());
  const auto teardown = state.teardown();
  REQUIRE(types(teardown.calls) == std::vector{Call::TEARDOWN});
  CHECK(teardown.calls[0].framework_id().value() == framework);
}
