// Core behaviour the deterministic simulation found missing, one case per finding (the seed that
// found it is in tests/unit/simulation). Time is injected through advance().
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"
#include "iof/framework/session.hpp"
#include "iof/wire/recordio.hpp"

#include "core_harness.hpp"

using namespace iof::test::core;

namespace {

std::vector<std::string> ids(const Decision& decision, Call::Type type) {
  std::vector<std::string> out;
  for (const auto& call : decision.calls) {
    if (call.type() == Call::ACCEPT && type == Call::ACCEPT) {
      out.push_back(call.accept().operations(0).launch().task_infos(0).task_id().value());
    } else if (call.type() == Call::KILL && type == Call::KILL) {
      out.push_back(call.kill().task_id().value());
    } else if (call.type() == Call::RECONCILE && type == Call::RECONCILE) {
      for (const auto& task : call.reconcile().tasks()) {
        out.push_back(task.task_id().value());
      }
    } else if (call.type() == type && type == Call::SUPPRESS) {
      out.push_back("suppress");
    }
  }
  return out;
}

// Two tasks run on a1 and a2; a2's task fails and a1 gets a window: one offer refills a2's
// slot, another replaces a1's task. Returns the decision that launched both.
Decision replace_while_refilling(Harness& core) {
  core.after(1s, offers({offer("o1", "a1"), offer("o2", "a2")}));
  core.after(1s, update("0", "a1", v1::TASK_RUNNING));
  core.after(0s, update("1", "a2", v1::TASK_RUNNING));
  core.after(1s, update("1", "a2", v1::TASK_FAILED));
  core.after(1s, inverse_offer("io", "a1", window(3600s)));
  auto launched = core.after(1s, offers({offer("o3", "a3"), offer("o4", "a4")}));
  REQUIRE(ids(launched, Call::ACCEPT).size() == 2);
  return launched;
}

}  // namespace

TEST_CASE("a LAUNCH never heard of is reconciled after three minutes (simulation seed 17)") {
  Harness core(1);
  REQUIRE(ids(core.after(1s, offers({offer("o1", "a1")})), Call::ACCEPT) ==
          std::vector<std::string>{"0"});
  // The LAUNCH was lost: no update ever comes.
  CHECK(ids(core.tick(179s), Call::RECONCILE).empty());
  const auto asked = core.tick(1s);
  CHECK(ids(asked, Call::RECONCILE) == std::vector<std::string>{"0"});
  // The master does not know the task: it is lost, and a new one is launched.
  core.after(1s, reconciled("0", "a1", v1::TASK_LOST));
  CHECK(core.state.current_sleepers() == 0);
  CHECK(ids(core.after(1s, offers({offer("o2", "a2")})), Call::ACCEPT) ==
        std::vector<std::string>{"1"});
}

TEST_CASE("a task that reports STARTING is not questioned as a lost LAUNCH") {
  Harness core(1);
  core.after(1s, offers({offer("o1", "a1")}));
  core.after(1s, update("0", "a1", v1::TASK_STARTING));
  CHECK(ids(core.tick(10min), Call::RECONCILE).empty());
}

TEST_CASE("offers long after a SUPPRESS mean it was lost: SUPPRESS again (seed 32651787126238)") {
  Harness core(1);
  core.after(1s, offers({offer("o1", "a1")}));
  core.after(1s, update("0", "a1", v1::TASK_RUNNING));
  // SUPPRESS once the reconciliation after subscribing is answered and the task runs.
  core.after(1s, reconciled("0", "a1", v1::TASK_RUNNING));
  REQUIRE(core.state.suppressed());
  // Offers already on their way when the SUPPRESS left are just declined.
  CHECK(ids(core.after(1s, offers({offer("o2", "a2")})), Call::SUPPRESS).empty());
  // Ten minutes later the master still offers: it never applied the SUPPRESS.
  CHECK(ids(core.after(10min, offers({offer("o3", "a2")})), Call::SUPPRESS).size() == 1);
  CHECK(core.state.suppressed());
}

