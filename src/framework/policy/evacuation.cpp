// The evacuate policy: every task leaves an agent before the agent's maintenance window, its
// replacement running first, within the surge and unavailability budgets. Deadlines come from a
// lead time learned from the launches and kills this process has seen.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "iof/framework/core/calls.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/mesos_text.hpp"
#include "iof/wire/task_state.hpp"

#include "offer_resources.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;

namespace {

// The master's own cap on a filter.
constexpr double max_filter_seconds = 365.0 * 24 * 3600;
double seconds(Time time) {
  return std::chrono::duration<double>(time).count();
}

std::string secs_text(Time time) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1fs", seconds(time));
  return out;
}

// A free agent's offer a task could go to, and how good a home it is.
struct Candidate {
  const v1::Offer* offer = nullptr;
  std::int64_t window_start = 0;
  bool safe = false;
};

// A fixed, well-mixed order of agent ids: FNV-1a, then splitmix64's finalizer, since FNV alone
// barely moves the high bits for ids that differ only in their last characters.
std::uint64_t scatter(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
  return hash ^ (hash >> 31);
}

// No maintenance first, then the latest window. Among equals, a hash of the agent id rather than
// the id itself: agents registered together (a rack, a maintenance group) get consecutive ids,
// and filling them in id order would put every task where one rolling window takes them all.
bool preferred(const Candidate& a, const Candidate& b) {
  if ((a.window_start == 0) != (b.window_start == 0)) {
    return a.window_start == 0;
  }
  if (a.window_start != b.window_start) {
    return a.window_start > b.window_start;
  }
  const auto& id_a = a.offer->agent_id().value();
  const auto& id_b = b.offer->agent_id().value();
  const auto hash_a = scatter(id_a);
  const auto hash_b = scatter(id_b);
  return hash_a != hash_b ? hash_a < hash_b : id_a < id_b;
}

Loss classify(const v1::TaskStatus& status, bool agent_has_window) {
  if (status.reason() == v1::TaskStatus::REASON_AGENT_DRAINING ||
      status.reason() == v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR ||
      status.state() == v1::TASK_GONE_BY_OPERATOR) {
    return Loss::drained;
  }
  // Asked after a disconnection or a restart, the master reports the tasks of agents it lost
  // meanwhile as LOST (or GONE, UNKNOWN): the agent went, not the task.
  if (status.reason() == v1::TaskStatus::REASON_RECONCILIATION &&
      (status.state() == v1::TASK_LOST || status.state() == v1::TASK_GONE ||
       status.state() == v1::TASK_UNKNOWN || status.state() == v1::TASK_UNREACHABLE)) {
    return agent_has_window ? Loss::down : Loss::gone;
  }
  switch (status.reason()) {
    case v1::TaskStatus::REASON_AGENT_REMOVED:
    case v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR:
    case v1::TaskStatus::REASON_AGENT_DISCONNECTED:
    case v1::TaskStatus::REASON_AGENT_UNKNOWN:
      return agent_has_window ? Loss::down : Loss::gone;
    default:
      break;
  }
  if (status.state() == v1::TASK_UNREACHABLE || status.state() == v1::TASK_GONE) {
    return agent_has_window ? Loss::down : Loss::gone;
  }
  return Loss::failure;
}

}  // namespace

std::string_view loss_name(Loss loss) {
  switch (loss) {
    case Loss::failure:
      return "failed";
    case Loss::down:
      return "down";
    case Loss::drained:
      return "drained";
    case Loss::gone:
      break;
  }
  return "gone";
}

Time SchedulerState::lead_time() const {
  return lead_.current();
}

Time SchedulerState::deadline_of(std::int64_t window_start) const {
  return lead_.deadline_of(window_start);
}

std::size_t SchedulerState::running_tasks() const {
  return static_cast<std::size_t>(
      std::count_if(sleepers_.begin(), sleepers_.end(),
                    [](const auto& entry) { return entry.second.state == v1::TASK_RUNNING; }));
}

std::size_t SchedulerState::replacements_in_flight() const {
  return static_cast<std::size_t>(
      std::count_if(sleepers_.begin(), sleepers_.end(),
                    [](const auto& entry) { return !entry.second.replaces.empty(); }));
}

std::size_t SchedulerState::migrations_in_flight() const {
  return replacements_in_flight() + migrating_.size();
}

std::string SchedulerState::wait_text(MoveWait wait) const {
  return wait == MoveWait::surge ? "waiting for the surge budget (--max_surge=" +
                                       std::to_string(evacuation_.max_surge) + ")"
                                 : "no offer from a safe agent";
}

