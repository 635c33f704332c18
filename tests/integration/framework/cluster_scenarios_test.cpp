// The framework's scenarios that run unchanged on mesos-sim and on a real mesos-master with real
// agents (IOF_MASTER_KIND=real; ctest's "real." tests). Faults are made by real means on a real
// cluster: a task's process is killed, a machine's agent is frozen, the master is frozen.
// Every scenario ends by checking the invariants on the master's whole task history.
#include <chrono>
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "framework_fixture.hpp"
#include "invariants.hpp"

using namespace iof::test::framework;
using iof::test::ClusterOptions;

namespace {

ClusterOptions agents(int count) {
  ClusterOptions options;
  options.agents = count;
  return options;
}

std::set<std::string> ids(const std::vector<TaskLife>& history) {
  std::set<std::string> out;
  for (const auto& life : history) {
    out.insert(life.id);
  }
  return out;
}

// The checks every scenario ends with: the history holds at most `most` tasks alive and not
// being killed, never two on one agent, and every update was acknowledged.
void history_holds(TestCluster& cluster, std::size_t most) {
  const auto history = task_history(cluster.port());
  CHECK_MESSAGE(history_violation(history, most) == "", cluster.logs());
  CHECK(eventually([&] { return cluster.unacknowledged_updates() == 0; }));
}

void drain(TestCluster& cluster, const std::string& agent, bool mark_gone) {
  const auto reply = request(
      cluster.port(), {"POST",
                       "/api/v1",
                       {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":")" + agent +
                           R"("},"mark_gone":)" + (mark_gone ? "true" : "false") + "}}"});
  REQUIRE_MESSAGE(reply.status == 200, reply.body);
}

std::size_t live_on(unsigned short port, const std::set<std::string>& agents) {
  std::size_t count = 0;
  for (const auto& task : live_tasks(port)) {
    count += agents.contains(task.agent_id) ? 1U : 0U;
  }
  return count;
}

}  // namespace

TEST_CASE(
    "cluster: N tasks on distinct agents, in protobuf and JSON, TEARDOWN on SIGTERM if asked") {
  for (const std::string content_type : {"protobuf", "json"}) {
    CAPTURE(content_type);
    auto cluster = start_cluster(agents(4));
    Framework framework({cluster->master_flag(), "--num_tasks=3", "--content_type=" + content_type,
                         "--teardown_on_exit"});
    REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 3; }));
    std::set<std::string> agents;
    for (const auto& task : running_tasks(cluster->port())) {
      agents.insert(task.agent_id);
    }
    CHECK(agents.size() == 3);
    CHECK(framework.metric("current_sleepers") == 3);
    CHECK(framework.metric("subscribed") == 1);
    CHECK(framework.metric("offers_received") >= 3);
    CHECK(framework.prometheus().find("# TYPE inverse_offer_framework_current_sleepers gauge\n"
                                      "inverse_offer_framework_current_sleepers 3.0\n") !=
          std::string::npos);
    history_holds(*cluster, 3);
    CHECK(framework.process().stderr_text().find(" answered 4") == std::string::npos);

    CHECK(framework.process().stop() == 0);
    REQUIRE(eventually(
        [&] { return master_state(cluster->port()).at("frameworks").as_array().empty(); }));
    CHECK(master_state(cluster->port()).at("completed_frameworks").as_array().size() == 1);
  }
}

