// The mesos-sim side of TestCluster: one emulator process, faults through its /sim endpoints.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include "http_client.hpp"
#include "sim_process.hpp"
#include "test_cluster.hpp"

namespace iof::test {

namespace {

std::string millis(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + "ms";
}

class SimCluster final : public TestCluster {
 public:
  explicit SimCluster(const ClusterOptions& options) {
    std::vector<std::string> flags{"--agents=" + std::to_string(options.agents),
                                   "--allocation_interval=" + millis(options.allocation_interval)};
    if (options.sim_launch_latency) {
      flags.push_back("--task_launch_latency=" + millis(*options.sim_launch_latency));
    }
    if (options.sim_kill_latency) {
      flags.push_back("--task_kill_latency=" + millis(*options.sim_kill_latency));
    }
    if (options.fast_unreachable) {
      flags.insert(flags.end(), {"--agent_ping_timeout=100ms", "--max_agent_ping_timeouts=2"});
    }
    if (options.credentials) {
      char path[] = "/tmp/iof-credentials-XXXXXX";
      const int fd = ::mkstemp(path);
      if (fd < 0) {
        throw std::runtime_error("mkstemp failed");
      }
      ::close(fd);
      credentials_file_ = path;
      std::ofstream(credentials_file_)
          << options.credentials->first << ' ' << options.credentials->second << '\n';
      flags.insert(flags.end(),
                   {"--authenticate_http_frameworks", "--credentials=" + credentials_file_});
    }
    if (options.durable_master) {
      char pattern[] = "/tmp/iof-sim-registry-XXXXXX";
      if (::mkdtemp(pattern) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
      }
      work_dir_ = pattern;
      flags.push_back("--work_dir=" + work_dir_);
    }
    flags.insert(flags.end(), options.sim_flags.begin(), options.sim_flags.end());
    sim_ = std::make_unique<SimProcess>(flags);
    // A restart keeps the registry and the port; the agents come from the registry.
    restart_flags_ = {"--port=" + std::to_string(sim_->port())};
    for (const auto& flag : flags) {
      if (!flag.starts_with("--agents=")) {
        restart_flags_.push_back(flag);
      }
    }
  }
  ~SimCluster() override {
    sim_.reset();
    if (!credentials_file_.empty()) {
      ::unlink(credentials_file_.c_str());
    }
    if (!work_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(work_dir_, ignored);
    }
  }

  void restart_master() override {
    if (work_dir_.empty()) {
      throw std::logic_error("restart_master needs ClusterOptions::durable_master");
    }
    sim_->stop();
    sim_ = std::make_unique<SimProcess>(restart_flags_);
  }

  unsigned short port() const override { return sim_->port(); }

  void fail_task(const std::string& framework_id, const std::string& task_id) override {
    post("/sim/fail_task",
         R"({"framework_id":")" + framework_id + R"(","task_id":")" + task_id + R"("})");
  }
  void vanish(const std::string& agent_id) override {
    post("/sim/agents/disconnect", R"({"agent_id":")" + agent_id + R"("})");
  }
  // The emulator brings a machine's agent back by itself on machine/up.
  void machines_up(const std::vector<std::string>&) override {}
  void freeze() override { post("/sim/streams/stall", ""); }
  void resume() override {}

  std::size_t unacknowledged_updates() override {
    const auto body = request(port(), {"GET", "/metrics/snapshot", {}, ""}).body;
    return static_cast<std::size_t>(
        boost::json::parse(body).as_object().at("sim/updates_unacknowledged").to_number<double>());
  }
  std::string logs() const override { return "mesos-sim on port " + std::to_string(port()); }

 private:
  void post(const std::string& path, const std::string& body) {
    const auto reply = request(port(), {"POST", path, {}, body});
    if (reply.status != 200) {
      throw std::runtime_error(path + " answered " + std::to_string(reply.status) + ": " +
                               reply.body);
    }
  }

  std::unique_ptr<SimProcess> sim_;
  std::string credentials_file_;
  std::string work_dir_;
  std::vector<std::string> restart_flags_;
};

}  // namespace

std::unique_ptr<TestCluster> start_sim_cluster(const ClusterOptions& options) {
  return std::make_unique<SimCluster>(options);
}

}  // namespace iof::test