bool SchedulerState::being_replaced(const std::string& agent) const {
  return std::any_of(sleepers_.begin(), sleepers_.end(),
                     [&](const auto& entry) { return entry.second.replaces == agent; });
}

// Tasks that must leave their agent and have no replacement yet, earliest window first.
std::vector<std::string> SchedulerState::moves_by_deadline() const {
  std::vector<std::string> out;
  for (const auto& [agent, sleeper] : sleepers_) {
    if (sleeper.unavailability_start > 0 && sleeper.replaces.empty() && !being_replaced(agent)) {
      out.push_back(agent);
    }
  }
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    const auto start_a = sleepers_.at(a).unavailability_start;
    const auto start_b = sleepers_.at(b).unavailability_start;
    return start_a != start_b ? start_a < start_b : a < b;
  });
  return out;
}

// Whether killing the task on `agent` before a replacement runs stays within --max_unavailable.
bool SchedulerState::kill_first_allowed() const {
  const std::size_t running = running_tasks();
  const std::size_t after = running == 0 ? 0 : running - 1;
  return after + evacuation_.max_unavailable >= num_tasks_;
}

void SchedulerState::note_agent(const v1::Offer& offer) {
  agent_book_.offered(offer, now_);
  if (!offer.has_unavailability()) {
    vacated_.erase(offer.agent_id().value());  // its maintenance is over or cancelled
  }
}

Decision SchedulerState::evacuate_offers(const Event::Offers& event) {
  Decision decision;
  counters_.offers_received += static_cast<std::uint64_t>(event.offers_size());
  if (!framework_id_) {
    decision.log.push_back("Ignoring offers received before SUBSCRIBED");
    return decision;
  }
  const Time lead = lead_time();
  std::vector<Candidate> candidates;
  for (const auto& offer : event.offers()) {
    note_agent(offer);
    const std::string& agent = offer.agent_id().value();
    const std::int64_t start = agent_book_.window_start(agent);
    if (sleepers_.contains(agent)) {
      learn_window(agent, start, decision);
      continue;
    }
    const bool killing_there = kills_.killing_on(agent);
    const bool offered_twice =
        std::any_of(candidates.begin(), candidates.end(),
                    [&](const Candidate& c) { return c.offer->agent_id().value() == agent; });
    if (migrating_.contains(agent) || vacated_.contains(agent) || killing_there || offered_twice ||
        !wire::text::contains(unreserved(offer.resources()), task_resources(false))) {
      continue;
    }
    candidates.push_back(Candidate{&offer, start, start == 0 || Time(start) >= now_ + lead});
  }
  std::sort(candidates.begin(), candidates.end(), preferred);
  std::vector<bool> used(candidates.size(), false);
  const auto pick = [&](const auto& acceptable) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!used[i] && acceptable(candidates[i])) {
        used[i] = true;
        return i;
      }
    }
    return std::nullopt;
  };

  // Capacity first: N tasks, on safe agents when any fits, on the best of the rest otherwise.
  std::size_t filled = sleepers_.size() - replacements_in_flight();
  while (filled < num_tasks_) {
    auto chosen = pick([](const Candidate& c) { return c.safe; });
    if (!chosen) {
      chosen = pick([](const Candidate&) { return true; });
    }
    if (!chosen) {
      break;
    }
    decision.calls.push_back(launch(*candidates[*chosen].offer, "", decision));
    ++filled;
  }

  // Then moves, earliest deadline first, each onto a safe agent whose window (if any) comes
  // later than the one it leaves.
  for (const auto& agent : moves_by_deadline()) {
    const Sleeper& sleeper = sleepers_.at(agent);
    // As in Kubernetes, a task being killed no longer counts against the surge.
    if (sleepers_.size() >= num_tasks_ + evacuation_.max_surge) {
      move_waits_[agent] = MoveWait::surge;
      continue;
    }
    const std::int64_t leaving = sleeper.unavailability_start;
    const auto chosen = pick([&](const Candidate& c) {
      return c.safe && (c.window_start == 0 || c.window_start > leaving);
    });
    if (!chosen) {
      move_waits_[agent] = MoveWait::no_safe_offer;
      continue;
    }
    move_waits_.erase(agent);
    decision.log.push_back("Moving task " + sleeper.task_id.value() + " off " + agent +
                           " before its window (deadline in " +
                           secs_text(deadline_of(leaving) - now_) + ")");
    decision.calls.push_back(launch(*candidates[*chosen].offer, agent, decision));
    ++counters_.replacements_launched;
  }

  // Offers refused for 600 s are gone for good in practice (a REVIVE brings them back, but only
  // our own events trigger one). While a task still needs a home, refuse them only until the
  // answer matters: the next deadline, and no longer than a minute.
  double refuse = decline_seconds;
  if (filled < num_tasks_) {
    refuse = 60;
  }
  for (const auto& agent : moves_by_deadline()) {
    if (const auto wait = move_waits_.find(agent);
        wait != move_waits_.end() && wait->second == MoveWait::no_safe_offer) {
      const double until = seconds(deadline_of(sleepers_.at(agent).unavailability_start) - now_);
      refuse = std::min(refuse, std::clamp(until, 5.0, 60.0));
    }
  }
  Call decline = call(Call::DECLINE);
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(refuse);
  std::set<std::string> accepted;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (used[i]) {
      accepted.insert(candidates[i].offer->id().value());
    }
  }
  for (const auto& offer : event.offers()) {
    if (!accepted.contains(offer.id().value())) {
      *decline.mutable_decline()->add_offer_ids() = offer.id();
    }
  }
  if (decline.decline().offer_ids_size() > 0) {
    decision.calls.push_back(std::move(decline));
  }
  return decision;
}

