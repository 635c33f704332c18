// The allocator: offers every allocation interval, decline filters, SUPPRESS/REVIVE, rescinds,
// and inverse offers for agents under maintenance.
#include <algorithm>
#include <numeric>

#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::Framework;
namespace text = wire::text;

namespace {

constexpr double default_refuse_seconds = 5.0;
constexpr double max_refuse_seconds = 365.0 * 24 * 3600;

// Whether a role may be offered an unallocated resource: an unreserved one, or one reserved to
// the role.
bool offerable_to(const v1::Resource& resource, const std::string& role) {
  return resource.role() == "*" || resource.role() == role;
}

// What of an agent's unallocated resources a role may be offered, when that is not all of them.
std::vector<v1::Resource> for_role(const std::vector<v1::Resource>& available,
                                   const std::string& role) {
  std::vector<v1::Resource> out;
  for (const auto& resource : available) {
    if (offerable_to(resource, role)) {
      out.push_back(resource);
    }
  }
  return out;
}

// The refusal a decline or accept installs: none for 0, else clamped like the allocator does.
std::optional<Duration> refusal(const std::optional<v1::Filters>& filters,
                                Duration allocation_interval) {
  if (!filters) {
    return std::nullopt;
  }
  double refuse = filters->refuse_seconds();
  if (refuse > max_refuse_seconds) {
    refuse = max_refuse_seconds;
  } else if (refuse < 0 || !std::isfinite(refuse)) {
    refuse = default_refuse_seconds;
  }
  if (refuse == 0) {
    return std::nullopt;
  }
  const auto timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(refuse));
  return std::max(timeout, allocation_interval);
}

}  // namespace

void Cluster::State::release(Agent& agent, const std::vector<v1::Resource>& resources) {
  if (resources.empty()) {
    return;
  }
  agent.available.assign(text::sum(agent.available.resources(), resources), agent.total);
  ++agent.version;
}

void Cluster::State::allocate(Time now) {
  allocation_requested.reset();
  if (next_periodic_allocation <= now) {
    next_periodic_allocation = now + config.allocation_interval;
  }

  struct Candidate {
    Framework* framework;
    std::string role;
    // The role's decline filters, by agent index: looked up once, not once per agent.
    std::unordered_map<std::size_t, model::Filter>* filters = nullptr;
    double cpus = 0;  // offered and used, the share the allocator evens out
  };
  std::vector<Candidate> candidates;
  for (auto& [id, framework] : frameworks) {
    if (!framework.connected()) {
      continue;
    }
    for (const auto& role : framework.roles()) {
      if (!framework.suppressed_roles.contains(role)) {
        candidates.push_back({&framework, role, &framework.filters[role]});
      }
    }
  }
  if (!candidates.empty()) {
    for (auto& candidate : candidates) {
      for (const auto& offer_id : candidate.framework->offers) {
        candidate.cpus += text::scalar(offers.at(offer_id).resources, "cpus");
      }
      for (const auto& key : candidate.framework->tasks) {
        candidate.cpus += text::scalar(tasks.at(key).resources, "cpus");
      }
    }

    // Like the hierarchical allocator, visit agents in a fresh random order each time.
    std::vector<std::size_t> order(agents.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), random);

    // One OFFERS event per framework, written as bytes offer by offer (see OffersWriter).
    std::map<std::string, model::OffersWriter> batches;
    offers.reserve(offers.size() + agents.size());
    // Every offer's id, written over the same buffer.
    const std::string prefix = offer_id_prefix();
    std::string offer_id = prefix;
    for (std::size_t position = 0; position < order.size(); ++position) {
      // The order is random, so each agent's record comes from cold memory: ask for it a few
      // agents ahead, so that the misses overlap. (Its offer bytes are not fetched ahead: most
      // passes find most agents filtered, and fetching them doubled the cost of such a pass.)
      constexpr std::size_t record_ahead = 16;
      if (position + record_ahead < order.size()) {
        __builtin_prefetch(&agents[order[position + record_ahead]]);
      }
      const std::size_t index = order[position];
      Agent& agent = agents[index];
      if (!agent.active() || agent.available.empty()) {
        continue;
      }
      Candidate* best = nullptr;
      bool best_takes_all = false;
      std::vector<v1::Resource> best_resources;  // when it takes a part only
      for (auto& candidate : candidates) {
        if (best != nullptr && candidate.cpus >= best->cpus) {
          continue;
        }
        auto& role_filters = *candidate.filters;
        auto filter = role_filters.find(index);
        if (filter != role_filters.end() && filter->second.expires <= now) {
          role_filters.erase(filter);
          filter = role_filters.end();
        }
        // Nothing changed on the agent since the refusal: still refused, and cheap to tell.
        if (filter != role_filters.end() && filter->second.agent_version == agent.version) {
          continue;
        }
        // The role may usually have everything: then it is offered without a copy.
        const auto& available = agent.available.resources();
        const bool takes_all =
            agent.available.unreserved() ||
            std::all_of(available.begin(), available.end(), [&](const v1::Resource& resource) {
              return offerable_to(resource, candidate.role);
            });
        std::vector<v1::Resource> part;
        if (!takes_all) {
          part = for_role(available, candidate.role);
        }
        const std::vector<v1::Resource>& resources = takes_all ? available : part;
        if (resources.empty() ||
            !(takes_all ? agent.available.allocatable() : model::allocatable(resources))) {
          continue;
        }
        if (filter != role_filters.end() && text::contains(filter->second.resources, resources)) {
          continue;
        }
        best = &candidate;
        best_takes_all = takes_all;
        best_resources = std::move(part);
      }
      if (best == nullptr) {
        continue;
      }

      const model::OfferNumber number = next_offer++;
      offer_id.resize(prefix.size());
      offer_id += std::to_string(number);
      // The agent's total offered: its bytes were worked out when it joined.
      const bool whole = best_takes_all && agent.available.whole();
      double cpus = 0;
      if (best_takes_all) {
        // Nothing remains, and the subtraction, the costliest step of offering an agent, would
        // only come to that.
        cpus = agent.available.cpus();
        best_resources = agent.available.take_all();
      } else {
        auto remaining = text::difference(agent.available.resources(), best_resources);
        agent.available.assign(remaining ? std::move(*remaining) : std::vector<v1::Resource>{},
                               agent.total);
        cpus = text::scalar(best_resources, "cpus");
      }
      ++agent.version;
      Framework& framework = *best->framework;
      agent.offers.insert(number);
      framework.offers.insert(number);
      best->cpus += cpus;

      auto batch = batches.find(framework.id);
      if (batch == batches.end()) {
        const model::OfferedFormat format{
            framework.has(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT),
            framework.has(v1::FrameworkInfo::Capability::MULTI_ROLE)};
        batch = batches.try_emplace(framework.id, framework.id, format, agents.size()).first;
      }
      const model::Machine* machine = machine_of(agent);
      batch->second.add(offer_id, agent.wire, best_resources, whole, best->role,
                        machine != nullptr ? &machine->unavailability : nullptr);
      if (config.offer_timeout) {
        schedule_timer(now + *config.offer_timeout, model::TimerKind::offer_timeout, offer_id, 0);
      }
      offers.emplace(number,
                     model::Offer{framework.id, index, best->role, std::move(best_resources)});
      ++counters.offers_sent;
    }
    for (auto& [framework_id, batch] : batches) {
      send_to(frameworks.at(framework_id), batch.finish());
    }
  }
  generate_inverse_offers(now);
}