TEST_CASE("cluster: evacuation before the windows, replacement first, never below N") {
  auto options = agents(6);
  auto cluster = start_cluster(options);
  Framework framework({cluster->master_flag(), "--num_tasks=3"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 3; }));
  const auto before = running_tasks(cluster->port());
  const std::string later = before[0].agent_id;
  const std::string sooner = before[1].agent_id;

  // N + --max_surge (1) tasks alive and not being killed, never two on an agent.
  InvariantWatch watch(cluster->port(), 3 + 1);
  schedule_windows(cluster->port(), {{{later}, 60s}, {{sooner}, 45s}});
  // The first replacement to start is the one for the sooner window.
  std::string first_move;
  REQUIRE(eventually([&] {
    const auto state = framework.state();  // kept: the loop iterates into it
    for (const auto& move : state.at("planned_moves").as_array()) {
      if (std::string(move.at("status").as_string()).starts_with("replacement")) {
        first_move = std::string(move.at("agent_id").as_string());
        return true;
      }
    }
    return false;
  }));
  CHECK(first_move == sooner);
  REQUIRE(eventually([&] {
    return live_on(cluster->port(), {later, sooner}) == 0 &&
           running_tasks(cluster->port()).size() == 3;
  }));
  watch.finish();
  CHECK(watch.violation() == "");
  CHECK(watch.fewest_running() == 3);  // never below N, during either move

  // Make-before-break, from the agents' own times: each old task was killed only after its
  // replacement reported RUNNING, and never more than N + 1 were alive and not being killed.
  const auto history = task_history(cluster->port());
  CHECK(peak_alive(history) == 4);
  CHECK(history_violation(history, 3 + 1) == "");

  machine_down(cluster->port(), {later, sooner});
  CHECK(master_metric(cluster->port(), "master/tasks_lost") == 0);
  CHECK(eventually([&] { return framework.metric("evacuations") == 2; }));
  CHECK(framework.metric("tasks_caught_by_down") == 0);
  CHECK(framework.metric("replacements_launched") == 2);
  CHECK(framework.metric("min_running_tasks") == 3);
  CHECK(framework.metric("kill_first_moves") == 0);
  CHECK(framework.state().at("planned_moves").as_array().empty());
  CHECK(framework.process().stderr_text().find(" answered 4") == std::string::npos);
  history_holds(*cluster, 3 + 1);
}

TEST_CASE(
    "cluster: machine DOWN with no time to move is relaunched at once, and the machine returns "
    "UP") {
  // Three agents, two tasks; the free agent is also being maintained, so the task has nowhere
  // safe to go before its machine goes DOWN.
  auto cluster = start_cluster(agents(3));
  Framework framework({cluster->master_flag(), "--num_tasks=2", "--min_lead_time=120secs"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 2; }));
  const auto tasks = running_tasks(cluster->port());
  std::string free_agent;
  const auto master = master_state(cluster->port());  // kept: the loop iterates into it
  for (const auto& agent : master.at("slaves").as_array()) {
    const std::string id(agent.at("id").as_string());
    if (id != tasks[0].agent_id && id != tasks[1].agent_id) {
      free_agent = id;
    }
  }
  const std::string doomed_host = hostname_of(cluster->port(), tasks[0].agent_id);
  const std::string doomed_machine = machine_of(cluster->port(), tasks[0].agent_id);
  schedule_windows(cluster->port(), {{{tasks[0].agent_id}, 60s}, {{free_agent}, 90s}});
  REQUIRE(eventually([&] { return !framework.state().at("planned_moves").as_array().empty(); }));
  const auto down_at = std::chrono::steady_clock::now();
  machine_down(cluster->port(), {tasks[0].agent_id});
  REQUIRE(eventually([&] { return framework.metric("tasks_caught_by_down") == 1; }));
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 2; }));
  MESSAGE("machine DOWN to N running again: "
          << std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - down_at)
                 .count()
          << " ms");
  CHECK(framework.metric("sleepers_lost_abnormally") == 0);
  bool marked = false;
  const auto state = framework.state();
  for (const auto& agent : state.at("agents").as_array()) {
    marked = marked || (agent.at("id").as_string() == tasks[0].agent_id.c_str() &&
                        agent.as_object().contains("lost") && agent.at("lost") == "down");
  }
  CHECK(marked);

  // UP: the machine leaves the schedule and comes back as a new agent.
  const auto up =
      request(cluster->port(), {"POST", "/master/machine/up", {}, "[" + doomed_machine + "]"});
  REQUIRE_MESSAGE(up.status == 200, up.body);
  cluster->machines_up({doomed_host});
  CHECK(eventually([&] {
    std::size_t active = 0;
    const auto now = master_state(cluster->port());  // kept: the loop iterates into it
    for (const auto& agent : now.at("slaves").as_array()) {
      active += agent.at("active").as_bool() ? 1U : 0U;
    }
    return active == 3;
  }));
  const auto status = request(cluster->port(), {"GET", "/master/maintenance/status", {}, ""}).body;
  CHECK(status.find(doomed_host) == std::string::npos);
  // The task relaunched on the free agent sits within its window's lead time: it moves to the
  // machine that came back, the only safe place.
  CHECK(eventually([&] {
    return live_on(cluster->port(), {free_agent}) == 0 &&
           running_tasks(cluster->port()).size() == 2;
  }));
  history_holds(*cluster, 2 + 1);
}