Decision SchedulerState::evacuate_inverse_offers(const Event::InverseOffers& event) {
  Decision decision;
  counters_.inverse_offers_received += static_cast<std::uint64_t>(event.inverse_offers_size());
  for (const auto& offer : event.inverse_offers()) {
    const std::string& agent = offer.agent_id().value();
    const std::int64_t start = offer.unavailability().start().nanoseconds();
    agent_book_.announced(agent, offer.unavailability(), now_);
    if (sleepers_.contains(agent)) {
      learn_window(agent, start, decision);
    }
    if (!framework_id_) {
      continue;
    }
    const Time until_window = Time(start) - now_;
    InverseOfferReply reply{agent, true, "", 0, now_};
    // The master asks again once the filter expires while we still hold the agent: ask it to
    // come back when the answer could change, not every 5 seconds.
    Time recheck = until_window;
    if (const auto moving = migrating_.find(agent); !sleepers_.contains(agent)) {
      reply.reason = moving != migrating_.end()
                         ? "task " + moving->second.task_id.value() + " is being killed"
                         : "no task of this framework runs there";
    } else {
      const Sleeper& sleeper = sleepers_.at(agent);
      const std::string& task = sleeper.task_id.value();
      const Time deadline = deadline_of(start);
      if (being_replaced(agent)) {
        reply.reason = "task " + task + " leaves as soon as its replacement runs";
        recheck = std::min(lead_time(), until_window);
      } else if (evacuation_.max_surge > 0 && now_ < deadline) {
        reply.reason = "task " + task + " moves to a safe agent by its deadline in " +
                       secs_text(deadline - now_);
        recheck = deadline - now_;
      } else if (kill_first_allowed()) {
        reply.reason = "task " + task + " is killed first, as --max_unavailable=" +
                       std::to_string(evacuation_.max_unavailable) + " allows";
      } else {
        reply.accepted = false;
        reply.reason = "task " + task +
                       " cannot leave before the window: no safe capacity, and "
                       "--max_unavailable=" +
                       std::to_string(evacuation_.max_unavailable) + " forbids killing it first";
        recheck = std::min(lead_time(), until_window);
      }
    }
    reply.filter_secs = std::clamp(seconds(recheck), 1.0, max_filter_seconds);
    Call answer = call(reply.accepted ? Call::ACCEPT_INVERSE_OFFERS : Call::DECLINE_INVERSE_OFFERS);
    // AcceptInverseOffers and DeclineInverseOffers have the same two fields.
    const auto fill = [&](auto* body) {
      *body->add_inverse_offer_ids() = offer.id();
      body->mutable_filters()->set_refuse_seconds(reply.filter_secs);
    };
    if (reply.accepted) {
      fill(answer.mutable_accept_inverse_offers());
    } else {
      fill(answer.mutable_decline_inverse_offers());
    }
    ++(reply.accepted ? counters_.inverse_offers_accepted : counters_.inverse_offers_declined);
    decision.log.push_back(std::string(reply.accepted ? "Accepting" : "Declining") +
                           " inverse offer for " + agent + ": " + reply.reason + "; filter " +
                           secs_text(std::chrono::duration_cast<Time>(
                               std::chrono::duration<double>(reply.filter_secs))));
    decision.calls.push_back(std::move(answer));
    inverse_offer_replies_[agent] = std::move(reply);
  }
  return decision;
}

