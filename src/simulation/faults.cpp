// The fault injector: a plan of faults at seeded random times, each done the way an operator or
// a broken network would do it, through the master's own HTTP endpoints.
#include <algorithm>

#include <fmt/format.h>

#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;

namespace {

// Faults that are settings of the whole run rather than events.
bool is_setting(Fault fault) {
  return fault == Fault::slow_steps || fault == Fault::rescind || fault == Fault::clock_skew;
}

}  // namespace

std::vector<sim::Cluster::AgentSummary> World::agents() const {
  const Master& master = masters_[leader_];
  if (!master.up) {
    return {};
  }
  return master.service->cluster().agent_summaries();
}

std::optional<std::string> World::random_running_task() {
  const auto* service = leader();
  const auto id = framework_id();
  if (service == nullptr || id.empty()) {
    return std::nullopt;
  }
  std::vector<std::string> running;
  for (const auto& task : service->cluster().task_summaries(id)) {
    if (task.state == v1::TASK_RUNNING) {
      running.push_back(task.task_id);
    }
  }
  if (running.empty()) {
    return std::nullopt;
  }
  return running[draw(running.size())];
}

void World::plan_faults() {
  std::vector<Fault> events;
  for (const Fault fault : scenario_.faults) {
    if (!is_setting(fault)) {
      events.push_back(fault);
    }
  }
  const Time active = end_ - start_ - std::chrono::duration_cast<Time>(scenario_.quiet);
  if (events.empty() || active <= Time{0}) {
    return;
  }
  const double hours = std::chrono::duration<double, std::ratio<3600>>(active).count();
  const auto count = static_cast<std::uint64_t>(scenario_.faults_per_hour * hours + 0.5);
  for (std::uint64_t i = 0; i < count; ++i) {
    const Time when = start_ + between(Time{0}, active);
    const Fault fault = events[draw(events.size())];
    at(when, [this, fault] { inject(fault); });
  }
}

void World::inject(Fault fault) {
  ++result_.faults[fault];
  trace(fmt::format("fault {}", fault_name(fault)));
  const std::size_t lost_limit =
      scenario_.agents > scenario_.tasks + 2 ? scenario_.agents - scenario_.tasks - 2 : 0;
  switch (fault) {
    case Fault::stream_drop:
      operator_call("/sim/streams/drop", "");
      disruption();
      break;
    case Fault::stream_stall:
      operator_call("/sim/streams/stall", "");
      disruption();
      break;
    case Fault::unavailable: {
      const auto seconds = 1 + draw(30);
      operator_call("/sim/unavailable", fmt::format(R"({{"seconds":{}}})", seconds));
      last_disruption_ = std::max(last_disruption_, now_ + std::chrono::seconds(seconds));
      break;
    }
    case Fault::lost_calls:
      lossy_until_ = now_ + between(5s, 60s);
      last_disruption_ = std::max(last_disruption_, lossy_until_);
      break;
    case Fault::failover:
      fail_over();
      disruption();
      break;
    case Fault::crash:
      if (session_) {
        crash_framework("killed");
      }
      break;
    case Fault::agent_death: {
      std::vector<std::string> candidates;
      for (const auto& agent : agents()) {
        if (agent.registered && !agent.vanished) {
          candidates.push_back(agent.id);
        }
      }
      if (candidates.empty() || lost_agents_.size() >= lost_limit) {
        break;
      }
      const auto& victim = candidates[draw(candidates.size())];
      const auto answer =
          operator_call("/sim/agents/disconnect", fmt::format(R"({{"agent_id":"{}"}})", victim));
      if (answer.status == 200) {
        lost_agents_.insert(victim);
      }
      break;
    }
    case Fault::task_failure:
      if (const auto victim = random_running_task()) {
        trace("task " + *victim + " fails");
        operator_call("/sim/fail_task", fmt::format(R"({{"framework_id":"{}","task_id":"{}"}})",
                                                    framework_id(), *victim));
      }
      break;
    case Fault::health_flap: {
      const auto chosen = random_running_task();
      if (!chosen) {
        break;
      }
      const std::string victim = *chosen;
      const std::string id = framework_id();
      // Up to 30 s: with checks every 3 s, 3 failures in a row get it killed by its agent.
      const Time broken = between(1s, 30s);
      trace(fmt::format("task {} fails its health checks for {} ms", victim,
                        std::chrono::duration_cast<std::chrono::milliseconds>(broken).count()));
      const auto body = [id, victim](bool healthy) {
        return fmt::format(R"({{"framework_id":"{}","task_id":"{}","healthy":{}}})", id, victim,
                           healthy);
      };
      operator_call("/sim/tasks/health", body(false));
      at(now_ + broken, [this, body] { operator_call("/sim/tasks/health", body(true)); });
      break;
    }
    case Fault::maintenance: {
      const auto kind = draw(4);
      if (kind < 2) {
        new_window();
      } else {
        change_window(kind == 3);
      }
      break;
    }
    case Fault::drain:
      drain_agent();
      break;
    case Fault::state_write:
      failing_writes_ = static_cast<unsigned>(1 + draw(3));
      break;
    case Fault::crash_loop:
      start_crash_loop();
      break;
    case Fault::slow_steps:
    case Fault::rescind:
    case Fault::clock_skew:
      break;
  }
}

void World::drain_agent() {
  std::vector<std::string> candidates;
  for (const auto& agent : agents()) {
    if (agent.registered && !agent.vanished && !agent.draining && !agent.deactivated) {
      candidates.push_back(agent.id);
    }
  }
  if (candidates.empty()) {
    return;
  }
  const std::size_t lost_limit =
      scenario_.agents > scenario_.tasks + 2 ? scenario_.agents - scenario_.tasks - 2 : 0;
  const auto& agent = candidates[draw(candidates.size())];
  const bool gone = lost_agents_.size() < lost_limit && uniform() < 0.3;
  const auto answer = operator_call(
      "/api/v1",
      fmt::format(
          R"({{"type":"DRAIN_AGENT","drain_agent":{{"agent_id":{{"value":"{}"}},"mark_gone":{}}}}})",
          agent, gone ? "true" : "false"));
  if (answer.status != 200) {
    return;
  }
  if (gone) {
    lost_agents_.insert(agent);
    return;
  }
  drained_.insert(agent);
  after(between(1min, 10min), [this, agent] { reactivate(agent); });
}

void World::reactivate(const std::string& agent) {
  if (!drained_.contains(agent)) {
    return;
  }
  const auto answer = operator_call(
      "/api/v1",
      fmt::format(
          R"({{"type":"REACTIVATE_AGENT","reactivate_agent":{{"agent_id":{{"value":"{}"}}}}}})",
          agent));
  if (answer.status == 200) {
    drained_.erase(agent);
  } else {
    after(1min, [this, agent] { reactivate(agent); });  // still draining, or no leader
  }
}

void World::quiet_down() {
  trace("faults stop");
  quiet_ = true;
  lossy_until_ = Time{0};
  failing_writes_ = 0;
  end_crash_loops();
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    if (!windows_[i].ended) {
      window_ends(i);
    }
  }
  for (const auto& agent : std::set<std::string>(drained_)) {
    reactivate(agent);
  }
}

}  // namespace iof::simulation
