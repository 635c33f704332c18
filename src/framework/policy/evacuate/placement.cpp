// The evacuate policy's placement: N tasks on the safest agents offered, then the moves, earliest
// deadline first, each onto a safe agent whose window comes later than the one it leaves; among
// agents free of maintenance, the --spread_by value holding the fewest of our tasks first. The
// rest declined for only as long as the answer cannot change.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>

#include "iof/framework/core/calls.hpp"

#include "candidates.hpp"
#include "durations.hpp"
#include "evacuate_policy.hpp"

namespace iof::framework {

using evacuate::Candidate;
using evacuate::CandidatePicker;
using evacuate::seconds;
using evacuate::secs_text;
using v1::scheduler::Call;
using v1::scheduler::Event;

namespace {

// Our tasks per --spread_by value as placement weighs them, kept current as this frame places
// tasks. A task whose replacement is starting is already on its way out: only the replacement
// counts. Tasks whose agent's value is not known yet count nowhere until it is offered.
class SpreadLoad {
 public:
  explicit SpreadLoad(PolicyHost& host) {
    const auto& sleepers = host.task_book().sleepers();
    std::set<std::string> leaving;
    for (const auto& [agent, sleeper] : sleepers) {
      if (!sleeper.replaces.empty()) {
        leaving.insert(sleeper.replaces.value());
      }
    }
    for (const auto& [agent, sleeper] : sleepers) {
      if (!leaving.contains(agent)) {
        add(host.agent_book().spread_value(agent));
      }
    }
  }

  std::size_t of(const std::optional<SpreadValue>& value) const {
    const auto found = value ? tasks_.find(*value) : tasks_.end();
    return found == tasks_.end() ? 0 : found->second;
  }
  void add(const std::optional<SpreadValue>& value) {
    if (value) {
      ++tasks_[*value];
    }
  }
  void remove(const std::optional<SpreadValue>& value) {
    if (value && tasks_[*value] > 0) {
      --tasks_[*value];
    }
  }

