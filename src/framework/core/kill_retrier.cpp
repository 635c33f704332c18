// KILL retries: a KILL can be lost with its connection, or reach an agent that is gone; only a
// terminal update says the task is really dead.
#include "iof/framework/core/kill_retrier.hpp"

#include <algorithm>

#include "iof/framework/core/calls.hpp"

#include "retry_delay.hpp"

namespace iof::framework {

using v1::scheduler::Call;

Call kill_call(const std::optional<v1::FrameworkID>& framework_id, const std::string& task,
               const std::string& agent, std::optional<Time> grace) {
  Call kill = make_call(framework_id, Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value(task);
  kill.mutable_kill()->mutable_agent_id()->set_value(agent);
  if (grace) {
    kill.mutable_kill()->mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
        std::chrono::duration_cast<std::chrono::nanoseconds>(*grace).count());
  }
  return kill;
}

void KillRetrier::sent(const std::string& task, const std::string& agent, Time now) {
  killing_[task] = Retry{agent, now + base_, base_};
}

void KillRetrier::unsure(const std::string& task, const std::string& agent) {
  killing_[task] = Retry{agent, Time{0}, Time{0}};
}

void KillRetrier::all_due(Time now) {
  for (auto& [task, retry] : killing_) {
    retry.due = now;
  }
}

void KillRetrier::resend_due(Time now, const std::optional<v1::FrameworkID>& framework_id,
                             Decision& decision, Counters& counters) {
  for (auto& [task, retry] : killing_) {
    if (now < retry.due) {
      continue;
    }
    decision.calls.push_back(kill_call(framework_id, task, retry.agent, grace_));
    retry.delay = core::doubled(retry.delay, base_, cap_);
    retry.due = now + retry.delay;
    ++counters.kills_retried;
  }
}

std::optional<Time> KillRetrier::next_due() const {
  std::optional<Time> next;
  for (const auto& [task, retry] : killing_) {
    if (!next || retry.due < *next) {
      next = retry.due;
    }
  }
  return next;
}

bool KillRetrier::killing_on(const std::string& agent) const {
  return std::any_of(killing_.begin(), killing_.end(),
                     [&](const auto& entry) { return entry.second.agent == agent; });
}

std::set<std::string> KillRetrier::agents() const {
  std::set<std::string> out;
  for (const auto& [task, retry] : killing_) {
    out.insert(retry.agent);
  }
  return out;
}

std::map<std::string, std::string> KillRetrier::tasks() const {
  std::map<std::string, std::string> out;
  for (const auto& [task, retry] : killing_) {
    out.emplace(task, retry.agent);
  }
  return out;
}

}  // namespace iof::framework
