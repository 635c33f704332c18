// The maintenance benchmark's rolling schedule in virtual time, measured the way
// tests/bench/maintenance measures it against a live master: when each group's tasks are all
// gone (with N running again), and what was still on a machine when it went DOWN.
#include <fmt/format.h>

#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;

namespace {

// The schedule starts at the latest this long after the framework, N tasks running or not.
constexpr Time start_timeout = 30s;

double seconds(Time t) {
  return std::chrono::duration<double>(t).count();
}

}  // namespace

void World::plan_rolling() {
  const auto known = agents();
  const std::size_t groups =
      std::max<std::size_t>(1, std::min(scenario_.rolling->groups, known.size()));
  const std::size_t size = known.size() / groups;
  groups_.assign(groups, Group{});
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::size_t i = g * size; i < (g + 1) * size; ++i) {
      groups_[g].hostnames.push_back(known[i].hostname);
    }
  }
  // As the real-time benchmark: the schedule starts once N tasks run, or after 30 s regardless.
  at(start_ + start_timeout, [this] { start_rolling(); });
  end_ = start_ + start_timeout + schedule_length() + 1s;
  figures_.lower_bound =
      seconds(config_.allocation_interval + config_.launch_latency + config_.kill_latency);
}

Time World::schedule_length() const {
  const Rolling& rolling = *scenario_.rolling;
  return rolling.stagger * static_cast<Time::rep>(groups_.size() - 1) + rolling.notice +
         rolling.window;
}

void World::start_rolling() {
  if (rolling_started_) {
    return;
  }
  rolling_started_ = true;
  const Rolling& rolling = *scenario_.rolling;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const Time post = now_ + rolling.stagger * static_cast<Time::rep>(g);
    at(post, [this, g] { post_group(g); });
    at(post + rolling.notice, [this, g] { group_down(g); });
    at(post + rolling.notice + rolling.window, [this, g] { group_up(g); });
  }
  end_ = now_ + schedule_length();  // the run ends with the last group's UP, as in real time
}

std::string World::group_machines(const Group& group) const {
  std::string out;
  for (const auto& agent : agents()) {
    if (std::find(group.hostnames.begin(), group.hostnames.end(), agent.hostname) !=
            group.hostnames.end() &&
        out.find("\"" + agent.hostname + "\"") == std::string::npos) {
      out += fmt::format(R"({}{{"hostname":"{}","ip":"{}"}})", out.empty() ? "" : ",",
                         agent.hostname, agent.ip);
    }
  }
  return "[" + out + "]";
}

std::size_t World::ours_on(const Group& group) const {
  const Master& master = masters_[leader_];
  const auto id = framework_id();
  if (!master.up || id.empty()) {
    return 0;
  }
  const auto& cluster = master.service->cluster();
  std::map<std::string, std::string> host_of;
  for (const auto& agent : cluster.agent_summaries()) {
    host_of[agent.id] = agent.hostname;
  }
  std::size_t count = 0;
  for (const auto& task : cluster.task_summaries(id)) {
    const bool live = task.state == v1::TASK_STAGING || task.state == v1::TASK_STARTING ||
                      task.state == v1::TASK_RUNNING || task.state == v1::TASK_KILLING;
    if (live && std::find(group.hostnames.begin(), group.hostnames.end(), host_of[task.agent_id]) !=
                    group.hostnames.end()) {
      ++count;
    }
  }
  return count;
}

bool World::post_rolling_schedule() {
  std::string windows;
  for (const auto& group : groups_) {
    if (!group.is_posted || group.is_up) {
      continue;
    }
    windows += fmt::format(
        R"({}{{"machine_ids":{},"unavailability":{{"start":{{"nanoseconds":{}}},"duration":{{"nanoseconds":{}}}}}}})",
        windows.empty() ? "" : ",", group_machines(group), group.start.count(),
        scenario_.rolling->window.count());
  }
  return operator_call("/maintenance/schedule", R"({"windows":[)" + windows + "]}").status == 200;
}

void World::post_group(std::size_t g) {
  Group& group = groups_[g];
  group.is_posted = true;
  group.posted = now_;
  group.start = now_ + scenario_.rolling->notice;
  group.live_at_post = ours_on(group);
  trace(fmt::format("group {} scheduled, {} of our tasks on it", g + 1, group.live_at_post));
  post_rolling_schedule();
}

void World::group_down(std::size_t g) {
  Group& group = groups_[g];
  const std::size_t caught = ours_on(group);
  figures_.live_at_down += caught;
  const Time lead = session_ ? session_->core().lead_time() : 10s;
  if (scenario_.rolling->notice > lead) {
    figures_.live_at_down_with_notice += caught;
  }
  trace(fmt::format("group {} DOWN with {} of our tasks", g + 1, caught));
  operator_call("/machine/down", group_machines(group));
}

void World::group_up(std::size_t g) {
  Group& group = groups_[g];
  operator_call("/machine/up", group_machines(group));
  group.is_up = true;
  post_rolling_schedule();
}

void World::observe_rolling(std::size_t running) {
  // Looked at every 50 ms, as the real-time benchmark polls /master/state.
  if (now_ < next_observation_) {
    return;
  }
  if (!rolling_started_ && running >= scenario_.tasks) {
    start_rolling();
  }
  next_observation_ = now_ + 50ms;
  for (auto& group : groups_) {
    if (group.is_posted && !group.is_up && group.live_at_post > 0 && !group.evacuated_after &&
        running >= scenario_.tasks && ours_on(group) == 0) {
      group.evacuated_after = now_ - group.posted;
    }
  }
}

void World::finish_rolling() {
  for (const auto& group : groups_) {
    if (group.live_at_post == 0) {
      continue;
    }
    ++figures_.groups_with_tasks;
    if (group.evacuated_after) {
      figures_.evacuations.push_back(seconds(*group.evacuated_after));
    } else {
      ++figures_.not_evacuated;
    }
  }
  result_.maintenance = figures_;
}

}  // namespace iof::simulation