 private:
  std::map<SpreadValue, std::size_t> tasks_;
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
  if (a.scattered != b.scattered) {
    return a.scattered < b.scattered;
  }
  return a.offer->agent_id < b.offer->agent_id;
}

// Candidates in preferred order, an agent offered twice in the event counting once (its first
// acceptable offer).
void rank(std::vector<Candidate>& candidates) {
  std::unordered_set<std::string_view> seen;
  std::erase_if(candidates,
                [&](const Candidate& c) { return !seen.insert(c.offer->agent_id).second; });
  for (auto& candidate : candidates) {
    candidate.scattered = scatter(candidate.offer->agent_id);
  }
  std::sort(candidates.begin(), candidates.end(), preferred);
}

}  // namespace

const KnownAgent& EvacuatePolicy::note_agent(PolicyHost& host, const OfferSummary& offer) {
  const KnownAgent& known = host.agent_book().offered(offer, host.now());
  if (!offer.has_window) {
    vacated_.erase(offer.agent_id);  // its maintenance is over or cancelled
  }
  return known;
}

Decision EvacuatePolicy::offers(PolicyHost& host, const std::vector<OfferSummary>& offers) {
  Decision decision;
  const Time lead = lead_.current();
  std::vector<Candidate> candidates;
  for (const auto& offer : offers) {
    // The agent's entry, looked up once: with an offer from each of 50k agents, every further
    // lookup is another trip to memory the caches no longer hold.
    const KnownAgent& known = note_agent(host, offer);
    const std::string& agent = offer.agent_id;
    const std::int64_t start = known.window_start;
    if (host.task_book().sleepers().contains(agent)) {
      host.learn_window(agent, start, decision);
      continue;
    }
    const bool killing_there = host.kill_retrier().killing_on(agent);
    if (host.task_book().migrating().contains(agent) || vacated_.contains(agent) || killing_there ||
        !offer.holds_task) {
      continue;
    }
    candidates.push_back(Candidate{&offer, start, start == 0 || Time(start) >= host.now() + lead,
                                   known.spread_value, 0});
  }
  // Ranking every offer is the costly part of placement, and with every slot filled and no move
  // due (a cluster's usual state) nothing would be picked: the offers are only declined.
  if (host.slot_to_fill() || !moves_by_deadline(host).empty()) {
    rank(candidates);
  } else {
    candidates.clear();
  }
  CandidatePicker picker(candidates);
  std::vector<bool> used(candidates.size(), false);
  SpreadLoad load(host);
  // Balance: among agents free of maintenance (a task put on an agent with a window must move
  // again, which no balance is worth), the --spread_by value holding the fewest of our tasks
  // first (without --spread_by every load is 0).
  const auto balanced = [&](const std::optional<SpreadValue>& value) { return load.of(value); };
  const auto unbalanced = [](const std::optional<SpreadValue>&) { return std::size_t{0}; };
  const auto pick = [&](const auto& acceptable, bool by_balance) -> std::optional<std::size_t> {
    const auto best =
        by_balance ? picker.pick(acceptable, balanced) : picker.pick(acceptable, unbalanced);
    if (best) {
      used[*best] = true;
      load.add(candidates[*best].spread);
    }
    return best;
  };

  // Capacity first: N tasks, on safe agents when any fits (among those free of maintenance, the
  // least loaded --spread_by value first), on the best of the rest otherwise. An empty slot in
  // crash-loop backoff waits; the core wakes up and revives when it may launch.
  while (host.slot_to_fill()) {
    auto chosen = pick([](const Candidate& c) { return c.safe; }, true);
    if (!chosen) {
      chosen = pick([](const Candidate&) { return true; }, false);
    }
    if (!chosen) {
      break;
    }
    decision.calls.push_back(host.launch(*candidates[*chosen].offer, AgentId(), decision));
  }

  // Then moves, earliest deadline first, each onto a safe agent whose window (if any) comes
  // later than the one it leaves.
  for (const auto& agent : moves_by_deadline(host)) {
    const Sleeper& sleeper = host.task_book().sleepers().at(agent);
    // As in Kubernetes, a task being killed no longer counts against the surge.
    // An empty slot waiting out its crash-loop backoff will take a task: room is kept for it.
    if (host.task_book().sleepers().size() + host.slots_backing_off() >=
        host.num_tasks() + evacuation_.max_surge) {
      move_waits_[agent] = MoveWait::surge;
      continue;
    }
    if (move_backs_off(host, sleeper)) {
      move_waits_[agent] = MoveWait::crash_backoff;
      continue;
    }
    const std::int64_t leaving = sleeper.unavailability_start;
    // The balance is weighed as if the task had left: the least loaded value keeps the spread
    // at least as even, its own value among them. Safety still decides which agents qualify, and
    // an agent free of maintenance still beats one with a later window.
    const auto leaving_value = host.agent_book().spread_value(agent);
    load.remove(leaving_value);
    const auto chosen = pick(
        [&](const Candidate& c) {
          return c.safe && (c.window_start == 0 || c.window_start > leaving);
        },
        true);
    if (!chosen) {
      load.add(leaving_value);
      move_waits_[agent] = MoveWait::no_safe_offer;
      continue;
    }
    move_waits_.erase(agent);
    decision.log.push_back({"Moving task " + sleeper.task_id.value() + " off " + agent +
                                " before its window (deadline in " +
                                secs_text(deadline_of(leaving) - host.now()) + ")",
                            {sleeper.task_id.value(), agent}});
    decision.calls.push_back(host.launch(*candidates[*chosen].offer, AgentId(agent), decision));
    ++host.mutable_counters().replacements_launched;
  }

  // Offers refused for 600 s are gone for good in practice (a REVIVE brings them back, but only
  // our own events trigger one). While a task still needs a home, refuse them only until the
  // answer matters: the next deadline, and no longer than a minute.
  double refuse = decline_seconds;
  if (host.slot_to_fill()) {
    refuse = 60;
  }
  // A move waiting for a safe offer, or out its backoff until its deadline, wants offers by then.
  for (const auto& agent : moves_by_deadline(host)) {
    if (const auto wait = move_waits_.find(agent);
        wait != move_waits_.end() && wait->second != MoveWait::surge) {
      const double until = seconds(
          deadline_of(host.task_book().sleepers().at(agent).unavailability_start) - host.now());
      refuse = std::min(refuse, std::clamp(until, 5.0, 60.0));
    }
  }
  Call decline = host.call(Call::DECLINE);
  decline.mutable_decline()->mutable_filters()->set_refuse_seconds(refuse);
  std::unordered_set<const OfferSummary*> accepted;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (used[i]) {
      accepted.insert(candidates[i].offer);
    }
  }
  for (const auto& offer : offers) {
    if (!accepted.contains(&offer)) {
      decline.mutable_decline()->add_offer_ids()->set_value(offer.id);
    }
  }
  if (decline.decline().offer_ids_size() > 0) {
    decision.calls.push_back(std::move(decline));
  }
  return decision;
}

}  // namespace iof::framework
