// The task book: a task is on the books once, on one agent; a replacement's link never outlives
// the task it replaces; and lookups by task id agree with the maps after every move.
#include "iof/framework/core/task_book.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "iof/framework/core/snapshot.hpp"

namespace {

using namespace std::chrono_literals;
using iof::framework::AgentId;
using iof::framework::Sleeper;
using iof::framework::TaskBook;
using iof::framework::Time;

Sleeper task(const std::string& id, const std::string& replaces = "") {
  Sleeper out;
  out.task_id.set_value(id);
  out.replaces = AgentId(replaces);
  out.launched_at = Time(5s);
  return out;
}

// The sleepers' indexes agree with the sleepers themselves, recomputed from scratch.
void check_sleeper_indexes(const TaskBook& book) {
  std::set<std::string> windowed;
  std::set<std::pair<Time, std::string>> staging;
  std::set<std::string> replaced;
  std::map<std::string, std::set<std::string>> replacements_of;
  std::set<std::string> replacing;
  std::set<std::string> unmeasured;
  std::map<mesos::v1::TaskState, std::size_t> states;
  std::size_t replacements = 0;
  for (const auto& [agent, sleeper] : book.sleepers()) {
    if (sleeper.unavailability_start > 0) {
      windowed.insert(agent);
    }
    if (sleeper.state == mesos::v1::TASK_STAGING && sleeper.launched_at.count() > 0) {
      staging.emplace(sleeper.launched_at, agent);
    }
    ++states[sleeper.state];
    if (sleeper.state == mesos::v1::TASK_RUNNING && sleeper.launched_at.count() > 0) {
      unmeasured.insert(agent);
    }
    if (!sleeper.replaces.empty()) {
      replacing.insert(agent);
      ++replacements;
      replaced.insert(sleeper.replaces.value());
      replacements_of[sleeper.replaces.value()].insert(agent);
    }
  }
  CHECK(book.windowed() == windowed);
  CHECK(book.staging_launches() == staging);
  CHECK(book.replacing() == replacing);
  CHECK(book.running_unmeasured() == unmeasured);
  CHECK(book.replacements_in_flight() == replacements);
  for (const auto state : {mesos::v1::TASK_STAGING, mesos::v1::TASK_RUNNING,
                           mesos::v1::TASK_KILLING, mesos::v1::TASK_FAILED}) {
    CHECK(book.in_state(state) == (states.contains(state) ? states.at(state) : 0));
  }
  for (const auto& agent : {"a1", "a2", "a3", "a4", "a5", "a6"}) {
    CHECK(book.being_replaced(agent) == replaced.contains(agent));
    CHECK(book.replacements_of(agent) ==
          (replacements_of.contains(agent) ? replacements_of.at(agent) : std::set<std::string>{}));
  }
  // RUNNING tasks by readiness.
  std::set<std::pair<Time, std::string>> ready_since;
  for (const auto& [agent, sleeper] : book.sleepers()) {
    if (sleeper.state == mesos::v1::TASK_RUNNING && sleeper.ready_since) {
      ready_since.emplace(*sleeper.ready_since, agent);
    }
  }
  std::set<std::pair<Time, std::string>> unmeasured_ready;
  for (const auto& agent : unmeasured) {
    if (const auto& since = book.sleepers().at(agent).ready_since) {
      unmeasured_ready.emplace(*since, agent);
    }
  }
  CHECK(book.running_unmeasured_by_ready() == unmeasured_ready);
  CHECK(book.running_ready_since() == ready_since);
  // Slots: which are held, and the lowest free one.
  std::vector<bool> filled(book.sleepers().size() + 3, false);
  for (const auto& [agent, sleeper] : book.sleepers()) {
    if (sleeper.slot < filled.size()) {
      filled[sleeper.slot] = true;
    }
  }
  CHECK(book.filled_slots(static_cast<std::uint32_t>(filled.size())) == filled);
  CHECK(
      book.lowest_free_slot() ==
      static_cast<std::uint32_t>(std::find(filled.begin(), filled.end(), false) - filled.begin()));
}

// Every task in the maps is found by its id where it is, and nothing else is found; the
// sleepers' indexes agree with them.
void check_index(const TaskBook& book) {
  check_sleeper_indexes(book);
  for (const bool migrating : {false, true}) {
    for (const auto& [agent, sleeper] : migrating ? book.migrating() : book.sleepers()) {
      const auto place = book.find(sleeper.task_id.value());
      REQUIRE(place.has_value());
      CHECK(place->agent == agent);
      CHECK(place->migrating == migrating);
    }
  }
}

}  // namespace

TEST_CASE("task book: a task launched again on another agent leaves the first one") {
  TaskBook book;
  book.launch("a1", task("0"));
  book.launch("a2", task("0"));
  CHECK_FALSE(book.sleepers().contains("a1"));
  CHECK(book.sleepers().at("a2").task_id.value() == "0");
  CHECK(book.size() == 1);
  CHECK(book.find("0")->agent == "a2");
  check_index(book);
}

TEST_CASE("task book: a task overwritten on its agent is no longer known") {
  TaskBook book;
  book.launch("a1", task("0"));
  book.launch("a2", task("1"));
  book.start_moving("a1", Time(10s));
  book.launch("a1", task("2"));
  book.start_moving("a1", Time(20s));  // the seed moves a1's new task while the old one is killed
  CHECK_FALSE(book.knows("0"));
  CHECK(book.knows("2"));
  CHECK(book.migrating().at("a1").kill_sent_at == Time(20s));
  check_index(book);
}