TEST_CASE("cluster: drained and vanished agents are planned losses, relaunched elsewhere") {
  struct Case {
    std::string name;
    std::string counter;
  };
  for (const auto& [name, counter] : std::vector<Case>{{"DRAIN_AGENT", "tasks_drained"},
                                                       {"DRAIN_AGENT, mark_gone", "tasks_drained"},
                                                       {"vanished", "tasks_lost_with_agent"}}) {
    CAPTURE(name);
    auto options = agents(3);
    options.fast_unreachable = true;
    auto cluster = start_cluster(options);
    Framework framework({cluster->master_flag(), "--num_tasks=2"});
    REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 2; }));
    const std::string agent = running_tasks(cluster->port()).front().agent_id;
    const auto taken_at = std::chrono::steady_clock::now();
    if (name == "vanished") {
      cluster->vanish(agent);
    } else {
      drain(*cluster, agent, name.ends_with("mark_gone"));
    }
    REQUIRE(eventually([&] { return framework.metric(counter) == 1; }));
    REQUIRE(eventually([&] {
      return running_tasks(cluster->port()).size() == 2 && live_on(cluster->port(), {agent}) == 0;
    }));
    MESSAGE(name << ": agent taken to N running elsewhere: "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - taken_at)
                        .count()
                 << " ms");
    CHECK(framework.metric("sleepers_lost_abnormally") == 0);
    CHECK(framework.metric("tasks_caught_by_down") == 0);
    if (name != "vanished") {
      // DRAINED once the drained task's end is acknowledged; with mark_gone, removed instead.
      CHECK(eventually([&] {
        const auto state = master_state(cluster->port());  // kept: the loop iterates into it
        for (const auto& entry : state.at("slaves").as_array()) {
          if (entry.at("id").as_string() == agent.c_str()) {
            const auto* info = entry.as_object().if_contains("drain_info");
            return info != nullptr && info->at("state") == "DRAINED";
          }
        }
        return name.ends_with("mark_gone");
      }));
    }
    history_holds(*cluster, 2 + 1);
  }
}

TEST_CASE("cluster: failed tasks are replaced, and offers are suppressed and revived around them") {
  auto cluster = start_cluster(agents(4));
  Framework framework({cluster->master_flag(), "--num_tasks=3"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 3; }));
  REQUIRE(eventually([&] { return framework.metric("offers_suppressed") == 1; }));
  const std::string framework_id = framework_id_of(cluster->port());
  const double suppressed = master_metric(cluster->port(), "master/messages_suppress_offers");
  const double revived = master_metric(cluster->port(), "master/messages_revive_offers");
  CHECK(suppressed >= 1);
  constexpr int rounds = 3;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    const auto victim = running_tasks(cluster->port()).front();
    cluster->fail_task(framework_id, victim.id);
    REQUIRE(eventually([&] {
      const auto tasks = running_tasks(cluster->port());
      for (const auto& task : tasks) {
        if (task.id == victim.id) {
          return false;
        }
      }
      return tasks.size() == 3;
    }));
    // Suppressed again before the next failure, so each one must revive.
    REQUIRE(eventually([&] { return framework.metric("offers_suppressed") == 1; }));
  }
  CHECK(framework.metric("sleepers_lost_abnormally") == rounds);
  CHECK(framework.metric("current_sleepers") == 3);
  // The master counted one REVIVE per opened slot and a SUPPRESS once each was filled; a
  // REVIVE is rate-limited to one a second, so there are no more than that either.
  const double more_revives =
      master_metric(cluster->port(), "master/messages_revive_offers") - revived;
  const double more_suppresses =
      master_metric(cluster->port(), "master/messages_suppress_offers") - suppressed;
  CHECK(more_revives >= rounds);
  CHECK(more_revives <= 2 * rounds);
  CHECK(more_suppresses >= rounds);
  CHECK(more_suppresses <= 2 * rounds);
  history_holds(*cluster, 3);
}