void Cluster::State::generate_inverse_offers(Time now) {
  std::map<std::string, Event> batches;
  for (const auto& [key, machine] : machines) {
    if (machine.mode != v1::MachineInfo::DRAINING) {
      continue;
    }
    auto on_machine = agents_by_machine.find(key);
    if (on_machine == agents_by_machine.end()) {
      continue;
    }
    for (const std::size_t index : on_machine->second) {
      const Agent& agent = agents[index];
      if (!agent.active()) {
        continue;
      }
      // Frameworks with resources offered or allocated on the agent.
      std::set<std::string> users;
      for (const auto& offer_id : agent.offers) {
        users.insert(offers.at(offer_id).framework);
      }
      for (const auto& task_key : agent.tasks) {
        const auto& task = tasks.at(task_key);
        if (!task.resources.empty()) {
          users.insert(task.framework);
        }
      }
      for (const auto& framework_id : users) {
        Framework* framework = this->framework(framework_id);
        if (framework == nullptr || !framework->connected() ||
            framework->inverse_offers.contains(index)) {
          continue;
        }
        auto filter = framework->inverse_filters.find(index);
        if (filter != framework->inverse_filters.end()) {
          if (filter->second > now) {
            continue;
          }
          framework->inverse_filters.erase(filter);
        }
        const std::string id = offer_id(next_offer++);
        inverse_offers[id] = model::InverseOffer{framework_id, index};
        framework->inverse_offers[index] = id;

        Event& batch = batches[framework_id];
        batch.set_type(Event::INVERSE_OFFERS);
        v1::InverseOffer& offer = *batch.mutable_inverse_offers()->add_inverse_offers();
        offer.mutable_id()->set_value(id);
        *offer.mutable_url() = agent.url;
        offer.mutable_framework_id()->set_value(framework_id);
        offer.mutable_agent_id()->set_value(agent.id);
        *offer.mutable_unavailability() = machine.unavailability;
        if (config.offer_timeout) {
          schedule_timer(now + *config.offer_timeout, model::TimerKind::offer_timeout, id, 0);
        }
        ++counters.inverse_offers_sent;
      }
    }
  }
  for (auto& [framework_id, event] : batches) {
    send_to(frameworks.at(framework_id), std::move(event));
  }
}

