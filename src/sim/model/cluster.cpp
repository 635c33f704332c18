// Cluster construction, the call dispatcher, and the timer loop.
#include <arpa/inet.h>

#include "iof/sim/agent_attributes.hpp"
#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

namespace {

// MasterInfo.ip: the IPv4 address in network byte order, read as a host integer.
std::uint32_t packed_ip(const std::string& ip) {
  in_addr address{};
  if (inet_pton(AF_INET, ip.c_str(), &address) != 1) {
    return 0;
  }
  return address.s_addr;
}

// agentN's address: 127.0.0.1 + N, as the real transcripts have agent1 at 127.0.0.2.
std::string agent_ip(std::uint64_t ordinal) {
  const std::uint64_t value = 0x7F000001ULL + ordinal;
  return std::to_string((value >> 24) & 0xFF) + "." + std::to_string((value >> 16) & 0xFF) + "." +
         std::to_string((value >> 8) & 0xFF) + "." + std::to_string(value & 0xFF);
}

// Under --execute every agent is this one machine: agents offering the same ports would start
// tasks that cannot all bind them. Agent `ordinal` (1-based) of `agents` gets its own equal
// slice of each port range, as if each were a machine of its own.
std::vector<v1::Resource> own_ports(std::vector<v1::Resource> resources, std::uint64_t ordinal,
                                    std::uint64_t agents) {
  for (auto& resource : resources) {
    if (resource.name() != "ports" || !resource.has_ranges()) {
      continue;
    }
    v1::Value::Ranges slices;
    for (const auto& range : resource.ranges().range()) {
      const std::uint64_t width = (range.end() - range.begin() + 1) / agents;
      if (width == 0) {
        continue;  // fewer ports than agents: this range is no one's
      }
      auto* slice = slices.add_range();
      slice->set_begin(range.begin() + (ordinal - 1) * width);
      slice->set_end(slice->begin() + width - 1);
    }
    *resource.mutable_ranges() = std::move(slices);
  }
  return resources;
}

}  // namespace

Cluster::Cluster(std::unique_ptr<State> state) : state_(std::move(state)) {}
Cluster::Cluster(Cluster&&) noexcept = default;
Cluster& Cluster::operator=(Cluster&&) noexcept = default;
Cluster::~Cluster() = default;

namespace {

std::unique_ptr<Cluster::State> base_state(Config config, Time now) {
  auto state = std::make_unique<Cluster::State>();
  state->random.seed(config.seed);
  if (config.master_id.empty()) {
    config.master_id = state->uuid_text();
  }
  state->config = std::move(config);
  const Config& c = state->config;
  auto& info = state->master_info;
  info.set_id(c.master_id);
  info.set_ip(packed_ip(c.ip));
  info.set_port(c.port);
  info.set_pid("master@" + c.ip + ":" + std::to_string(c.port));
  info.set_hostname(c.hostname);
  info.set_version(c.version);
  info.mutable_address()->set_hostname(c.hostname);
  info.mutable_address()->set_ip(c.ip);
  info.mutable_address()->set_port(c.port);
  for (auto type :
       {v1::MasterInfo::Capability::AGENT_UPDATE, v1::MasterInfo::Capability::AGENT_DRAINING,
        v1::MasterInfo::Capability::QUOTA_V2}) {
    info.add_capabilities()->set_type(type);
  }
  state->started_at = now;
  state->next_periodic_allocation = now;
  return state;
}

}  // namespace

Result<Cluster> Cluster::create(Config config, Time now) {
  auto resources = wire::text::parse_resources(config.agent_resources);
  if (!resources) {
    return Error{"Invalid --agent_resources: " + resources.error().message};
  }
  auto attributes = parse_agent_attributes(config.agent_attributes);
  if (!attributes) {
    return Error{"Invalid --agent_attributes: " + attributes.error().message};
  }
  auto state = base_state(std::move(config), now);
  for (std::size_t n = 1; n <= state->config.agents; ++n) {
    model::Agent agent;
    agent.id = state->master_info.id() + "-S" + std::to_string(state->next_agent++);
    agent.hostname = "agent" + std::to_string(n);
    agent.ip = agent_ip(n);
    agent.ordinal = n;
    agent.total =
        state->config.execute ? own_ports(*resources, n, state->config.agents) : *resources;
    agent.attributes = attributes_for(*attributes, n);
    agent.available.assign(agent.total, agent.total);
    agent.registered_at = now;
    agent.pings_from = now;
    state->add_agent(std::move(agent));
  }
  state->registry_changed = true;
  return Cluster(std::move(state));
}

