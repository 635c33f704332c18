// Maintenance as the master does it: the schedule and its validation, machine modes
// (UP -> DRAINING -> DOWN -> UP), their effects on offers, inverse offers, agents and tasks.
#include <algorithm>
#include <arpa/inet.h>
#include <set>

#include "state.hpp"

namespace iof::sim {

using model::Agent;
using model::Machine;
using Mode = v1::MachineInfo::Mode;

namespace {

std::optional<std::string> validate_machine(const v1::MachineID& id) {
  if (id.hostname().empty() && id.ip().empty()) {
    return std::string("Both 'hostname' and 'ip' for a machine are empty");
  }
  if (!id.ip().empty()) {
    in_addr address{};
    if (inet_pton(AF_INET, id.ip().c_str(), &address) != 1) {
      return "Failed to parse IPv4: " + id.ip();
    }
  }
  return std::nullopt;
}

// The checks machine/down and machine/up share.
std::optional<std::string> validate_machines(const std::vector<v1::MachineID>& machines) {
  if (machines.empty()) {
    return std::string("List of machines is empty");
  }
  std::set<std::string> seen;
  for (const auto& id : machines) {
    if (auto error = validate_machine(id)) {
      return error;
    }
    if (!seen.insert(model::machine_key(id)).second) {
      return "Machine '" + model::machine_text(id) + "' appears more than once in the schedule";
    }
  }
  return std::nullopt;
}

}  // namespace

Result<void> Cluster::update_schedule(const v1::maintenance::Schedule& schedule, Time now) {
  State& s = *state_;
  std::map<std::string, std::pair<v1::MachineID, v1::Unavailability>> updated;
  for (const auto& window : schedule.windows()) {
    if (window.machine_ids_size() == 0) {
      return Error{"List of machines in the maintenance window is empty"};
    }
    if (window.unavailability().duration().nanoseconds() < 0) {
      return Error{"Unavailability 'duration' is negative"};
    }
    for (const auto& id : window.machine_ids()) {
      if (auto error = validate_machine(id)) {
        return Error{*error};
      }
      const std::string key = model::machine_key(id);
      if (updated.contains(key)) {
        return Error{"Machine '" + model::machine_text(id) +
                     "' appears more than once in the schedule"};
      }
      updated[key] = {id, window.unavailability()};
    }
  }
  for (const auto& [key, machine] : s.machines) {
    if (machine.mode == v1::MachineInfo::DOWN && !updated.contains(key)) {
      return Error{"Machine '" + model::machine_text(machine.id) +
                   "' is deactivated and cannot be removed from the schedule"};
    }
  }

  // Every outstanding offer in the cluster is rescinded: the master visits every machine with an
  // agent when it applies a schedule. They come back at the next allocation.
  std::vector<model::OfferNumber> outstanding;
  for (const auto& [number, offer] : s.offers) {
    outstanding.push_back(number);
  }
  // In the order they were made, not the hash table's, which changes with its size.
  std::sort(outstanding.begin(), outstanding.end());
  for (const auto number : outstanding) {
    s.rescind_offer(number);
  }

  const auto reset_agents = [&](const std::string& key) {
    auto on_machine = s.agents_by_machine.find(key);
    if (on_machine == s.agents_by_machine.end()) {
      return;
    }
    for (const std::size_t index : on_machine->second) {
      Agent& agent = s.agents[index];
      std::vector<std::string> inverse;
      for (const auto& [id, offer] : s.inverse_offers) {
        if (offer.agent == index) {
          inverse.push_back(id);
        }
      }
      for (const auto& id : inverse) {
        s.remove_inverse_offer(id, true);
      }
      for (auto& [framework_id, framework] : s.frameworks) {
        framework.inverse_filters.erase(index);
      }
      agent.statuses.clear();
    }
  };

  for (auto it = s.machines.begin(); it != s.machines.end();) {
    if (!updated.contains(it->first)) {
      reset_agents(it->first);  // back to UP
      it = s.machines.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [key, entry] : updated) {
    auto [slot, scheduled_now] = s.machines.try_emplace(key);
    Machine& machine = slot->second;
    if (scheduled_now) {
      machine.id = entry.first;
      machine.mode = v1::MachineInfo::DRAINING;
    }
    machine.unavailability = entry.second;
    if (machine.mode == v1::MachineInfo::DRAINING) {
      reset_agents(key);
    }
  }
  s.schedule = schedule;
  s.request_allocation(now);
  s.changed();
  return {};
}

Result<void> Cluster::start_maintenance(const std::vector<v1::MachineID>& machines, Time now) {
  State& s = *state_;
  if (auto error = validate_machines(machines)) {
    return Error{*error};
  }
  for (const auto& id : machines) {
    const std::string key = model::machine_key(id);
    auto found = s.machines.find(key);
    // The master knows every machine that has an agent (as UP when unscheduled).
    if (found == s.machines.end() && !s.agents_by_machine.contains(key)) {
      return Error{"Machine '" + model::machine_text(id) +
                   "' is not part of a maintenance schedule"};
    }
    if (found == s.machines.end() || found->second.mode != v1::MachineInfo::DRAINING) {
      return Error{"Machine '" + model::machine_text(id) +
                   "' is not in DRAINING mode and cannot be brought down"};
    }
  }
  for (const auto& id : machines) {
    const std::string key = model::machine_key(id);
    if (auto on_machine = s.agents_by_machine.find(key); on_machine != s.agents_by_machine.end()) {
      for (const std::size_t index : on_machine->second) {
        if (s.agents[index].registered()) {
          s.remove_agent(index, "Operator initiated 'Machine DOWN'", now);
        }
      }
    }
    s.machines[key].mode = v1::MachineInfo::DOWN;
  }
  s.changed();
  return {};
}

Result<void> Cluster::stop_maintenance(const std::vector<v1::MachineID>& machines, Time now) {
  State& s = *state_;
  if (auto error = validate_machines(machines)) {
    return Error{*error};
  }
  for (const auto& id : machines) {
    auto found = s.machines.find(model::machine_key(id));
    if (found == s.machines.end() || found->second.mode != v1::MachineInfo::DOWN) {
      return Error{"Machine '" + model::machine_text(id) +
                   "' is not in DOWN mode and cannot be brought up"};
    }
  }
  std::set<std::string> keys;
  for (const auto& id : machines) {
    keys.insert(model::machine_key(id));
  }
  for (const auto& key : keys) {
    s.machines.erase(key);
    // The machine's agents come back (with new ids: their state went with the shutdown).
    auto on_machine = s.agents_by_machine.find(key);
    if (on_machine == s.agents_by_machine.end()) {
      continue;
    }
    const std::vector<std::size_t> previous = on_machine->second;
    // Each agent process comes back once: only its latest incarnation counts, or a machine that
    // went DOWN twice would come back with two agents per process.
    std::set<std::size_t> seen_ordinals;
    for (auto index = previous.rbegin(); index != previous.rend(); ++index) {
      const Agent& old = s.agents[*index];
      // Agents the DOWN removed come back; unreachable or gone ones do not.
      if (!seen_ordinals.insert(old.ordinal).second || old.state != model::AgentState::removed) {
        continue;
      }
      Agent agent;
      agent.id = s.master_info.id() + "-S" + std::to_string(s.next_agent++);
      agent.hostname = old.hostname;
      agent.ip = old.ip;
      agent.ordinal = old.ordinal;
      agent.total = old.total;
      agent.attributes = old.attributes;
      agent.available.assign(old.total, agent.total);
      agent.registered_at = now;
      agent.pings_from = now;
      s.add_agent(std::move(agent));
    }
  }
  auto& windows = *s.schedule.mutable_windows();
  for (int w = windows.size() - 1; w >= 0; --w) {
    auto& ids = *windows.Mutable(w)->mutable_machine_ids();
    for (int m = ids.size() - 1; m >= 0; --m) {
      if (keys.contains(model::machine_key(ids.Get(m)))) {
        ids.DeleteSubrange(m, 1);
      }
    }
    if (ids.empty()) {
      windows.DeleteSubrange(w, 1);
    }
  }
  s.request_allocation(now);
  s.changed();
  return {};
}

void Cluster::State::remove_agent(std::size_t index, const std::string& reason, Time now) {
  Agent& agent = agents[index];
  ++counters.agents_removed;
  // A removed agent forgets its drain and deactivation.
  agent.drain.reset();
  agent.drain_started.reset();
  agent.deactivated = false;
  // Always TASK_LOST, even for partition-aware frameworks.
  model::Removal removal;
  removal.becomes = model::AgentState::removed;
  removal.message = "Agent " + agent.hostname + " removed: " + reason;
  drop_agent(index, removal, now);
}

v1::maintenance::Schedule Cluster::schedule() const {
  return state_->schedule;
}

v1::maintenance::ClusterStatus Cluster::maintenance_status() const {
  const State& s = *state_;
  v1::maintenance::ClusterStatus status;
  for (const auto& [key, machine] : s.machines) {
    if (machine.mode == v1::MachineInfo::DRAINING) {
      auto* draining = status.add_draining_machines();
      *draining->mutable_id() = machine.id;
      if (auto on_machine = s.agents_by_machine.find(key);
          on_machine != s.agents_by_machine.end()) {
        for (const std::size_t index : on_machine->second) {
          for (const auto& [framework_id, record] : s.agents[index].statuses) {
            *draining->add_statuses() = record;
          }
        }
      }
    } else if (machine.mode == v1::MachineInfo::DOWN) {
      *status.add_down_machines() = machine.id;
    }
  }
  return status;
}

}  // namespace iof::sim