void SchedulerState::evacuate_update(const v1::TaskStatus& status, const std::string& agent,
                                     Decision& decision) {
  const bool terminal = wire::is_terminal(status.state()) || status.state() == v1::TASK_UNKNOWN;
  if (auto found = migrating_.find(agent); found != migrating_.end()) {
    if (!terminal) {
      // Alive although we killed it: the KILL was lost (a restart, a dropped connection).
      if (!kills_.contains(found->second.task_id.value())) {
        kill(found->second.task_id, agent, decision);
      }
      return;
    }
    const Sleeper gone = found->second;
    const bool our_kill = status.state() == v1::TASK_KILLED &&
                          status.reason() != v1::TaskStatus::REASON_AGENT_DRAINING;
    if (gone.kill_sent_at.count() > 0 && our_kill) {
      lead_.killed(now_ - gone.kill_sent_at);
    }
    const Loss loss = our_kill ? Loss::failure : classify(status, gone.unavailability_start > 0);
    if (loss == Loss::down) {
      ++counters_.tasks_caught_by_down;
    } else {
      ++counters_.sleepers_killed;
    }
    migrating_.erase(found);
    changed();
    // Only our own KILL completes an evacuation; anything else took the task first.
    left_agent(agent, our_kill ? std::nullopt : std::optional(loss));
    return;
  }
  auto found = sleepers_.find(agent);
  if (found == sleepers_.end()) {
    return;
  }
  Sleeper& sleeper = found->second;
  if (status.state() == v1::TASK_RUNNING) {
    if (sleeper.launched_at.count() > 0) {
      lead_.launched(now_ - sleeper.launched_at);
      sleeper.launched_at = Time{0};
    }
    if (!sleeper.replaces.empty()) {
      replacement_running(agent, decision);
    } else {
      retire_replaced(decision);  // a refill ran: a deferred retirement may fit now
    }
    return;
  }
  if (!terminal) {
    return;
  }
  const Sleeper lost = sleeper;
  const Loss loss = classify(status, lost.unavailability_start > 0);
  switch (loss) {
    case Loss::down:
      ++counters_.tasks_caught_by_down;
      break;
    case Loss::drained:
      ++counters_.tasks_drained;
      break;
    case Loss::gone:
      ++counters_.tasks_lost_with_agent;
      break;
    case Loss::failure:
      ++counters_.sleepers_lost_abnormally;
      break;
  }
  sleepers_.erase(found);
  // A replacement whose old task died anyway is now simply a task.
  for (auto& [other, replacement] : sleepers_) {
    if (replacement.replaces == agent) {
      replacement.replaces.clear();
    }
  }
  changed();
  if (!lost.replaces.empty()) {
    decision.log.push_back("Replacement task " + lost.task_id.value() + " for " + lost.replaces +
                           " ended before it ran; the move is retried");
  } else if (loss != Loss::failure) {
    decision.log.push_back("Task " + lost.task_id.value() + " was taken by maintenance (" +
                           std::string(loss_name(loss)) + "); relaunching elsewhere");
  }
  left_agent(agent, loss);
  request_revive(decision);
}

void SchedulerState::replacement_running(const std::string& agent, Decision& decision) {
  Sleeper& replacement = sleepers_.at(agent);
  const std::string old = replacement.replaces;
  if (const auto moving = sleepers_.find(old);
      moving != sleepers_.end() &&
      (moving->second.unavailability_start == 0 ||  // its maintenance was cancelled
       now_ < deadline_of(moving->second.unavailability_start)) &&
      running_tasks() - (moving->second.state == v1::TASK_RUNNING ? 1U : 0U) +
              evacuation_.max_unavailable <
          num_tasks_) {
    // A loss elsewhere is still being refilled: killing the old task now would leave fewer than
    // N - max_unavailable running. It waits for that refill to run, or for its deadline.
    if (deferred_.insert(old).second) {
      decision.log.push_back("Task " + moving->second.task_id.value() + " on " + old +
                             " stays until another task runs: killing it now would leave " +
                             std::to_string(running_tasks() - 1) + " running");
    }
    return;
  }
  deferred_.erase(old);
  replacement.replaces.clear();
  changed();
  if (sleepers_.contains(old)) {
    retire(old, "replacement task " + replacement.task_id.value() + " is RUNNING on " + agent,
           decision);
    migrating_.at(old).retired_for = agent;
  }
  if (!moves_by_deadline().empty()) {
    request_revive(decision);  // the surge budget has room for the next move
  }
}

