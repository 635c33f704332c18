#pragma once

// What the --execute tests share: a mesos-sim running tasks for real on one agent, with a
// framework holding its offer, and ways to look at the tasks' files and processes.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "sim_client.hpp"
#include "sim_process.hpp"

namespace iof::test::execute {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace v1 = mesos::v1;
using v1::scheduler::Call;

// A fresh --work_dir per test, removed at the end.
struct WorkDir {
  fs::path path;
  WorkDir() {
    std::string pattern = (fs::temp_directory_path() / "mesos-sim-exec-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~WorkDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

struct Cluster {
  WorkDir work;
  SimProcess sim;
  SimFramework framework;
  std::string agent_id;
  v1::Offer offer;
  // CommandInfo.user of the tasks launched next, if set.
  std::optional<std::string> user;

  explicit Cluster(std::vector<std::string> flags = {})
      : sim([&] {
          flags.insert(flags.end(), {"--execute", "--agents=1", "--allocation_interval=50ms",
                                     "--work_dir=" + work.path.string()});
          return flags;
        }()),
        framework(sim.port(), SimFramework::info()) {
    const auto offers = framework.offers_for({"agent1"});
    REQUIRE(!offers.empty());
    offer = offers.front();
    agent_id = offer.agent_id().value();
  }

  // Launches `command` (through /bin/sh -c unless argv is given) with ports 31000-31001.
  void launch(const std::string& task_id, const std::string& command,
              const std::vector<std::string>& argv = {},
              const std::optional<v1::HealthCheck>& health_check = std::nullopt) {
    Call call;
    call.set_type(Call::ACCEPT);
    *call.mutable_accept()->add_offer_ids() = offer.id();
    auto* operation = call.mutable_accept()->add_operations();
    operation->set_type(v1::Offer::Operation::LAUNCH);
    auto* task = operation->mutable_launch()->add_task_infos();
    task->set_name(task_id);
    task->mutable_task_id()->set_value(task_id);
    *task->mutable_agent_id() = offer.agent_id();
    task->mutable_command()->set_value(command);
    if (user) {
      task->mutable_command()->set_user(*user);
    }
    if (!argv.empty()) {
      task->mutable_command()->set_shell(false);
      for (const auto& argument : argv) {
        task->mutable_command()->add_arguments(argument);
      }
    }
    auto* variable = task->mutable_command()->mutable_environment()->add_variables();
    variable->set_name("GREETING");
    variable->set_value("hello from the task");
    for (const char* name : {"cpus", "mem"}) {
      auto* r = task->add_resources();
      r->set_name(name);
      r->set_type(v1::Value::SCALAR);
      r->mutable_scalar()->set_value(name == std::string("cpus") ? 0.1 : 16);
    }
    auto* ports = task->add_resources();
    ports->set_name("ports");
    ports->set_type(v1::Value::RANGES);
    auto* range = ports->mutable_ranges()->add_range();
    range->set_begin(31000);
    range->set_end(31001);
    if (health_check) {
      *task->mutable_health_check() = *health_check;
    }
    call.mutable_accept()->mutable_filters()->set_refuse_seconds(0);
    REQUIRE(framework.send(std::move(call)) == 202);
  }

  // The next update, acknowledged (the agent sends the next one only after that).
  v1::TaskStatus next(std::chrono::milliseconds timeout = 10s) {
    auto status = framework.next_update(timeout);
    REQUIRE(framework.acknowledge(status) == 202);
    return status;
  }

  void kill(const std::string& task_id, std::optional<std::chrono::milliseconds> grace = {}) {
    Call call;
    call.set_type(Call::KILL);
    call.mutable_kill()->mutable_task_id()->set_value(task_id);
    call.mutable_kill()->mutable_agent_id()->set_value(agent_id);
    if (grace) {
      call.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
          std::chrono::duration_cast<std::chrono::nanoseconds>(*grace).count());
    }
    REQUIRE(framework.send(std::move(call)) == 202);
  }

  // The task's one sandbox: <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<task>/runs/<c>.
  fs::path sandbox(const std::string& task_id) const {
    const fs::path runs = work.path / "slaves" / agent_id / "frameworks" / framework.id() /
                          "executors" / task_id / "runs";
    REQUIRE(fs::is_directory(runs));
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(runs)) {
      found.push_back(entry.path());
    }
    REQUIRE(found.size() == 1);
    return found.front();
  }
};

inline std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// Waits until `path` exists (a task writes it), up to `limit`.
inline bool appears(const fs::path& path, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The processes whose process group is `group`, from /proc.
inline std::vector<int> group_members(int group) {
  std::vector<int> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const std::string stat = read(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    int parent = 0;
    int pgrp = 0;
    fields >> state >> parent >> pgrp;
    if (pgrp == group && state != "Z") {
      out.push_back(std::stoi(name));
    }
  }
  return out;
}

}  // namespace iof::test::execute
