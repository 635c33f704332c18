#pragma once

// What the framework's end-to-end tests share: the framework binary as a child process, the
// master's view of tasks, and the invariants every scenario checks.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "child_process.hpp"
#include "http_client.hpp"
#include "sim_process.hpp"
#include "test_cluster.hpp"

namespace iof::test::framework {

using namespace std::chrono_literals;
using iof::test::ChildProcess;
using iof::test::request;
using iof::test::SimProcess;
using iof::test::TestCluster;

// The master these scenarios run against: IOF_MASTER_KIND, sim by default.
inline iof::test::MasterKind master_kind() {
  static const auto kind = iof::test::master_kind_from_environment();
  return kind;
}

// How many times longer than on mesos-sim a step may take: a real agent starts a task in about a
// second, and the prebuilt master is an unoptimised build.
inline int patience() {
  return master_kind() == iof::test::MasterKind::real ? 4 : 1;
}

// A fresh cluster of the kind under test for one scenario.
inline std::unique_ptr<TestCluster> start_cluster(const iof::test::ClusterOptions& options) {
  return TestCluster::start(master_kind(), options);
}

// A scenario that needs a fault only mesos-sim can make says why and does nothing on a real
// master; ctest reports it as skipped (the "real." tests match this line).
inline bool skipped_on_real_mesos(const char* why) {
  if (master_kind() != iof::test::MasterKind::real) {
    return false;
  }
  std::printf("SKIPPED-ON-REAL-MESOS: %s\n", why);
  std::fflush(stdout);
  return true;
}

struct Task {
  std::string id;
  std::string agent_id;
  std::string state;
};

inline boost::json::object master_state(unsigned short port) {
  return boost::json::parse(request(port, {"GET", "/master/state", {}, ""}).body).as_object();
}

inline std::vector<Task> running_tasks(unsigned short port) {
  std::vector<Task> out;
  const auto state = master_state(port);  // kept: the loop below iterates into it
  for (const auto& framework : state.at("frameworks").as_array()) {
    for (const auto& task : framework.at("tasks").as_array()) {
      const auto& t = task.as_object();
      if (t.at("state").as_string() == "TASK_RUNNING") {
        out.push_back({std::string(t.at("id").as_string()),
                       std::string(t.at("slave_id").as_string()),
                       std::string(t.at("state").as_string())});
      }
    }
  }
  return out;
}

inline std::string hostname_of(unsigned short port, const std::string& agent_id) {
  const auto state = master_state(port);
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.at("id").as_string() == agent_id) {
      return std::string(agent.at("hostname").as_string());
    }
  }
  return "";
}

// The machine id (hostname and ip, both needed to match) of an agent: agent<I> has ip
// 127.0.0.<I+1> on mesos-sim and in scripts/real-mesos.sh alike.
inline std::string machine_of(unsigned short port, const std::string& agent_id) {
  const std::string host = hostname_of(port, agent_id);
  const std::string ip = "127.0.0." + std::to_string(std::stoi(host.substr(5)) + 1);
  return R"({"hostname":")" + host + R"(","ip":")" + ip + R"("})";
}

struct Window {
  std::vector<std::string> agent_ids;
  std::chrono::seconds starts_in;
};

// Posts a schedule with these windows, each starting the given time from now.
inline void schedule_windows(unsigned short port, const std::vector<Window>& windows) {
  std::string schedule = R"({"windows":[)";
  for (const auto& window : windows) {
    const auto start = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch() + window.starts_in)
                           .count();
    std::string machines;
    for (const auto& agent : window.agent_ids) {
      machines += (machines.empty() ? "" : ",") + machine_of(port, agent);
    }
    schedule += (schedule.back() == '[' ? "" : ",") + std::string(R"({"machine_ids":[)") +
                machines + R"(],"unavailability":{"start":{"nanoseconds":)" +
                std::to_string(start) + "}}}";
  }
  schedule += "]}";
  REQUIRE(request(port, {"POST", "/master/maintenance/schedule", {}, schedule}).status == 200);
}

// Puts the machine of `agent_id` into maintenance an hour from now.
inline void schedule_maintenance(unsigned short port, const std::string& agent_id) {
  schedule_windows(port, {{{agent_id}, std::chrono::hours(1)}});
}