void Cluster::State::recover_offer(model::OfferNumber number,
                                   const std::optional<v1::Filters>& filters, Time now) {
  auto found = offers.find(number);
  if (found == offers.end()) {
    return;
  }
  model::Offer offer = std::move(found->second);
  offers.erase(found);
  Agent& agent = agents[offer.agent];
  agent.offers.erase(number);
  release(agent, offer.resources);
  Framework* framework = this->framework(offer.framework);
  if (framework == nullptr) {
    return;
  }
  framework->offers.erase(number);
  install_filter(*framework, offer.role, offer.agent, std::move(offer.resources), filters, now);
}

void Cluster::State::install_filter(Framework& framework, const std::string& role,
                                    std::size_t agent, std::vector<v1::Resource> resources,
                                    const std::optional<v1::Filters>& filters, Time now) {
  if (auto timeout = refusal(filters, config.allocation_interval)) {
    framework.filters[role][agent] =
        model::Filter{std::move(resources), now + *timeout, agents[agent].version};
  }
}

void Cluster::State::rescind_offer(model::OfferNumber number) {
  auto found = offers.find(number);
  if (found == offers.end()) {
    return;
  }
  if (const Framework* framework = this->framework(found->second.framework)) {
    Event event;
    event.set_type(Event::RESCIND);
    event.mutable_rescind()->mutable_offer_id()->set_value(offer_id(number));
    send_to(*framework, std::move(event));
  }
  ++counters.offers_rescinded;
  recover_offer(number, std::nullopt, Time{});
}

void Cluster::State::remove_inverse_offer(const std::string& id, bool rescind) {
  auto found = inverse_offers.find(id);
  if (found == inverse_offers.end()) {
    return;
  }
  const model::InverseOffer offer = found->second;
  inverse_offers.erase(found);
  Framework* framework = this->framework(offer.framework);
  if (framework == nullptr) {
    return;
  }
  framework->inverse_offers.erase(offer.agent);
  if (rescind) {
    Event event;
    event.set_type(Event::RESCIND_INVERSE_OFFER);
    event.mutable_rescind_inverse_offer()->mutable_inverse_offer_id()->set_value(id);
    send_to(*framework, std::move(event));
  }
}

void Cluster::State::decline(const Call& call, Time now) {
  ++counters.messages_decline_offers;
  // Without `filters` the proto default applies: Filters{refuse_seconds: 5}.
  const v1::Filters filters = call.decline().filters();
  for (const auto& id : call.decline().offer_ids()) {
    const auto number = outstanding_offer(id.value());
    if (!number || offers.at(*number).framework != call.framework_id().value()) {
      continue;  // the master only logs stale ids
    }
    ++counters.offers_declined;
    recover_offer(*number, filters, now);
  }
}

void Cluster::State::revive(Framework& framework, const Call::Revive& revive, Time now) {
  ++counters.messages_revive_offers;
  std::vector<std::string> roles(revive.roles().begin(), revive.roles().end());
  if (roles.empty()) {
    roles = framework.roles();
  }
  for (const auto& role : roles) {
    framework.suppressed_roles.erase(role);
    framework.filters.erase(role);
  }
  framework.inverse_filters.clear();
  request_allocation(now);
}

void Cluster::State::suppress(Framework& framework, const Call::Suppress& suppress) {
  ++counters.messages_suppress_offers;
  std::vector<std::string> roles(suppress.roles().begin(), suppress.roles().end());
  if (roles.empty()) {
    roles = framework.roles();
  }
  framework.suppressed_roles.insert(roles.begin(), roles.end());
}

void Cluster::State::answer_inverse_offers(
    Framework& framework, const google::protobuf::RepeatedPtrField<v1::OfferID>& ids,
    const std::optional<v1::Filters>& filters, v1::allocator::InverseOfferStatus::Status status,
    Time now) {
  for (const auto& id : ids) {
    auto found = inverse_offers.find(id.value());
    if (found == inverse_offers.end() || found->second.framework != framework.id) {
      continue;  // logged only, still 202
    }
    const std::size_t index = found->second.agent;
    v1::allocator::InverseOfferStatus record;
    record.set_status(status);
    record.mutable_framework_id()->set_value(framework.id);
    *record.mutable_timestamp() = model::time_info(now);
    agents[index].statuses[framework.id] = record;
    remove_inverse_offer(id.value(), false);
    // Unlike offer filters: 5 s when absent, none for 0, not raised to the allocation interval.
    double refuse = filters ? filters->refuse_seconds() : default_refuse_seconds;
    if (refuse < 0 || !std::isfinite(refuse)) {
      refuse = default_refuse_seconds;
    }
    refuse = std::min(refuse, max_refuse_seconds);
    if (refuse > 0) {
      framework.inverse_filters[index] =
          now + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(refuse));
    }
  }
}

}  // namespace iof::sim