TEST_CASE("a replacement that runs while a refill starts keeps its old task (seed 9)") {
  Harness core(2);
  const auto launched = replace_while_refilling(core);
  const auto first = ids(launched, Call::ACCEPT)[0];
  const auto second = ids(launched, Call::ACCEPT)[1];
  const auto agent_of = [&](const std::string& task) {
    for (const auto& [agent, sleeper] : core.state.sleepers()) {
      if (sleeper.task_id.value() == task) {
        return agent;
      }
    }
    return std::string();
  };
  const auto replacement =
      core.state.sleepers().at(agent_of(first)).replaces.empty() ? second : first;
  const auto refill = replacement == first ? second : first;
  // The replacement runs first: killing a1's task now would leave 1 of 2 running.
  const auto early = core.after(1s, update(replacement, agent_of(replacement), v1::TASK_RUNNING));
  CHECK(ids(early, Call::KILL).empty());
  CHECK(core.state.running_tasks() == 2);
  // Once the refill runs, the old task goes.
  const auto later = core.after(1s, update(refill, agent_of(refill), v1::TASK_RUNNING));
  CHECK(ids(later, Call::KILL) == std::vector<std::string>{"0"});
}

TEST_CASE("agents idle for ten minutes are forgotten (seed 159)") {
  Harness core(1);
  core.after(1s, offers({offer("o1", "a1"), offer("o2", "a2"), offer("o3", "a3")}));
  REQUIRE(core.state.sleepers().size() == 1);
  const std::string used = core.state.sleepers().begin()->first;
  core.after(1s, update("0", used, v1::TASK_RUNNING));
  CHECK(core.state.agents().size() == 3);
  core.tick(9min);
  CHECK(core.state.agents().size() == 3);
  core.tick(2min);
  // The agent holding our task stays; the idle ones are forgotten.
  CHECK(core.state.agents().size() == 1);
  CHECK(core.state.agents().contains(used));
}

TEST_CASE("an agent the master removed is forgotten --agent_memory (10 min) after its FAILURE") {
  Harness core(1);
  core.after(1s, offers({offer("o1", "a1"), offer("o2", "a2")}));
  REQUIRE(core.state.sleepers().size() == 1);
  const std::string used = core.state.sleepers().begin()->first;
  const std::string removed = used == "a1" ? "a2" : "a1";
  core.after(1s, update("0", used, v1::TASK_RUNNING));
  core.tick(5min);
  core.after(1s, agent_failure(removed));
  core.tick(9min);
  CHECK(core.state.agents().contains(removed));  // kept to tell its late TASK_LOSTs apart
  core.tick(2min);
  CHECK_FALSE(core.state.agents().contains(removed));
  CHECK(core.state.agents().contains(used));
}

TEST_CASE("a LAUNCH whose task was forgotten while it waited is dropped, not sent (seed 94)") {
  using namespace iof::framework;
  namespace session = iof::framework::session;
  SessionOptions options;
  options.masters = {Endpoint{false, "m", "5050"}};
  // A full call window: with 1, the one stuck call fills it.
  options.call_window = 1;
  Session s(options, iof::framework::SchedulerState(Policy::evacuate, 1, "*", {}));
  const auto open = std::get<session::OpenStream>(s.start(0s).front());
  session::StreamHead head;
  head.stream_id = "id";
  s.stream_opened(open.stream, head, t0);
  const auto first =
      s.stream_data(open.stream, iof::wire::recordio::encode(subscribed().SerializeAsString()), t0);
  const auto& deliver = std::get<session::Deliver>(first.front());
  // The first call (a REVIVE or RECONCILE) is in flight and stays unanswered.
  auto out = s.handle(deliver.epoch, deliver.event, t0);
  // An offer: the LAUNCH queues behind it. Then the agent is removed and the task forgotten.
  s.handle(s.epoch(), offers({offer("o1", "a1")}), t0 + 1s);
  s.handle(s.epoch(), agent_failure("a1"), t0 + 2s);
  std::vector<session::Action> released;
  for (const auto& action : out) {
    if (const auto* send = std::get_if<session::SendCall>(&action)) {
      released = s.call_done(send->id, session::CallOutcome{std::nullopt, "timed out"}, t0 + 75s);
    }
  }
  bool launched = false;
  bool dropped = false;
  for (std::size_t round = 0; round < 8; ++round) {
    std::vector<session::Action> next;
    for (const auto& action : released) {
      if (const auto* send = std::get_if<session::SendCall>(&action)) {
        launched = launched || send->call.type() == Call::ACCEPT;
        next = s.call_done(send->id, session::CallOutcome{202, ""}, t0 + 76s);
      } else if (const auto* line = std::get_if<session::Log>(&action)) {
        dropped = dropped || line->text.find("Dropping the LAUNCH of task 0") != std::string::npos;
      }
    }
    released = next;
  }
  CHECK_FALSE(launched);
  CHECK(dropped);
}