TEST_CASE(
    "cluster: killed and restarted with --state_file: same ID, tasks adopted, none launched") {
  TempDir dir;
  const std::string state_file = dir.path("state.json");
  auto cluster = start_cluster(agents(5));
  for (const int signal : {SIGKILL, SIGTERM}) {
    CAPTURE(signal);
    std::set<std::string> before;
    std::string id;
    {
      Framework first({cluster->master_flag(), "--num_tasks=3", "--state_file=" + state_file});
      REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 3; }));
      before = ids(task_history(cluster->port()));
      id = framework_id_of(cluster->port());
      const int status = first.process().stop(signal);
      CHECK(status == (signal == SIGKILL ? 128 + SIGKILL : 0));
    }
    Framework second({cluster->master_flag(), "--num_tasks=3", "--state_file=" + state_file});
    REQUIRE(eventually([&] {
      return second.metric("subscriptions") == 1 && second.metric("tasks_reconciling") == 0;
    }));
    CHECK(framework_id_of(cluster->port()) == id);
    CHECK(master_state(cluster->port()).at("frameworks").as_array().size() == 1);
    CHECK(second.metric("current_sleepers") == 3);
    CHECK(second.metric("tasks_launched") == 0);
    // The master never saw another task: none was launched, not even briefly.
    std::this_thread::sleep_for(std::chrono::milliseconds(500 * patience()));
    CHECK(ids(task_history(cluster->port())) == before);
    history_holds(*cluster, 3);
    CHECK(second.process().stop() == 0);
  }
}

TEST_CASE("cluster: a frozen master: the framework re-subscribes and reconciles its tasks") {
  // mesos-sim's streams go silent; a real master is stopped (SIGSTOP) and so is its stream. A
  // real master's heartbeat is every 15 s, mesos-sim's here every second.
  auto options = agents(3);
  options.sim_flags = {"--heartbeat_interval=1secs"};
  auto cluster = start_cluster(options);
  Framework framework({cluster->master_flag(), "--num_tasks=2", "--heartbeat_misses=1"});
  REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 2; }));
  REQUIRE(eventually([&] { return framework.metric("tasks_reconciling") == 0; }));
  const auto before = ids(task_history(cluster->port()));
  const double reconciles = master_metric(cluster->port(), "master/messages_reconcile_tasks");

  cluster->freeze();
  // The framework gives the stream up after one silent interval (it cannot reach the master
  // meanwhile on a real cluster, so only its own view is asked).
  REQUIRE(eventually([&] { return framework.metric("subscribed") == 0; }, 20s));
  cluster->resume();
  REQUIRE(eventually([&] {
    return framework.metric("subscriptions") == 2 && framework.metric("subscribed") == 1 &&
           framework.metric("tasks_reconciling") == 0;
  }));
  // The re-subscription asked the master about both tasks, and nothing was launched.
  CHECK(master_metric(cluster->port(), "master/messages_reconcile_tasks") > reconciles);
  CHECK(framework.metric("tasks_launched") == 2);
  CHECK(ids(task_history(cluster->port())) == before);
  CHECK(running_tasks(cluster->port()).size() == 2);
  history_holds(*cluster, 2);
}

TEST_CASE("cluster: Basic authentication: the right credentials subscribe, wrong ones exit 1") {
  auto options = agents(2);
  options.credentials = {"fw", "s3cret"};
  auto cluster = start_cluster(options);
  {
    Framework framework(
        {cluster->master_flag(), "--authenticate", "--principal=fw", "--secret=s3cret"});
    CHECK(eventually([&] { return framework.metric("current_sleepers") == 1; }));
    const auto state = master_state(cluster->port());
    REQUIRE(state.at("frameworks").as_array().size() == 1);
    CHECK(state.at("frameworks").as_array()[0].at("principal").as_string() == "fw");
  }
  ChildProcess wrong(IOF_FRAMEWORK_BINARY,
                     {cluster->master_flag(), "--authenticate", "--principal=fw", "--secret=nope",
                      "--http_address=127.0.0.1:0"});
  CHECK(wrong.wait(std::chrono::seconds(10 * patience())) == 1);
  CHECK(wrong.stderr_text().find("The master refused the credentials of principal 'fw'") !=
        std::string::npos);
}