void SchedulerState::retire(const std::string& agent, const std::string& why, Decision& decision) {
  Sleeper moving = sleepers_.at(agent);
  sleepers_.erase(agent);
  decision.log.push_back("Killing task " + moving.task_id.value() + " on " + agent + ": " + why);
  moving.kill_sent_at = now_;
  kill(moving.task_id, agent, decision);
  migrating_[agent] = std::move(moving);
  move_waits_.erase(agent);
  ++counters_.migrations;
  changed();
}

void SchedulerState::agent_failed(const std::string& agent, Decision& decision) {
  const Loss loss = agent_book_.failed(agent, now_);
  const bool has_window = loss == Loss::down;
  // Removed agents never come back under the same id.
  vacated_.erase(agent);
  past_deadline_.erase(agent);
  for (auto* map : {&sleepers_, &migrating_}) {
    if (auto found = map->find(agent); found != map->end()) {
      // The TASK_LOST that normally comes first did not: count the task here.
      ++(has_window ? counters_.tasks_caught_by_down : counters_.tasks_lost_with_agent);
      decision.log.push_back("Task " + found->second.task_id.value() + " went with agent " + agent +
                             "; relaunching elsewhere");
      map->erase(found);
      changed();
      request_revive(decision);
    }
  }
  for (auto& [other, replacement] : sleepers_) {
    if (replacement.replaces == agent) {
      replacement.replaces.clear();
    }
  }
  left_agent(agent, loss);
}

// Bookkeeping once no task of this framework is left on `agent`: how long evacuating it took, or
// what took the task.
void SchedulerState::left_agent(const std::string& agent, std::optional<Loss> loss) {
  if (loss) {
    agent_book_.lost(agent, *loss);
  }
  if (auto started = evacuation_started_.find(agent); started != evacuation_started_.end()) {
    if (!loss) {
      const Time took = now_ - started->second;
      last_evacuation_ = took;
      max_evacuation_ = std::max(max_evacuation_.value_or(Time{0}), took);
      ++counters_.evacuations;
    }
    evacuation_started_.erase(started);
  }
  move_waits_.erase(agent);
  deferred_.erase(agent);
  past_deadline_.erase(agent);
}

// At a move's deadline with no replacement started: say so once, revive offers in case a filter
// hides a safe agent, and kill first if the budget allows. With --max_surge=0 no replacement can
// ever start, so that is the only way to move, and the latest safe moment to do it.
void SchedulerState::retire_replaced(Decision& decision) {
  std::vector<std::string> ready;
  for (const auto& [agent, sleeper] : sleepers_) {
    if (!sleeper.replaces.empty() && sleeper.state == v1::TASK_RUNNING) {
      ready.push_back(agent);
    }
  }
  for (const auto& agent : ready) {
    if (sleepers_.contains(agent) && !sleepers_.at(agent).replaces.empty()) {
      replacement_running(agent, decision);
    }
  }
}

void SchedulerState::evacuate_due(Decision& decision) {
  retire_replaced(decision);  // deferred retirements whose deadline came
  for (const auto& agent : moves_by_deadline()) {
    const Sleeper& sleeper = sleepers_.at(agent);
    const bool due = now_ >= deadline_of(sleeper.unavailability_start);
    if (!due) {
      continue;
    }
    const bool allowed = kill_first_allowed();
    if (past_deadline_.insert(agent).second) {
      const auto wait = move_waits_.find(agent);
      const std::string why = evacuation_.max_surge == 0  ? "--max_surge=0"
                              : wait != move_waits_.end() ? wait_text(wait->second)
                                                          : "no offers";
      const std::string task = sleeper.task_id.value();
      // Only a lack of safe agents is a lack of capacity; a full surge budget is just a queue.
      const bool no_capacity = wait == move_waits_.end() || wait->second != MoveWait::surge;
      decision.log.push_back(
          (no_capacity ? "No safe capacity for task " + task + " on " + agent
                       : "Task " + task + " on " + agent + " is past its deadline unmoved") +
          " (" + why + ")" +
          (allowed ? ": killing it first, as --max_unavailable=" +
                         std::to_string(evacuation_.max_unavailable) + " allows"
                   : ": keeping it running, --max_unavailable=" +
                         std::to_string(evacuation_.max_unavailable) + " forbids kill-first"));
      request_revive(decision);
    }
    if (allowed) {
      ++counters_.kill_first_moves;
      vacated_.insert(agent);
      retire(agent, "kill-first move before its window", decision);
      request_revive(decision);
    }
  }
}

