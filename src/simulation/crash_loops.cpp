// Crash loops: for a stretch, every task that starts running on some or all agents exits with
// status 1 a few seconds later, as a service with a bad config does; and how fast the framework
// launches meanwhile, for a crash loop must not become a launch storm. The bound holds whether
// or not the framework backs off: Scenario::crash_loop_max_launches says how many LAUNCHes a
// virtual minute may carry once a crash loop on every agent has run crash_loop_grace.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "describe.hpp"
#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;

void World::start_crash_loop() {
  CrashLoop loop;
  loop.start = now_;
  if (draw(2) == 0) {
    // Every agent: each launch crashes, and only the framework's own pace bounds its launches.
    loop.end = now_ + between(5min, 20min);
    for (auto& running : crash_loops_) {
      if (running.agents.empty() && running.start <= now_ && now_ < running.end) {
        running.end = std::max(running.end, loop.end);  // one stretch, judged as one
        trace("crash loop on every agent until " + clock_text(running.end - start_));
        return;
      }
    }
  } else {
    std::vector<std::string> candidates;
    for (const auto& agent : agents()) {
      if (agent.registered && !agent.vanished) {
        candidates.push_back(agent.id);
      }
    }
    if (candidates.empty()) {
      return;
    }
    const std::size_t count = 1 + draw(std::max<std::size_t>(candidates.size() / 2, 1));
    for (std::size_t i = 0; i < count; ++i) {
      std::swap(candidates[i], candidates[i + draw(candidates.size() - i)]);
      loop.agents.insert(candidates[i]);
    }
    loop.end = now_ + between(2min, 15min);
  }
  trace(fmt::format("crash loop on {} until {}",
                    loop.agents.empty() ? std::string("every agent")
                                        : fmt::format("{}", fmt::join(loop.agents, ", ")),
                    clock_text(loop.end - start_)));
  crash_loops_.push_back(std::move(loop));
  // The bad config reaches the services already running there too, within a minute, as a
  // rolling restart would bring it: their slots then start crashing tasks.
  if (const auto* service = leader(); service != nullptr && !framework_id().empty()) {
    for (const auto& task : service->cluster().task_summaries(framework_id())) {
      if (task.state == v1::TASK_RUNNING && crash_looping(task.agent_id)) {
        crash(task.task_id, between(1s, 60s));
      }
    }
  }
}

void World::end_crash_loops() {
  for (auto& loop : crash_loops_) {
    loop.end = std::min(loop.end, std::max(loop.start, now_));
  }
}

bool World::crash_looping(const std::string& agent) const {
  return std::any_of(crash_loops_.begin(), crash_loops_.end(), [&](const CrashLoop& loop) {
    return loop.start <= now_ && now_ < loop.end &&
           (loop.agents.empty() || loop.agents.contains(agent));
  });
}

void World::task_started(const std::string& task_id, const std::string& agent) {
  if (crash_looping(agent)) {
    crash(task_id, between(1s, 8s));
  }
}

void World::crash(const std::string& task_id, Time after_running) {
  trace(fmt::format("task {} exits with status 1 in {} ms (crash loop)", task_id,
                    std::chrono::duration_cast<std::chrono::milliseconds>(after_running).count()));
  at(now_ + after_running, [this, task_id] {
    // Gone already (killed, lost with its agent) or no leader: nothing to crash.
    operator_call("/sim/fail_task", fmt::format(R"({{"framework_id":"{}","task_id":"{}"}})",
                                                framework_id(), task_id));
  });
}

Time World::crash_loop_over() const {
  Time over{0};
  for (const auto& loop : crash_loops_) {
    if (loop.start <= now_) {
      over = std::max(over, std::min(loop.end, now_));
    }
  }
  return over;
}

void World::note_launches(std::size_t count) {
  const auto judged = std::find_if(crash_loops_.begin(), crash_loops_.end(), [&](const auto& loop) {
    return loop.agents.empty() && loop.start + crash_loop_grace <= now_ && now_ < loop.end;
  });
  if (judged == crash_loops_.end() || count == 0) {
    return;
  }
  const Time from = std::max(now_ - 1min, judged->start + crash_loop_grace);
  while (!judged_launches_.empty() && judged_launches_.front() <= from) {
    judged_launches_.pop_front();
  }
  judged_launches_.insert(judged_launches_.end(), count, now_);
  result_.crash_loop_launches += count;
  const std::uint64_t in_minute = judged_launches_.size();
  result_.crash_loop_max_launches_per_minute =
      std::max(result_.crash_loop_max_launches_per_minute, in_minute);
  if (scenario_.crash_loop_max_launches > 0 && in_minute > scenario_.crash_loop_max_launches) {
    violated(fmt::format(
        "{} LAUNCHes within a virtual minute while every launch crashes ({} s into a crash loop "
        "on every agent), more than --crash_loop_max_launches={}",
        in_minute, std::chrono::duration_cast<std::chrono::seconds>(now_ - judged->start).count(),
        scenario_.crash_loop_max_launches));
  }
}

Time World::judged_crash_loop_time() const {
  Time judged{0};
  for (const auto& loop : crash_loops_) {
    const Time from = loop.start + crash_loop_grace;
    const Time until = std::min(loop.end, now_);
    if (loop.agents.empty() && until > from) {
      judged += until - from;
    }
  }
  return judged;
}

}  // namespace iof::simulation
