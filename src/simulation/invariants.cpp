// The product's promises, checked against the master's truth after every step of the run, and
// the liveness promise once the faults have stopped.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "iof/wire/task_state.hpp"

#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;

namespace {

// Long enough for an ACKNOWLEDGE queued behind two calls whose answers were lost (75 s each).
constexpr Time acknowledgement_deadline = 180s;

bool live(v1::TaskState state) {
  return state == v1::TASK_STAGING || state == v1::TASK_STARTING || state == v1::TASK_RUNNING ||
         state == v1::TASK_KILLING;
}

}  // namespace

// Keeps when each agent stopped being registered at the leader, exactly: on the step it happened.
void World::note_registrations(const sim::Cluster& cluster) {
  cluster.registered_agents(registered_scratch_);
  if (std::ranges::equal(registered_scratch_, registered_now_)) {
    return;
  }
  const std::set<std::string_view> still(registered_scratch_.begin(), registered_scratch_.end());
  for (const auto& agent : registered_now_) {
    if (!still.contains(agent)) {
      left_at_[agent] = now_;
    }
  }
  registered_now_.assign(registered_scratch_.begin(), registered_scratch_.end());
  for (const auto& agent : registered_now_) {
    left_at_.erase(agent);
  }
}

// For each pending window, whether a safe agent is free for it: every 10 simulated seconds, and
// just before each operator action, as one (a window ending, a machine UP, a reactivation) can
// free agents between two samples.
void World::note_no_spare() {
  for (auto& window : windows_) {
    if (!window.ended && !window.down && window.start > now_ && spare_agents(window) == 0) {
      window.no_spare_at = now_;
    }
  }
}

std::string World::framework_id() const {
  if (session_ && session_->core().framework_id()) {
    return session_->core().framework_id()->value();
  }
  return disk_ && disk_->framework_id ? *disk_->framework_id : std::string();
}