const Config& Cluster::config() const {
  return state_->config;
}

const v1::MasterInfo& Cluster::master_info() const {
  return state_->master_info;
}

void Cluster::handle(const Call& call, Time now) {
  State& s = *state_;
  model::Framework* framework = s.framework(call.framework_id().value());
  if (framework == nullptr || !framework->connected()) {
    return;  // the HTTP layer answers these; nothing reaches here
  }
  ++framework->calls[call.type()];
  // ACCEPT_ and DECLINE_INVERSE_OFFERS carry the same fields; only the recorded status differs.
  const auto answer = [&](const auto& reply, v1::allocator::InverseOfferStatus::Status status) {
    s.answer_inverse_offers(
        *framework, reply.inverse_offer_ids(),
        reply.has_filters() ? std::optional<v1::Filters>(reply.filters()) : std::nullopt, status,
        now);
  };
  switch (call.type()) {
    case Call::TEARDOWN:
      ++s.counters.messages_teardown_framework;
      s.remove_framework(framework->id);
      break;
    case Call::ACCEPT:
      s.accept(*framework, call.accept(), now);
      break;
    case Call::DECLINE:
      s.decline(call, now);
      break;
    case Call::ACCEPT_INVERSE_OFFERS:
      answer(call.accept_inverse_offers(), v1::allocator::InverseOfferStatus::ACCEPT);
      break;
    case Call::DECLINE_INVERSE_OFFERS:
      answer(call.decline_inverse_offers(), v1::allocator::InverseOfferStatus::DECLINE);
      break;
    case Call::REVIVE:
      s.revive(*framework, call.revive(), now);
      break;
    case Call::SUPPRESS:
      s.suppress(*framework, call.suppress());
      break;
    case Call::KILL:
      s.kill(*framework, call.kill(), now);
      break;
    case Call::ACKNOWLEDGE:
      s.acknowledge(*framework, call.acknowledge(), now);
      break;
    case Call::RECONCILE:
      s.reconcile(*framework, call.reconcile(), now);
      break;
    default:
      // SHUTDOWN, MESSAGE, REQUEST, operation feedback: accepted and, with no custom executors
      // or resource providers in the model, without effect.
      break;
  }
}

void Cluster::advance(Time now) {
  State& s = *state_;
  while (true) {
    if (!s.timers.empty() && s.timers.begin()->first <= now) {
      auto node = s.timers.extract(s.timers.begin());
      const model::Timer& timer = node.mapped();
      switch (timer.kind) {
        case model::TimerKind::heartbeat:
          s.heartbeat(timer.key, timer.generation, now);
          break;
        case model::TimerKind::offer_timeout:
          if (const auto number = s.outstanding_offer(timer.key)) {
            s.rescind_offer(*number);
          } else {
            s.remove_inverse_offer(timer.key, true);
          }
          break;
        case model::TimerKind::executor_step:
          s.executor_step(timer.key, timer.generation, now);
          break;
        case model::TimerKind::update_retry:
          s.retry_update(timer.key, timer.generation, now);
          break;
        case model::TimerKind::framework_removal:
          s.failover_timeout(timer.key, timer.generation);
          break;
        case model::TimerKind::agent_unreachable:
          s.mark_unreachable(timer.key, timer.generation, now);
          break;
        case model::TimerKind::health_check:
          s.health_check_due(timer.key, timer.generation, now);
          break;
      }
      continue;
    }
    if ((s.allocation_requested && *s.allocation_requested <= now) ||
        s.next_periodic_allocation <= now) {
      s.allocate(now);
      continue;
    }
    break;
  }
}

std::optional<Time> Cluster::next_wakeup() const {
  const State& s = *state_;
  Time next = s.next_periodic_allocation;
  if (s.allocation_requested) {
    next = std::min(next, *s.allocation_requested);
  }
  if (!s.timers.empty()) {
    next = std::min(next, s.timers.begin()->first);
  }
  return next;
}

std::vector<Outgoing> Cluster::take_outbox() {
  return std::exchange(state_->outbox, {});
}

bool Cluster::take_registry_changed() {
  return std::exchange(state_->registry_changed, false);
}

}  // namespace iof::sim