// Takes the machines of these agents DOWN (they must be scheduled).
inline void machine_down(unsigned short port, const std::vector<std::string>& agent_ids) {
  std::string machines;
  for (const auto& agent : agent_ids) {
    machines += (machines.empty() ? "" : ",") + machine_of(port, agent);
  }
  REQUIRE(request(port, {"POST", "/master/machine/down", {}, "[" + machines + "]"}).status == 200);
}

// Polls `condition` every 50 ms for up to `limit` (times patience() on a real master).
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit * patience();
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

// The framework, started against a master; learns its metrics port from its first line.
class Framework {
 public:
  explicit Framework(std::vector<std::string> args) {
    args.push_back("--http_address=127.0.0.1:0");
    process_ = std::make_unique<ChildProcess>(IOF_FRAMEWORK_BINARY, args);
    // With --master=local the embedded master's address comes first, then the metrics'.
    std::smatch match;
    for (int i = 0; i < 2; ++i) {
      const std::string line = process_->first_line();
      if (std::regex_search(line, match, std::regex(R"(master at http://127\.0\.0\.1:(\d+))"))) {
        local_master_port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
      } else if (std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+)/metrics)"))) {
        metrics_port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
        break;
      }
    }
    if (metrics_port_ == 0) {
      FAIL("the framework did not start: " << process_->stderr_text());
    }
  }

  double metric(const std::string& name) {
    const auto body = request(metrics_port_, {"GET", "/metrics/snapshot", {}, ""}).body;
    return boost::json::parse(body).as_object().at("inverse_offer_framework/" + name).as_double();
  }
  std::string prometheus() { return request(metrics_port_, {"GET", "/metrics", {}, ""}).body; }
  HttpResponse get(const std::string& path) {
    return request(metrics_port_, {"GET", path, {}, ""});
  }
  // GET /state, parsed.
  boost::json::object state() { return boost::json::parse(get("/state").body).as_object(); }
  ChildProcess& process() { return *process_; }
  unsigned short local_master_port() const { return local_master_port_; }
  unsigned short port() const { return metrics_port_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  unsigned short metrics_port_ = 0;
  unsigned short local_master_port_ = 0;
};

inline std::string master_flag(const SimProcess& sim) {
  return "--master=127.0.0.1:" + std::to_string(sim.port());
}

// Tasks the master has not seen end, by state.
inline std::vector<Task> live_tasks(unsigned short port) {
  std::vector<Task> out;
  const auto state = master_state(port);
  for (const auto& framework : state.at("frameworks").as_array()) {
    for (const auto& task : framework.at("tasks").as_array()) {
      const auto& t = task.as_object();
      const std::string task_state(t.at("state").as_string());
      if (task_state == "TASK_STAGING" || task_state == "TASK_STARTING" ||
          task_state == "TASK_RUNNING" || task_state == "TASK_KILLING") {
        out.push_back({std::string(t.at("id").as_string()),
                       std::string(t.at("slave_id").as_string()), task_state});
      }
    }
  }
  return out;
}

inline double master_metric(unsigned short port, const std::string& name) {
  const auto body = request(port, {"GET", "/metrics/snapshot", {}, ""}).body;
  return boost::json::parse(body).as_object().at(name).as_double();
}

// The invariants of every scenario: never two live tasks on one agent, never more than `limit`
// live tasks. Returns a text naming the violation, empty when they hold.
inline std::string invariant_violation(unsigned short port, std::size_t limit) {
  const auto tasks = live_tasks(port);
  std::set<std::string> agents;
  for (const auto& task : tasks) {
    if (!agents.insert(task.agent_id).second) {
      return "two live tasks on agent " + task.agent_id;
    }
  }
  if (tasks.size() > limit) {
    return std::to_string(tasks.size()) + " live tasks, more than " + std::to_string(limit);
  }
  return {};
}

inline std::string framework_id_of(unsigned short port) {
  const auto state = master_state(port);
  const auto& frameworks = state.at("frameworks").as_array();
  return frameworks.empty() ? std::string() : std::string(frameworks[0].at("id").as_string());
}

// A directory for one test's files, removed with everything in it when the test ends.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/iof-resilience-XXXXXX";
    path_ = ::mkdtemp(name);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path(const std::string& leaf) const { return path_ + "/" + leaf; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace iof::test::framework
