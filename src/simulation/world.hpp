#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "iof/framework/session.hpp"
#include "iof/sim/service.hpp"
#include "iof/simulation/scenario.hpp"

// The simulated world of one seed: a virtual clock and its agenda, the network between the
// framework and two master addresses, the fault injector and the invariant checker. Everything
// runs on one thread in agenda order, (time, sequence), so a seed replays exactly.
namespace iof::simulation {

namespace v1 = mesos::v1;
using framework::Endpoint;

class World {
 public:
  explicit World(const Scenario& scenario);
  ~World();
  SeedResult run();

 private:
  // ---- the agenda (world.cpp) ----
  struct Item {
    Time at{0};
    std::uint64_t sequence = 0;
    std::function<void()> run;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };
  void at(Time when, std::function<void()> run);
  void after(Time delay, std::function<void()> run) { at(now_ + delay, std::move(run)); }
  Time latency();                           // one network message
  std::uint64_t draw(std::uint64_t bound);  // uniform in [0, bound)
  double uniform();                         // [0, 1)
  Time between(Time low, Time high);
  void trace(const std::string& line);
  void violated(std::string what);

  // ---- the framework (world.cpp) ----
  void start_framework();
  void crash_framework(const std::string& why);
  Time framework_now() const { return now_ + skew_; }
  void perform(framework::session::Actions actions);
  void rearm_framework();
  void send_call(framework::session::SendCall send);
  // The calls connection: calls written back to back reach the master in order and are answered
  // in order (HTTP/1.1 pipelining), as the runtime sends them. A lost request or answer stalls
  // everything behind it, and the runtime then gives up on the connection: every call on it fails.
  struct CallsLink {
    std::uint64_t generation = 0;  // what is still scheduled for an older connection is dropped
    bool open = false;
    std::uint64_t framework_generation = 0;
    Endpoint target;
    std::size_t master = 0;
    std::uint64_t master_generation = 0;
    std::deque<std::uint64_t> in_flight;  // written, not yet answered, in order
    bool stalled = false;                 // nothing more gets through until it breaks
    Time last_arrival{0};
    Time last_answer{0};
  };
  bool open_link(const framework::session::SendCall& send);
  void deliver_call(framework::session::SendCall send, bool lossy, Time sent,
                    std::map<std::string, v1::TaskState> told_when_sent);
  void stall_link(Time fails_at, std::string why);
  void break_link(std::uint64_t generation, const std::string& why);
  void save_state(const framework::session::SaveState& save);
  void sabotage_kill(const std::string& stream_id);

  // ---- the masters and the network (masters.cpp) ----
  struct Master {
    Endpoint endpoint;
    std::unique_ptr<sim::MasterService> service;
    bool up = false;
    std::uint64_t generation = 0;  // bumped when it dies: its in-flight work is dropped
    std::optional<Time> wake;
  };
  struct Stream {
    std::uint64_t framework_generation = 0;
    std::uint64_t session_stream = 0;
    std::size_t master = 0;
    std::uint64_t master_generation = 0;
    bool open_at_framework = true;
    bool open_at_master = false;
    bool stalled = false;
    Time stalled_at{0};
    Time last_delivery{0};
    std::function<void()> on_closed;
  };
  class Sink;
  sim::Config cluster_config() const;
  void create_leader(std::size_t index, std::optional<sim::registry::Registry> registry);
  void create_standby(std::size_t index);
  void rearm_master(std::size_t index);
  std::optional<std::size_t> master_at(const Endpoint& endpoint) const;
  sim::MasterService* leader();
  http::Request request(const std::string& path, std::string body) const;
  http::Response operator_call(const std::string& path, const std::string& body);
  void open_stream(framework::session::OpenStream open);
  void close_stream_from_framework(std::uint64_t session_stream);
  void deliver_chunk(std::uint64_t key, std::string chunk);
  void master_closes(std::uint64_t key);
  void master_sees_close(std::uint64_t key);
  void to_framework(std::uint64_t key, std::function<void()> run);
  void fail_over();

  // ---- faults (faults.cpp) ----
  struct Window {
    std::vector<std::string> agents;  // agent ids
    Time start{0};
    Time latest_start{0};  // the latest start ever announced: the framework may still believe it
    Time duration{0};
    Time posted{0};       // when this start was announced
    Time no_spare_at{0};  // the last time no safe agent was free for its tasks
    bool down = false;
    bool ended = false;
    Time ended_at{0};
  };
  void plan_faults();
  void inject(Fault fault);
  bool post_schedule();
  void sync_schedule();
  void new_window();
  void schedule_start(std::size_t window);
  void change_window(bool cancel);
  void window_starts(std::size_t window);
  void window_ends(std::size_t window);
  void drain_agent();
  void reactivate(const std::string& agent);
  std::size_t spare_agents(const Window& window) const;
  std::vector<std::string> spare_agent_ids(const Window& window) const;
  void quiet_down();
  std::vector<sim::Cluster::AgentSummary> agents() const;
  // One of the framework's RUNNING tasks at the leader, drawn at random; none when there is none.
  std::optional<std::string> random_running_task();
  void disruption() { last_disruption_ = std::max(last_disruption_, now_); }
  // The framework still listens on a stream that stalled, no longer than its heartbeat check
  // allows: it is blind now, through no fault of its own.
  bool listening_to_stalled_stream() const;