TEST_CASE(
    "a LAUNCH that got no answer is asked about at once, and its offer declined (seeds 269, 92)") {
  Harness core(1);
  const auto launched = core.after(1s, offers({offer("o1", "a1")}));
  Call accept;
  for (const auto& call : launched.calls) {
    if (call.type() == Call::ACCEPT) {
      accept = call;
    }
  }
  REQUIRE(accept.type() == Call::ACCEPT);
  core.tick(75s);
  const auto failed = core.state.call_failed(accept);
  CHECK(ids(failed, Call::RECONCILE) == std::vector<std::string>{"0"});
  // The master never saw it: the task is relaunched and the held offer declined.
  const auto answered = core.after(1s, reconciled("0", "a1", v1::TASK_LOST));
  bool declined = false;
  for (const auto& call : answered.calls) {
    declined = declined || (call.type() == Call::DECLINE && call.decline().offer_ids_size() == 1 &&
                            call.decline().offer_ids(0).value() == "o1");
  }
  CHECK(declined);
  CHECK(core.state.current_sleepers() == 0);
}

TEST_CASE("a DECLINE that got no answer is sent again (seed 583)") {
  Harness core(1);
  Call decline;
  decline.set_type(Call::DECLINE);
  decline.mutable_decline()->add_offer_ids()->set_value("o9");
  const auto again = core.state.call_failed(decline);
  REQUIRE(again.calls.size() == 1);
  CHECK(again.calls[0].type() == Call::DECLINE);
  CHECK(again.calls[0].decline().offer_ids(0).value() == "o9");
}

TEST_CASE("no offers three minutes after a REVIVE: it was lost, REVIVE again (seed 178)") {
  Harness core(2);
  core.after(1s, offers({offer("o1", "a1"), offer("o2", "a2")}));
  core.after(1s, update("0", "a1", v1::TASK_RUNNING));
  core.after(0s, update("1", "a2", v1::TASK_RUNNING));
  core.after(1s, reconciled("0", "a1", v1::TASK_RUNNING));
  core.after(0s, reconciled("1", "a2", v1::TASK_RUNNING));
  REQUIRE(core.state.suppressed());
  // A task fails: REVIVE once its crash-loop backoff (1 s) ends. Its request is lost, so no offer
  // ever comes.
  core.after(10s, update("1", "a2", v1::TASK_FAILED));
  core.tick(1s);
  REQUIRE(core.state.counters().revives >= 1);
  const auto revives = core.state.counters().revives;
  core.tick(179s);
  CHECK(core.state.counters().revives == revives);
  core.tick(2s);
  CHECK(core.state.counters().revives == revives + 1);
}

TEST_CASE("a deferred retirement whose replacement is lost is no longer due (seed 8, health)") {
  // Found with --health_check: a replacement ran while a refill started, so its old task's
  // retirement was deferred; then the replacement was lost. The deferral outlived it, and once
  // the old task's deadline passed with no replacement, the policy said its deadline was due
  // at every wakeup without acting: a livelock.
  Harness core(2);
  replace_while_refilling(core);
  std::string replacement_agent;
  std::string refill_agent;
  for (const auto& [agent, sleeper] : core.state.sleepers()) {
    if (!sleeper.replaces.empty()) {
      replacement_agent = agent;
    } else if (agent != "a1") {
      refill_agent = agent;
    }
  }
  REQUIRE(!replacement_agent.empty());
  const auto task_on = [&](const std::string& agent) {
    return core.state.sleepers().at(agent).task_id.value();
  };
  // Deferred: killing a1's task now would leave 1 of 2 running.
  CHECK(ids(core.after(1s, update(task_on(replacement_agent), replacement_agent, v1::TASK_RUNNING)),
            Call::KILL)
            .empty());
  core.after(1s, update(task_on(replacement_agent), replacement_agent, v1::TASK_FAILED));
  core.after(1s, update(task_on(refill_agent), refill_agent, v1::TASK_RUNNING));
  // No safe offer comes; a1's deadline passes with no replacement.
  const auto moves = core.state.planned_moves();
  REQUIRE(moves.size() == 1);
  core.tick(moves[0].deadline - core.now + 1s);
  const auto next = core.state.next_wakeup();
  CHECK((!next || *next > core.now));
}
