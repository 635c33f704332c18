// The real side of TestCluster: a mesos-master and mesos-agent processes from
// scripts/real-mesos.sh, each a child of the test (they die with it), with faults made by real
// means: SIGKILL for a task's command, SIGSTOP for a machine that dies or a frozen master.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include <boost/json/parse.hpp>

#include "child_process.hpp"
#include "http_client.hpp"
#include "test_cluster.hpp"
#include "zk_server.hpp"

#ifndef IOF_REAL_MESOS_SCRIPT
#error "IOF_REAL_MESOS_SCRIPT must name scripts/real-mesos.sh"
#endif

namespace iof::test {

namespace {

using namespace std::chrono_literals;

// Runs the script to completion; its exit status and output.
std::pair<int, std::string> script(const std::vector<std::string>& args,
                                   std::chrono::milliseconds limit = 120s) {
  // The Mesos found when the tests were configured, unless the caller names another.
  ::setenv("MESOS_HOME", IOF_DEFAULT_MESOS_HOME, 0);
  std::vector<std::string> all{IOF_REAL_MESOS_SCRIPT};
  all.insert(all.end(), args.begin(), args.end());
  ChildProcess run("/bin/bash", all);
  int status = run.wait(limit);
  if (status < 0) {
    status = run.stop();
  }
  return {status, run.rest_of_stdout() + run.stderr_text()};
}

// A signal that does not end the child; never to pid -1 (every process) once it was reaped.
void signal_child(const ChildProcess& child, int signal) {
  if (child.pid() > 0) {
    ::kill(child.pid(), signal);
  }
}

int index_of(const std::string& hostname) {
  if (!hostname.starts_with("agent")) {
    throw std::runtime_error("not one of our agents: " + hostname);
  }
  return std::stoi(hostname.substr(5));
}

class RealCluster final : public TestCluster {
 public:
  explicit RealCluster(const ClusterOptions& options) {
    // Install and unpack first, so that a missing Mesos is told apart from a failing one.
    if (const auto [status, output] = script({"home"}, 600s); status != 0) {
      if (status == 2) {
        throw NoMesos(output);
      }
      throw std::runtime_error("scripts/real-mesos.sh home failed: " + output);
    }
    char pattern[] = "/tmp/iof-real-mesos-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    directory_ = pattern;
    port_ = free_loopback_port();
    agent_port_ = free_loopback_port();
    std::vector<std::string> master_flags{
        "--allocation_interval=" + std::to_string(options.allocation_interval.count()) + "ms"};
    if (options.durable_master) {
      zookeeper_ = std::make_unique<ZkServer>();
      // A stopped master's znode lasts as long as its session: keep that short, so that the
      // framework and agents are not sent to the dead master for the default 10 s.
      master_flags.insert(master_flags.end(), {"--zk=" + zk_url(), "--zk_session_timeout=2secs",
                                               "--quorum=1", "--registry=replicated_log"});
    }
    if (options.fast_unreachable) {
      master_flags.insert(master_flags.end(),
                          {"--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"});
    }
    if (options.credentials) {
      const std::string file = directory_ + "/credentials.json";
      std::ofstream(file) << R"({"credentials":[{"principal":")" << options.credentials->first
                          << R"(","secret":")" << options.credentials->second << R"("}]})";
      master_flags.insert(master_flags.end(),
                          {"--authenticate_http_frameworks",
                           "--http_framework_authenticators=basic", "--credentials=" + file});
    }
    master_args_ = {IOF_REAL_MESOS_SCRIPT, "exec-master", directory_, std::to_string(port_)};
    master_args_.insert(master_args_.end(), master_flags.begin(), master_flags.end());
    master_ = std::make_unique<ChildProcess>("/bin/bash", master_args_);
    for (int i = 1; i <= options.agents; ++i) {
      start_agent(i);
    }
    wait_for_agents(static_cast<std::size_t>(options.agents));
  }

  ~RealCluster() override {
    // Agents first, so that none re-registers with a master going away; then every executor
    // and task they left behind.
    for (auto& [index, agent] : agents_) {
      signal_child(*agent, SIGCONT);
      agent->stop(SIGKILL);
    }
    agents_.clear();
    if (master_) {
      signal_child(*master_, SIGCONT);
      master_->stop();
    }
    script({"reap", directory_});
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  unsigned short port() const override { return port_; }

  void fail_task(const std::string&, const std::string& task_id) override {
    if (const auto [status, output] = script({"kill-task", directory_, task_id}); status != 0) {
      throw std::runtime_error(output);
    }
  }

  // A machine that dies keeps its connections open: nothing tells the master, which notices
  // only when pings go unanswered. A stopped agent process is exactly that (a killed one would
  // close its socket, and the master would act at once on the disconnection). Its tasks die
  // with the machine.
  void vanish(const std::string& agent_id) override {
    const int index = index_of(hostname_of(agent_id));
    signal_child(*agents_.at(index), SIGSTOP);
    script({"reap", directory_ + "/gen" + std::to_string(generation_.at(index)) + "/agent" +
                        std::to_string(index) + "/work"});
  }

  void machines_up(const std::vector<std::string>& hostnames) override {
    const std::size_t before = active_agents();
    for (const auto& hostname : hostnames) {
      const int index = index_of(hostname);
      if (auto found = agents_.find(index); found != agents_.end()) {
        found->second->stop(SIGKILL);  // shut down by machine/down already; make sure
        agents_.erase(found);
      }
      start_agent(index);
    }
    wait_for_agents(before + hostnames.size());
  }

  std::string master_flag() const override {
    return zookeeper_ ? "--master=" + zk_url() : TestCluster::master_flag();
  }

  void restart_master() override {
    if (!zookeeper_) {
      throw std::logic_error("restart_master needs ClusterOptions::durable_master");
    }
    const std::size_t agents = agents_.size();
    master_->stop();
    master_ = std::make_unique<ChildProcess>("/bin/bash", master_args_);
    wait_for_agents(agents);
  }

  void freeze() override { signal_child(*master_, SIGSTOP); }
  void resume() override { signal_child(*master_, SIGCONT); }

  // The agent sends a task's next update only once the previous one is acknowledged, and the
  // master removes a terminal task only on its acknowledgement. So an update is pending while
  // the last one forwarded (status_update_state, only in the v1 GET_TASKS answer) lags the
  // agent's latest state, or while a terminal task is still listed as a task.
  std::size_t unacknowledged_updates() override {
    const auto reply =
        request(port_, {"POST",
                        "/api/v1",
                        {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                        R"({"type":"GET_TASKS"})"});
    if (reply.status != 200) {
      throw std::runtime_error("GET_TASKS answered " + std::to_string(reply.status));
    }
    std::size_t pending = 0;
    const auto answer = boost::json::parse(reply.body).as_object();
    const auto& tasks = answer.at("get_tasks").as_object();
    if (const auto* listed = tasks.if_contains("tasks")) {
      for (const auto& task : listed->as_array()) {
        const auto& t = task.as_object();
        const std::string state(t.at("state").as_string());
        const bool terminal = state == "TASK_FINISHED" || state == "TASK_FAILED" ||
                              state == "TASK_KILLED" || state == "TASK_ERROR" ||
                              state == "TASK_LOST" || state == "TASK_DROPPED" ||
                              state == "TASK_GONE" || state == "TASK_GONE_BY_OPERATOR";
        const auto* forwarded = t.if_contains("status_update_state");
        if (terminal || (forwarded != nullptr && forwarded->as_string() != state)) {
          ++pending;
        }
      }
    }
    return pending;
  }

  std::string logs() const override { return "real Mesos logs under " + directory_; }

 private:
  boost::json::object get_state() const {
    return boost::json::parse(request(port_, {"GET", "/master/state", {}, ""}).body).as_object();
  }

  std::size_t active_agents() const {
    std::size_t active = 0;
    const auto state = get_state();  // kept: the loop iterates into it
    for (const auto& agent : state.at("slaves").as_array()) {
      active += agent.at("active").as_bool() ? 1U : 0U;
    }
    return active;
  }

  std::string hostname_of(const std::string& agent_id) const {
    const auto state = get_state();  // kept: the loop iterates into it
    for (const auto& agent : state.at("slaves").as_array()) {
      if (agent.at("id").as_string() == agent_id) {
        return std::string(agent.at("hostname").as_string());
      }
    }
    throw std::runtime_error("the master knows no agent " + agent_id);
  }

  std::string zk_url() const { return "zk://" + zookeeper_->hosts() + "/mesos"; }

  // A machine that comes back is a new agent: a fresh work dir gives it a new agent id.
  void start_agent(int index) {
    const int generation = ++generation_[index];
    agents_[index] = std::make_unique<ChildProcess>(
        "/bin/bash",
        std::vector<std::string>{
            IOF_REAL_MESOS_SCRIPT, "exec-agent", directory_ + "/gen" + std::to_string(generation),
            std::to_string(index), zookeeper_ ? zk_url() : "127.0.0.1:" + std::to_string(port_),
            "--port=" + std::to_string(agent_port_), "--registration_backoff_factor=100ms"});
  }

  void wait_for_agents(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        if (active_agents() >= count) {
          return;
        }
      } catch (const std::exception&) {
        // Not serving yet.
      }
      if (master_->wait(0ms) >= 0) {
        throw std::runtime_error("mesos-master exited: " + master_->stderr_text());
      }
      std::this_thread::sleep_for(100ms);
    }
    throw std::runtime_error("fewer than " + std::to_string(count) +
                             " agents registered within 60 s; " + logs());
  }

  std::string directory_;
  unsigned short port_ = 0;
  unsigned short agent_port_ = 0;
  std::unique_ptr<ZkServer> zookeeper_;
  std::vector<std::string> master_args_;
  std::unique_ptr<ChildProcess> master_;
  std::map<int, std::unique_ptr<ChildProcess>> agents_;
  std::map<int, int> generation_;
};

}  // namespace

std::unique_ptr<TestCluster> start_real_cluster(const ClusterOptions& options) {
  return std::make_unique<RealCluster>(options);
}

}  // namespace iof::test
