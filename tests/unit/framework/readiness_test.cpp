// Readiness in the evacuate policy: a replacement retires the old task only once it is ready
// (healthy when it has a health check, and for --min_ready_time), the lead time learns
// launch->ready, and a replacement not ready by the old task's deadline has a defined end.
#include <doctest/doctest.h>

#include "core_harness.hpp"
#include "event_builders.hpp"

namespace {

using namespace iof::test::core;
using iof::framework::HealthCheckSpec;

Event health(const std::string& task, const std::string& agent, bool healthy) {
  Event event = update(task, agent, v1::TASK_RUNNING);
  event.mutable_update()->mutable_status()->set_healthy(healthy);
  event.mutable_update()->mutable_status()->set_reason(
      v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  return event;
}

TaskSpec checked() {
  TaskSpec spec;
  spec.health_check = HealthCheckSpec{};
  spec.health_check->kind = HealthCheckSpec::Kind::command;
  spec.health_check->command = "true";
  return spec;
}

Evacuation min_ready(Time time) {
  Evacuation budgets;
  budgets.min_ready_time = time;
  return budgets;
}

// One task running (and healthy) on a1, then a window on a1 and a safe offer from a2: returns
// the replacement (task, agent), launched but not yet RUNNING.
std::pair<std::string, std::string> start_move(Harness& h, bool healthy_first) {
  const auto started = launches(h.after(1s, offers({offer("o-1", "a1")})));
  REQUIRE(started.size() == 1);
  h.after(2s, update(started[0].first, "a1", v1::TASK_RUNNING));
  if (healthy_first) {
    h.after(1s, health(started[0].first, "a1", true));
  }
  h.after(1s, inverse_offer("io-1", "a1", window(1h)));
  const auto replacement = launches(h.after(1s, offers({offer("o-2", "a2")})));
  REQUIRE(replacement.size() == 1);
  return replacement[0];
}

}  // namespace

TEST_CASE("with a health check, the old task is killed only once its replacement is healthy") {
  Harness h(1, {}, checked());
  const auto [task, agent] = start_move(h, true);
  CHECK(kills(h.after(2s, update(task, agent, v1::TASK_RUNNING))).empty());
  CHECK(kills(h.after(5s, health(task, agent, false))).empty());
  CHECK(h.state.ready_tasks() == 1);  // the old task only
  const Decision healthy = h.after(5s, health(task, agent, true));
  CHECK(kills(healthy).size() == 1);
  CHECK(h.state.counters().unready_at_deadline == 0);
}

TEST_CASE("--min_ready_time: the old task is killed once the replacement stayed ready so long") {
  Harness h(1, min_ready(30s));
  const auto [task, agent] = start_move(h, false);
  CHECK(kills(h.after(2s, update(task, agent, v1::TASK_RUNNING))).empty());
  CHECK(h.state.next_wakeup() <= h.now + 30s);
  CHECK(kills(h.tick(29s)).empty());
  CHECK(kills(h.tick(1s)).size() == 1);
}

TEST_CASE("a health flap restarts the --min_ready_time wait") {
  Harness h(1, min_ready(30s), checked());
  const auto [task, agent] = start_move(h, true);
  h.after(2s, update(task, agent, v1::TASK_RUNNING));
  h.after(1s, health(task, agent, true));
  CHECK(kills(h.after(20s, health(task, agent, false))).empty());
  CHECK(kills(h.after(1s, health(task, agent, true))).empty());
  CHECK(kills(h.tick(29s)).empty());  // 29 s ready since the flap
  CHECK(kills(h.tick(1s)).size() == 1);
}

TEST_CASE("the lead time learns launch->ready, not launch->RUNNING") {
  Harness h(1, {}, checked());
  const auto started = launches(h.after(1s, offers({offer("o-1", "a1")})));
  REQUIRE(started.size() == 1);
  h.after(2s, update(started[0].first, "a1", v1::TASK_RUNNING));
  h.after(40s, health(started[0].first, "a1", true));
  // factor 2 x (p95 launch->ready 42 s + no kill sample yet), above the 10 s minimum.
  CHECK(h.state.lead_time() == 84s);
}

TEST_CASE("a replacement not ready by the old task's deadline: the old task is killed anyway") {
  Harness h(1, {}, checked());
  const auto [task, agent] = start_move(h, true);
  h.after(2s, update(task, agent, v1::TASK_RUNNING));  // RUNNING, never healthy
  const Time deadline = t0 + 1h - h.state.lead_time();
  REQUIRE(h.state.next_wakeup() <= deadline);
  Decision waited = h.tick(deadline - 1s - h.now);
  CHECK(kills(waited).empty());
  const Decision due = h.tick(1s);
  REQUIRE(kills(due).size() == 1);
  CHECK(logs(due, "is not ready (not yet healthy) by the deadline of task"));
  CHECK(h.state.counters().unready_at_deadline == 1);
  // The replacement is simply a task now; its old task is being killed.
  CHECK(h.state.migrating().contains("a1"));
  CHECK(h.state.sleepers().at(agent).replaces.empty());
}

TEST_CASE("a reconciliation answer that says nothing of health keeps a healthy task ready") {
  // Found by iof-simulate --health_check: forgetting the result left every task unready, since
  // a checker reports a pass only when health changes.
  Harness h(1, {}, checked());
  const auto [task, agent] = start_move(h, true);
  h.after(2s, update(task, agent, v1::TASK_RUNNING));
  REQUIRE(kills(h.after(1s, health(task, agent, true))).size() == 1);
  h.after(1s, update(task, agent, v1::TASK_RUNNING, v1::TaskStatus::REASON_RECONCILIATION));
  CHECK(h.state.ready_tasks() == 1);
  CHECK(h.state.ready(h.state.sleepers().at(agent)));
}
