// The move forecast end to end, on mesos-sim and on a real Mesos: windows on every agent holding
// a task, posted with less notice than one-at-a-time moves need. With --max_surge=1 the framework
// says so before the windows open (log, /state, metric); with --max_surge=50% the same notice is
// enough, nothing is reported, and every task has left its agent before its window.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "framework_fixture.hpp"

using namespace iof::test::framework;

namespace {

// Three tasks on six agents, then a window on each of the three agents holding one, 25 s ahead.
// With the 10 s lead time the deadlines are 15 s ahead: moves started one lead time apart fit
// two (at 0 s and 10 s, not the third at 20 s); two at a time (50% of 3, rounded up) fit all.
struct ShortNotice {
  std::unique_ptr<iof::test::TestCluster> cluster;
  std::unique_ptr<Framework> framework;
  std::set<std::string> doomed;

  explicit ShortNotice(const std::string& surge) {
    iof::test::ClusterOptions options;
    options.agents = 6;
    cluster = start_cluster(options);
    framework = std::make_unique<Framework>(
        std::vector<std::string>{cluster->master_flag(), "--num_tasks=3", "--min_lead_time=10secs",
                                 "--lead_time_factor=1", "--max_surge=" + surge});
    REQUIRE(eventually([&] { return running_tasks(cluster->port()).size() == 3; }));
    std::vector<std::string> agents;
    for (const auto& task : running_tasks(cluster->port())) {
      agents.push_back(task.agent_id);
      doomed.insert(task.agent_id);
    }
    schedule_windows(cluster->port(), {{agents, 25s}});
  }
};

}  // namespace

TEST_CASE("forecast: --max_surge=1 on short notice is reported before the windows open") {
  ShortNotice run("1");
  const auto scheduled = std::chrono::steady_clock::now();
  REQUIRE(eventually(
      [&] {
        return run.framework->process().stderr_text().find("Forecast: 1 of 3 moves") !=
               std::string::npos;
      },
      5s));
  CHECK(std::chrono::steady_clock::now() - scheduled < 10s * patience());
  const auto state = run.framework->state();
  CHECK_FALSE(state.at("forecast").at("feasible").as_bool());
  CHECK(state.at("forecast").at("moves_at_risk").to_number<double>() >= 1);
  // /state reads the live state; /metrics serves the view published after frames (every 20 ms
  // at most), which may not have caught up with it yet.
  CHECK(eventually([&] { return run.framework->metric("moves_at_risk") >= 1; }, 2s));
  CHECK(run.framework->process().stop() == 0);
}

TEST_CASE("forecast: --max_surge=50% on the same notice reports nothing and moves every task") {
  ShortNotice run("50%");
  // Every task leaves its agent before the windows open (25 s after they were posted).
  CHECK(eventually(
      [&] {
        const auto live = live_tasks(run.cluster->port());
        return live.size() == 3 && std::none_of(live.begin(), live.end(), [&](const Task& task) {
                 return run.doomed.contains(task.agent_id);
               });
      },
      20s));
  CHECK(run.framework->process().stderr_text().find("Forecast: ") == std::string::npos);
  CHECK(run.framework->metric("moves_at_risk") == 0);
  CHECK(eventually([&] { return run.framework->metric("evacuations") == 3; }));
  CHECK(run.framework->process().stop() == 0);
}