void SchedulerState::observe_capacity() {
  const std::size_t running = running_tasks();
  if (min_running_seen_) {
    min_running_seen_ = std::min(*min_running_seen_, running);
  } else if (running >= num_tasks_) {
    min_running_seen_ = running;
  }
}

std::vector<PlannedMove> SchedulerState::planned_moves() const {
  std::vector<PlannedMove> out;
  for (const auto& [agent, sleeper] : migrating_) {
    if (sleeper.unavailability_start > 0) {
      PlannedMove move;
      move.task_id = sleeper.task_id.value();
      move.agent_id = agent;
      move.window_start = sleeper.unavailability_start;
      move.deadline = deadline_of(sleeper.unavailability_start);
      move.status = MoveStatus::being_killed;
      out.push_back(std::move(move));
    }
  }
  for (const auto& [agent, sleeper] : sleepers_) {
    if (sleeper.unavailability_start == 0 || !sleeper.replaces.empty()) {
      continue;
    }
    PlannedMove move;
    move.task_id = sleeper.task_id.value();
    move.agent_id = agent;
    move.window_start = sleeper.unavailability_start;
    move.deadline = deadline_of(sleeper.unavailability_start);
    for (const auto& [other, replacement] : sleepers_) {
      if (replacement.replaces == agent) {
        move.status = MoveStatus::replacement_starting;
        move.replacement_task = replacement.task_id.value();
        move.replacement_agent = other;
      }
    }
    if (move.replacement_task.empty()) {
      const auto wait = move_waits_.find(agent);
      move.status = wait == move_waits_.end()         ? MoveStatus::waiting_for_offers
                    : wait->second == MoveWait::surge ? MoveStatus::waiting_for_surge
                                                      : MoveStatus::no_safe_offer;
      move.past_deadline = past_deadline_.contains(agent);
    }
    out.push_back(std::move(move));
  }
  std::sort(out.begin(), out.end(), [](const PlannedMove& a, const PlannedMove& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.agent_id < b.agent_id;
  });
  return out;
}

}  // namespace iof::framework

namespace iof::framework {

void SchedulerState::forget_idle_agents() {
  const std::set<std::string> busy = kills_.agents();
  const auto keep = [&](const std::string& agent, const KnownAgent& known) {
    // A vacated agent is kept until its window starts, so that it is not refilled before it.
    const bool guarding = vacated_.contains(agent) && Time(known.window_start) > now_;
    return sleepers_.contains(agent) || migrating_.contains(agent) || busy.contains(agent) ||
           guarding;
  };
  for (const auto& agent : agent_book_.forget_idle(now_, keep)) {
    inverse_offer_replies_.erase(agent);
    vacated_.erase(agent);
    past_deadline_.erase(agent);
    move_waits_.erase(agent);
    evacuation_started_.erase(agent);
    deferred_.erase(agent);
  }
}

bool SchedulerState::kill_still_wanted(const std::string& task_id) {
  if (policy_ != Policy::seed && !kills_.contains(task_id)) {
    return false;  // a queued copy for a task that ended, or was kept after all
  }
  const auto it = std::find_if(migrating_.begin(), migrating_.end(), [&](const auto& entry) {
    return entry.second.task_id.value() == task_id;
  });
  if (it == migrating_.end() || it->second.retired_for.empty()) {
    return true;  // not a make-before-break retirement
  }
  const std::string old = it->first;
  const auto replacement = sleepers_.find(it->second.retired_for);
  const bool due =
      it->second.unavailability_start > 0 && now_ >= deadline_of(it->second.unavailability_start);
  if (due || replacement == sleepers_.end() || !replacement->second.replaces.empty() ||
      running_tasks() + evacuation_.max_unavailable >= num_tasks_) {
    return true;
  }
  // Losses since the decision leave no room for it: the old task stays, linked to its replacement
  // again, until another task runs or its deadline comes.
  Sleeper back = it->second;
  back.retired_for.clear();
  back.kill_sent_at = Time{0};
  replacement->second.replaces = old;
  kills_.done(task_id);
  migrating_.erase(it);
  sleepers_[old] = std::move(back);
  deferred_.insert(old);
  changed();
  return false;
}

}  // namespace iof::framework