void World::check() {
  const auto* service = leader();
  const auto id = framework_id();
  if (service == nullptr || id.empty()) {
    return;
  }
  const auto& cluster = service->cluster();
  const auto tasks = cluster.task_summaries(id);
  std::map<std::string, std::string> on_agent;
  std::size_t alive = 0;
  std::size_t killing = 0;
  std::size_t running = 0;
  for (const auto& task : tasks) {
    const bool counts = live(task.state) || task.state == v1::TASK_UNREACHABLE;
    if (counts) {
      auto [found, fresh] = on_agent.emplace(task.agent_id, task.task_id);
      if (!fresh) {
        violated(fmt::format("two live tasks on agent {}: {} and {}", task.agent_id, found->second,
                             task.task_id));
      }
    }
    alive += live(task.state) ? 1U : 0U;
    const bool being_killed = task.killing || task.state == v1::TASK_KILLING;
    killing += live(task.state) && being_killed ? 1U : 0U;
    running += task.state == v1::TASK_RUNNING && !being_killed ? 1U : 0U;
    // Losses the framework did not cause, counted once per task.
    auto& last = last_states_[task.task_id];
    if (last != task.state && !live(task.state) && task.state != v1::TASK_KILLED &&
        task.state != v1::TASK_FINISHED) {
      ++result_.external_losses;
    }
    if (last != task.state && task.state == v1::TASK_RUNNING) {
      if (!crash_loops_.empty()) {
        task_started(task.task_id, task.agent_id);
      }
      if (scenario_.sabotage == Sabotage::retire_before_ready) {
        sabotage_kill(cluster.framework_stream_id(id));
      }
    }
    last = task.state;
  }
  const std::size_t in_kill = session_ ? session_->core().killing() : 0;
  const std::size_t limit = scenario_.tasks + scenario_.max_surge + killing + in_kill;
  if (alive > limit) {
    violated(fmt::format("{} live tasks, more than N {} + surge {} + {} being killed", alive,
                         scenario_.tasks, scenario_.max_surge, killing + in_kill));
  }
  if (running >= scenario_.tasks) {
    reached_n_ = true;
  }
  if (reached_n_) {
    result_.min_running_after_n = std::min(result_.min_running_after_n, running);
  }
  if (now_ >= next_spare_check_) {
    next_spare_check_ = now_ + 10s;
    note_no_spare();
  }
  if (scenario_.rolling) {
    observe_rolling(running);
  }

  // The framework's own memory is bounded by the cluster's size: the agents registered at the
  // leader now or within the last agent_memory (the core forgets idle agents after that, looking
  // once a minute while subscribed), judged once a simulated minute after two minutes of
  // subscription. An agent emptied by a kill-first move is kept until its window starts, so that
  // it is not refilled before it: one that died meanwhile, its FAILURE unheard, counts until the
  // latest start announced for it.
  note_registrations(cluster);
  const bool streaming = session_ && session_->subscribed();
  if (!streaming || session_->epoch() != memory_epoch_) {
    memory_epoch_ = streaming ? session_->epoch() : 0;
    subscribed_since_ = now_;
  }
  if (streaming && now_ - subscribed_since_ >= 2min && now_ >= next_memory_check_) {
    next_memory_check_ = now_ + 1min;
    std::size_t known_agents = registered_now_.size();
    for (const auto& [agent, left] : left_at_) {
      const bool recent = now_ - left <= framework::Recovery{}.agent_memory + 2min;
      const bool awaited = std::any_of(windows_.begin(), windows_.end(), [&](const Window& window) {
        return now_ - window.latest_start <= 2min &&
               std::find(window.agents.begin(), window.agents.end(), agent) != window.agents.end();
      });
      known_agents += recent || awaited ? 1U : 0U;
    }
    const auto& core = session_->core();
    const std::size_t tasks_bound = scenario_.tasks + scenario_.max_surge + known_agents;
    if (core.agents().size() > known_agents || core.inverse_offer_replies().size() > known_agents ||
        core.sleepers().size() + core.migrating().size() > tasks_bound ||
        core.reconciling() > tasks_bound || core.killing() > tasks_bound ||
        session_->calls_pending() > 16 * (known_agents + scenario_.tasks) + 64) {
      violated(fmt::format(
          "the framework's memory outgrew the cluster ({} agents): {} agents, {} "
          "tasks, {} reconciling, {} killing, {} calls pending",
          known_agents, core.agents().size(), core.sleepers().size() + core.migrating().size(),
          core.reconciling(), core.killing(), session_->calls_pending()));
    }
  }
  if (session_) {
    // Every update with a uuid is acknowledged while the stream it came on lasts.
    for (auto it = unacknowledged_.begin(); it != unacknowledged_.end();) {
      const auto& [uuid, seen] = *it;
      if (seen.second != session_->epoch() || !session_->subscribed()) {
        it = unacknowledged_.erase(it);  // that stream ended: the agent sends the update again
        continue;
      }
      if (now_ - seen.first > acknowledgement_deadline) {
        violated("a status update was not acknowledged within 180 s while subscribed");
      }
      ++it;
    }
  }
}

void World::note_update(const v1::scheduler::Event& event, std::uint64_t epoch) {
  if (event.type() == v1::scheduler::Event::UPDATE) {
    const auto& status = event.update().status();
    told_[status.task_id().value()] = status.state();
  }
  if (event.type() != v1::scheduler::Event::UPDATE || event.update().status().uuid().empty() ||
      !session_ || !session_->subscribed() || epoch != session_->epoch()) {
    return;
  }
  unacknowledged_.emplace(event.update().status().uuid(), std::pair{now_, epoch});
}

