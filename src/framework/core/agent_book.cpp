// The agent book: windows as offers and inverse offers announce them, losses, and forgetting.
#include "iof/framework/core/agent_book.hpp"

#include <algorithm>

namespace iof::framework {

namespace {

// The window an offer or inverse offer announces (none when absent).
void set_window(KnownAgent& known, const v1::Unavailability* unavailability) {
  known.window_start = unavailability ? unavailability->start().nanoseconds() : 0;
  known.window_duration = unavailability && unavailability->has_duration()
                              ? unavailability->duration().nanoseconds()
                              : -1;
}

}  // namespace

const KnownAgent& AgentBook::offered(const OfferSummary& offer, Time now) {
  KnownAgent& known = agents_[offer.agent_id];
  known.last_seen = now;
  known.hostname = offer.hostname;
  known.lost.reset();  // offered again: it is back
  if (!spread_by_.empty()) {
    known.spread_value = offer.spread.value_or(SpreadValue());
  }
  known.window_start = offer.window_start();
  known.window_duration = offer.has_window ? offer.window_duration_ns : -1;
  return known;
}

void AgentBook::announced(const std::string& agent, const v1::Unavailability& unavailability,
                          Time now) {
  KnownAgent& known = agents_[agent];
  set_window(known, &unavailability);
  known.last_seen = now;
}

Loss AgentBook::failed(const std::string& agent, Time now) {
  KnownAgent& known = agents_[agent];
  known.last_seen = now;
  known.lost = known.window_start > 0 ? Loss::down : Loss::gone;
  return *known.lost;
}

void AgentBook::lost(const std::string& agent, Loss loss) {
  if (loss != Loss::failure) {
    agents_[agent].lost = loss;
  }
}

std::int64_t AgentBook::window_start(const std::string& agent) const {
  const auto found = agents_.find(agent);
  return found == agents_.end() ? 0 : found->second.window_start;
}

std::optional<SpreadValue> AgentBook::spread_value(const std::string& agent) const {
  const auto found = agents_.find(agent);
  return found == agents_.end() ? std::nullopt : found->second.spread_value;
}

std::vector<std::string> AgentBook::forget_idle(
    Time now, const std::function<bool(const std::string&, const KnownAgent&)>& keep) {
  std::vector<std::string> forgotten;
  if (now < next_forget_) {
    return forgotten;
  }
  next_forget_ = now + std::chrono::minutes(1);
  for (auto it = agents_.begin(); it != agents_.end();) {
    // Not named for agent_memory and holding nothing of ours: removed while this framework was
    // not listening, or simply idle. Its next offer teaches everything again.
    if (now - it->second.last_seen > memory_ && !keep(it->first, it->second)) {
      forgotten.push_back(it->first);
      it = agents_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(forgotten.begin(), forgotten.end());  // the log names them in a stable order
  return forgotten;
}

}  // namespace iof::framework