  // ---- crash loops (crash_loops.cpp) ----
  struct CrashLoop {
    Time start{0};
    Time end{0};
    std::set<std::string> agents;  // none: every agent
  };
  void start_crash_loop();
  void end_crash_loops();
  // Whether a task that starts running on `agent` now crashes.
  bool crash_looping(const std::string& agent) const;
  void task_started(const std::string& task_id, const std::string& agent);
  void crash(const std::string& task_id, Time after);
  void note_launches(std::size_t count);
  Time crash_loop_over() const;  // when the last crash loop before now ended
  Time judged_crash_loop_time() const;

  // ---- the benchmark's rolling maintenance (rolling.cpp) ----
  struct Group {
    std::vector<std::string> hostnames;
    Time posted{0};
    Time start{0};
    bool is_posted = false;
    bool is_up = false;
    std::size_t live_at_post = 0;
    std::optional<Time> evacuated_after;
  };
  void plan_rolling();
  void start_rolling();
  Time schedule_length() const;
  void post_group(std::size_t group);
  void group_down(std::size_t group);
  void group_up(std::size_t group);
  bool post_rolling_schedule();
  std::string group_machines(const Group& group) const;
  std::size_t ours_on(const Group& group) const;
  void observe_rolling(std::size_t running);
  void finish_rolling();

  // ---- invariants (invariants.cpp) ----
  void check();
  void note_registrations(const sim::Cluster& cluster);
  void note_no_spare();
  void check_kill(const std::string& task_id,
                  const std::map<std::string, v1::TaskState>& told_when_sent);
  // Whether the task's agent has a window due within the lead time: a move forced by its deadline.
  bool window_due(const std::string& agent_id);
  void check_down(const Window& window);
  void check_answer(const v1::scheduler::Call& call, unsigned status, bool stale);
  void note_update(const v1::scheduler::Event& event, std::uint64_t epoch);
  void note_acknowledged(const v1::scheduler::Call& call);
  void check_liveness();
  std::string framework_id() const;

  // ---- the ready budget (ready_budget.cpp) ----
  // What the framework process was told of each task: readiness as it can know it.
  struct Told {
    v1::TaskState state = v1::TASK_STAGING;
    std::string agent;
    std::optional<bool> healthy;
    std::optional<Time> ready_since;
  };
  void note_told(const v1::scheduler::Event& event);
  bool told_ready(const Told& task) const;
  void check_ready_kill(const std::string& task_id);

  Scenario scenario_;
  std::mt19937_64 random_;
  Time now_{0};
  Time start_{0};
  Time end_{0};
  std::priority_queue<Item, std::vector<Item>, Later> agenda_;
  std::uint64_t sequence_ = 0;
  std::uint64_t same_time_steps_ = 0;
  SeedResult result_;

  // The framework process.
  framework::SessionOptions session_options_;
  std::unique_ptr<framework::Session> session_;
  std::uint64_t framework_generation_ = 0;
  std::optional<Time> framework_wake_;
  std::optional<framework::Snapshot> disk_;  // the state file's last good content
  unsigned failing_writes_ = 0;
  Time skew_{0};
  bool zookeeper_ = false;  // the leader is named by discovery, not found through redirects
  Time lossy_until_{0};
  bool slow_network_ = false;
  CallsLink link_;
  std::uint64_t link_generations_ = 0;

  // Masters: two addresses, one leading.
  std::vector<Master> masters_;
  std::size_t leader_ = 0;
  std::map<std::uint64_t, Stream> streams_;
  std::uint64_t next_stream_ = 0;
  sim::Config config_;

  // Maintenance the operator planned.
  std::vector<Window> windows_;
  std::set<std::string> lost_agents_;  // died or marked gone: never usable again
  std::set<std::string> drained_;      // drained, to be reactivated
  bool quiet_ = false;                 // faults have stopped
  Time last_disruption_{0};

  std::vector<Group> groups_;
  MaintenanceFigures figures_;
  Time next_observation_{0};
  bool rolling_started_ = false;

  // Invariant bookkeeping.
  bool reached_n_ = false;
  std::map<std::string, std::pair<Time, std::uint64_t>> unacknowledged_;  // uuid -> (seen, epoch)
  std::map<std::string, v1::TaskState> last_states_;  // task -> last state the master had
  std::map<std::string, v1::TaskState> told_;         // task -> last state the framework was told
  std::vector<std::string> registered_now_;           // at the leader, in its order
  std::vector<std::string_view> registered_scratch_;
  std::map<std::string, Time, std::less<>> left_at_;  // agent -> when it stopped being registered
  std::uint64_t memory_epoch_ = 0;                    // the stream the memory check is judging
  Time subscribed_since_{0};
  Time next_memory_check_{0};
  Time next_spare_check_{0};
  std::map<std::string, Told> told_ready_;  // this framework process's, by task id
  std::set<std::string> judged_kills_;      // tasks whose first KILL was judged

  std::vector<CrashLoop> crash_loops_;
  std::deque<Time> judged_launches_;  // in the last minute of crash loops on every agent
};

}  // namespace iof::simulation