void World::check_kill(const std::string& task_id,
                       const std::map<std::string, v1::TaskState>& told_when_sent) {
  const auto* service = leader();
  if (!reached_n_ || service == nullptr || scenario_.policy != framework::Policy::evacuate) {
    return;  // only the evacuate policy has an unavailability budget; the others kill first
  }
  const auto tasks = service->cluster().task_summaries(framework_id());
  bool reduces = false;
  std::string agent_id;
  std::size_t running_after = 0;
  // No longer running at the master, but RUNNING in the last update the framework had been told
  // of when the KILL left.
  std::size_t untold = 0;
  for (const auto& task : tasks) {
    const bool running = task.state == v1::TASK_RUNNING && !task.killing;
    if (task.task_id == task_id) {
      reduces = running;
      agent_id = task.agent_id;
    } else if (running) {
      ++running_after;
    } else if (const auto told = told_when_sent.find(task.task_id);
               told != told_when_sent.end() && told->second == v1::TASK_RUNNING) {
      ++untold;
    }
  }
  if (window_due(agent_id)) {
    return;
  }
  const std::size_t floor =
      scenario_.tasks > scenario_.max_unavailable ? scenario_.tasks - scenario_.max_unavailable : 0;
  if (reduces && running_after < floor && running_after + untold >= floor) {
    // The framework decided on what it was told: a loss the master had not yet passed on (its
    // update waits behind an unacknowledged one) is no fault of the framework's.
    ++result_.kills_on_untold_losses;
  } else if (reduces && running_after < floor) {
    violated(fmt::format(
        "the KILL of running task {} leaves {} running, below N - "
        "max_unavailable = {} (its agent's window is not due within the {} s lead)",
        task_id, running_after, floor,
        std::chrono::duration_cast<std::chrono::seconds>(session_ ? session_->core().lead_time()
                                                                  : std::chrono::seconds(10))
            .count()));
  }
}

// At its move's deadline a task must leave its agent even when losses elsewhere left the fleet
// short: the promise that nothing is caught by DOWN wins, as the policy documents. The window
// may have just been removed without the framework knowing yet.
bool World::window_due(const std::string& agent_id) {
  const Time lead = session_ ? session_->core().lead_time() : std::chrono::seconds(10);
  const Time due =
      lead + 3 * config_.allocation_interval + (skew_ < Time{0} ? -skew_ : skew_) + 10s;
  if (const auto* service = leader()) {
    for (const auto& agent : service->cluster().agent_summaries()) {
      if (agent.id == agent_id && agent.window_start && *agent.window_start - now_ <= due) {
        return true;
      }
    }
  }
  return std::any_of(windows_.begin(), windows_.end(), [&](const Window& window) {
    const bool known = !window.ended || now_ - window.ended_at <= 5min;
    return known && window.start - now_ <= due &&
           std::find(window.agents.begin(), window.agents.end(), agent_id) != window.agents.end();
  });
}

