#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// A Mesos cluster for one end-to-end scenario: mesos-sim, or a real mesos-master with real
// mesos-agent processes started by scripts/real-mesos.sh. A scenario is written once against this
// interface and runs on either; IOF_MASTER_KIND (sim, the default, or real) picks which.
//
// Both kinds follow one naming rule, so that maintenance machine ids are the same: agent<I> has
// ip 127.0.0.<I+1>, I counting from 1.
namespace iof::test {

enum class MasterKind { sim, real };

// From IOF_MASTER_KIND; throws on a value that is neither "sim" nor "real".
MasterKind master_kind_from_environment();

struct ClusterOptions {
  int agents = 3;
  // The emulator's command-task latencies; unset, mesos-sim's defaults, which are a real agent's
  // as measured (about 0.4 s to TASK_RUNNING, 0.1 s to TASK_KILLED).
  std::optional<std::chrono::milliseconds> sim_launch_latency;
  std::optional<std::chrono::milliseconds> sim_kill_latency;
  // A machine that dies without notice is marked unreachable within about a second, not 75 s.
  bool fast_unreachable = false;
  // HTTP Basic authentication of frameworks with this one principal and secret.
  std::optional<std::pair<std::string, std::string>> credentials;
  // A master that can be restarted with its registry: mesos-sim with a --work_dir; a real
  // master with a replicated log, elected through a ZooKeeper server started for the cluster,
  // which the agents follow (a real agent finds a restarted master only that way).
  bool durable_master = false;
  // The master's --allocation_interval, on both kinds.
  std::chrono::milliseconds allocation_interval{100};
  // Flags only the emulator understands (fault injection settings, seeds).
  std::vector<std::string> sim_flags;
};

class TestCluster {
 public:
  // Starts the cluster and returns once every agent is registered. Throws with the reason (and
  // the logs' location) when it cannot; a real cluster with no Mesos installed throws
  // NoMesos.
  static std::unique_ptr<TestCluster> start(MasterKind kind, const ClusterOptions& options);
  virtual ~TestCluster() = default;

  // The master's HTTP port on 127.0.0.1.
  virtual unsigned short port() const = 0;
  // The framework's --master for this cluster: the master's address, or the ZooKeeper URL of a
  // durable real master.
  virtual std::string master_flag() const { return "--master=127.0.0.1:" + std::to_string(port()); }
  // The task's command dies (its process is killed, or the emulator fails it): TASK_FAILED.
  virtual void fail_task(const std::string& framework_id, const std::string& task_id) = 0;
  // The agent's machine dies without notice: no more pings are answered, its tasks are gone.
  virtual void vanish(const std::string& agent_id) = 0;
  // After POST /master/machine/up, machines come back as new agents (a real agent shut down by
  // machine/down must be started again). Returns once they are registered.
  virtual void machines_up(const std::vector<std::string>& hostnames) = 0;
  // The master process stops and starts again on the same port with the same registry
  // (durable_master only). Returns once the new one serves; the agents re-register by themselves.
  virtual void restart_master() = 0;
  // The master stops answering anything, its open streams included, until resume().
  virtual void freeze() = 0;
  virtual void resume() = 0;

  // Status updates not yet acknowledged by the framework, as far as the cluster can tell.
  virtual std::size_t unacknowledged_updates() = 0;
  // Where the master and agents log, for failure messages.
  virtual std::string logs() const = 0;
};

struct NoMesos : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace iof::test