TEST_CASE("task book: moving a task and keeping it keeps the index and the replacement link") {
  TaskBook book;
  book.launch("old", task("0"));
  book.launch("new", task("1", "old"));
  book.replacement_done("new");
  CHECK(book.sleepers().at("new").replaces.empty());

  book.start_moving("old", Time(30s), AgentId("new"));
  CHECK(book.find("0")->migrating);
  CHECK(book.migrating().at("old").retired_for == "new");
  CHECK(book.migrating().at("old").kill_sent_at == Time(30s));
  check_index(book);

  // The retirement is called off: the old task is a sleeper again, its replacement linked to it.
  book.keep("old");
  CHECK(book.migrating().empty());
  CHECK(book.sleepers().at("old").retired_for.empty());
  CHECK(book.sleepers().at("old").kill_sent_at == Time{0});
  CHECK(book.sleepers().at("new").replaces == "old");
  CHECK_FALSE(book.find("0")->migrating);
  check_index(book);
}

TEST_CASE("task book: a replacement's link is cleared when the task it replaces is removed") {
  TaskBook book;
  book.launch("old", task("0"));
  book.launch("new", task("1", "old"));
  CHECK(book.remove_sleeper("old"));
  CHECK(book.sleepers().at("new").replaces.empty());
  CHECK_FALSE(book.knows("0"));
  CHECK_FALSE(book.remove_sleeper("old"));
  check_index(book);
}

TEST_CASE("task book: a task being killed is removed from the index with it") {
  TaskBook book;
  book.launch("a1", task("0"));
  book.start_moving("a1", Time(1s));
  CHECK(book.remove_migrating("a1"));
  CHECK_FALSE(book.knows("0"));
  CHECK(book.size() == 0);
}

TEST_CASE("task book: states, windows and launch times apply to the task they name") {
  TaskBook book;
  book.launch("a1", task("0"));
  book.adopt(
      "a2",
      [] {
        iof::framework::v1::TaskID id;
        id.set_value("7");
        return id;
      }(),
      iof::framework::v1::TASK_RUNNING, 99);
  CHECK(book.sleepers().at("a2").unavailability_start == 99);
  CHECK(book.sleepers().at("a2").launched_at == Time{0});

  book.set_state("0", iof::framework::v1::TASK_RUNNING);
  CHECK(book.sleepers().at("a1").state == iof::framework::v1::TASK_RUNNING);

  CHECK(book.learn_window("a1", 42));
  CHECK_FALSE(book.learn_window("a1", 42));  // already known
  CHECK_FALSE(book.learn_window("a3", 42));  // no sleeper there

  // A launch is measured once.
  CHECK(book.take_launched_at("a1") == Time(5s));
  CHECK(book.take_launched_at("a1") == Time{0});
}

TEST_CASE("task book: a restore replaces everything and indexes both maps") {
  TaskBook book;
  book.launch("x", task("9"));
  std::map<std::string, Sleeper> migrating{{"b", task("1")}};
  book.restore({{"a", task("0")}}, migrating);
  CHECK_FALSE(book.knows("9"));
  CHECK(book.find("1")->migrating);
  check_index(book);
  book.clear();
  CHECK(book.size() == 0);
  CHECK_FALSE(book.knows("0"));
}

TEST_CASE("task book: a state file naming one task on two agents is refused") {
  const auto decoded = iof::framework::decode_snapshot(
      R"({"version":1,"next_task_id":1,"tasks":[)"
      R"({"task_id":"0","agent_id":"a1","unavailability_start_ns":0,"migrating":false},)"
      R"({"task_id":"0","agent_id":"a2","unavailability_start_ns":0,"migrating":true}]})");
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().message == "task 0 on two agents");
}

TEST_CASE("task book: the sleepers' indexes follow any sequence of changes") {
  // Random launches, moves, keeps, state, health and window changes and removals over six agents;
  // after each, the indexes must match the sleepers recomputed from scratch.
  std::mt19937 random(17);
  TaskBook book;
  const std::vector<std::string> agents{"a1", "a2", "a3", "a4", "a5", "a6"};
  const auto any_agent = [&] { return agents[random() % agents.size()]; };
  for (int step = 0; step < 3000; ++step) {
    const std::string agent = any_agent();
    const std::string task_id = "t" + std::to_string(random() % 9);
    switch (random() % 10) {
      case 0:
      case 1:
        book.launch(agent, task(task_id, random() % 2 ? any_agent() : ""));
        break;
      case 2:
        book.set_state(task_id, random() % 2 ? mesos::v1::TASK_RUNNING : mesos::v1::TASK_KILLING);
        break;
      case 3:
        book.learn_window(agent, static_cast<std::int64_t>(random() % 3) * 1000);
        break;
      case 4:
        book.start_moving(agent, Time(1s), AgentId(random() % 2 ? any_agent() : ""));
        break;
      case 5:
        book.keep(agent);
        break;
      case 6:
        if (random() % 2) {
          book.replacement_done(agent);
        } else {
          (void)book.take_launched_at(agent);
        }
        break;
      case 7:
        book.remove_sleeper(agent);
        break;
      case 8: {
        const auto healthy = random() % 3;
        book.set_health(task_id, healthy == 0 ? std::nullopt : std::optional<bool>(healthy == 1),
                        random() % 2 == 0, Time(std::chrono::seconds(step)));
        break;
      }
      default:
        book.remove_migrating(agent);
        break;
    }
    check_index(book);
  }
}