void World::check_down(const Window& window) {
  const auto* service = leader();
  const auto id = framework_id();
  if (service == nullptr || id.empty()) {
    return;
  }
  const auto& cluster = service->cluster();
  std::size_t caught = 0;
  std::size_t unexpected = 0;  // caught and not being killed
  std::size_t queued = 0;      // our tasks on machines whose window starts no later than this one
  std::map<std::string, Time> window_of;
  for (const auto& other : windows_) {
    if (!other.ended && other.start <= window.start) {
      for (const auto& agent : other.agents) {
        window_of[agent] = other.start;
      }
    }
  }
  for (const auto& task : cluster.task_summaries(id)) {
    if (!live(task.state)) {
      continue;
    }
    if (window_of.contains(task.agent_id)) {
      ++queued;
    }
    if (std::find(window.agents.begin(), window.agents.end(), task.agent_id) !=
        window.agents.end()) {
      ++caught;
      // A task whose KILL was out in time is on its way: the kill was slower than the lead
      // time allowed for (a heavy tail), not forgotten.
      unexpected += task.killing || task.state == v1::TASK_KILLING ? 0U : 1U;
    }
  }
  if (caught == 0) {
    return;
  }
  result_.tasks_caught_by_down += caught;
  const auto excuse = [this, caught](const char* why) { result_.caught_excused[why] += caught; };
  if (unexpected == 0) {
    excuse("its KILL was slower than the lead time");
    return;
  }
  for (const auto& task : cluster.task_summaries(id)) {
    if (task.state == v1::TASK_STAGING || task.state == v1::TASK_STARTING) {
      // A replacement was on its way, slower than the lead time allowed for (a heavy tail).
      excuse("a replacement was still starting");
      return;
    }
  }
  if (scenario_.policy != framework::Policy::evacuate ||
      (scenario_.max_surge == 0 && scenario_.max_unavailable == 0)) {
    excuse("the policy makes no promise");
    return;
  }
  // The notice counts from the last disruption the framework suffered, and must cover every move
  // queued ahead within the surge budget, plus allocation rounds, network and clock skew.
  const Time lead = session_ ? session_->core().lead_time() : std::chrono::seconds(10);
  const std::size_t rounds = (queued + std::max<std::size_t>(scenario_.max_surge, 1) - 1) /
                             std::max<std::size_t>(scenario_.max_surge, 1);
  const Time required = lead * static_cast<Time::rep>(std::max<std::size_t>(rounds, 1)) +
                        3 * config_.allocation_interval + (skew_ < Time{0} ? -skew_ : skew_) + 10s;
  // Counted from the latest of: the announcement, the framework's last disruption, and the last
  // time no safe agent was free for these tasks.
  // A crash loop fails replacements as they start, so moves wait for its end.
  const Time disrupted = listening_to_stalled_stream() ? now_ : last_disruption_;
  const Time since = std::max({window.posted, disrupted, window.no_spare_at, crash_loop_over()});
  const Time notice = window.start - since;
  if (notice < required) {
    excuse(since == window.posted        ? "the notice was shorter than the moves need"
           : since == window.no_spare_at ? "no safe agent was free long enough"
           : since == disrupted          ? "a disruption left too little notice"
                                         : "a crash loop left too little notice");
  } else if (spare_agents(window) == 0) {
    excuse("no safe agent was free");
  } else {
    violated(
        fmt::format("{} task(s) caught by DOWN although for the last {} s before it (more than "
                    "the {} s needed) the framework was undisturbed and a safe agent was free ({})",
                    caught, std::chrono::duration_cast<std::chrono::seconds>(notice).count(),
                    std::chrono::duration_cast<std::chrono::seconds>(required).count(),
                    fmt::join(spare_agent_ids(window), ", ")));
  }
}

void World::check_answer(const v1::scheduler::Call& call, unsigned status, bool stale) {
  if (status < 400 || status >= 500) {
    return;
  }
  if (stale) {
    ++result_.stale_refusals;  // sent on a stream the master had already replaced or lost
    return;
  }
  violated(
      fmt::format("{} was refused with {}", v1::scheduler::Call::Type_Name(call.type()), status));
}

void World::check_liveness() {
  if (scenario_.policy == framework::Policy::seed) {
    return;  // the example's defects leave it nothing to promise
  }
  const auto* service = leader();
  const auto id = framework_id();
  if (service == nullptr || !session_ || !session_->subscribed() || id.empty()) {
    violated("liveness: not subscribed when the faults had stopped for " +
             std::to_string(scenario_.quiet.count()) + " min");
    return;
  }
  const auto& cluster = service->cluster();
  std::size_t usable = 0;
  for (const auto& agent : cluster.agent_summaries()) {
    usable += agent.registered && !agent.vanished && !agent.deactivated && !agent.draining &&
                      !agent.window_start
                  ? 1U
                  : 0U;
  }
  std::size_t running = 0;
  for (const auto& task : cluster.task_summaries(id)) {
    running += task.state == v1::TASK_RUNNING && !task.killing ? 1U : 0U;
  }
  const std::size_t expected = std::min<std::size_t>(scenario_.tasks, usable);
  const auto unacknowledged = cluster.unacknowledged_updates(id);
  const bool suppressed = session_->core().suppressed() && cluster.framework_suppressed(id);
  if (running != expected || unacknowledged != 0 || (running == scenario_.tasks && !suppressed)) {
    violated(fmt::format(
        "liveness: {} min after the faults stopped, {} tasks run (expected {}), "
        "{} updates wait for an acknowledgement, offers {}suppressed",
        scenario_.quiet.count(), running, expected, unacknowledged, suppressed ? "" : "not "));
  }
}

}  // namespace iof::simulation
