// Framework lifecycle: SUBSCRIBE (new, failover, refusals), disconnection and the failover
// timeout, TEARDOWN, UPDATE_FRAMEWORK, heartbeats.
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "state.hpp"

namespace iof::sim {

using model::Framework;
using Capability = v1::FrameworkInfo::Capability;

namespace {

Event error_event(const std::string& message) {
  Event event;
  event.set_type(Event::ERROR);
  event.mutable_error()->set_message(message);
  return event;
}

Event heartbeat_event() {
  Event event;
  event.set_type(Event::HEARTBEAT);
  return event;
}

bool has_capability(const v1::FrameworkInfo& info, Capability::Type type) {
  for (const auto& capability : info.capabilities()) {
    if (capability.type() == type) {
      return true;
    }
  }
  return false;
}

std::string set_text(const std::set<std::string>& items) {
  // stout's stringify(std::set): "{ a, b }".
  std::string text = "{ ";
  bool first = true;
  for (const auto& item : items) {
    text += first ? "" : ", ";
    text += item;
    first = false;
  }
  return text + " }";
}

// The master's FrameworkInfo checks that end a subscription with an ERROR event.
std::optional<std::string> validate_framework(const v1::FrameworkInfo& info, const Config& config) {
  const bool multi_role = has_capability(info, Capability::MULTI_ROLE);
  if (multi_role && info.has_role()) {
    return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  }
  if (!multi_role && info.roles_size() > 0) {
    return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  }
  std::set<std::string> roles;
  if (multi_role) {
    std::set<std::string> duplicates;
    for (const auto& role : info.roles()) {
      if (!roles.insert(role).second) {
        duplicates.insert(role);
      }
    }
    if (!duplicates.empty()) {
      return "'FrameworkInfo.roles' contains duplicate items: " + set_text(duplicates);
    }
  } else {
    roles.insert(info.role());
  }
  for (const auto& role : roles) {
    if (role.empty() || role.find_first_of(" \t\n/\\") != std::string::npos ||
        role.starts_with('-') || role == "." || role == "..") {
      return multi_role
                 ? "'FrameworkInfo.roles' contains invalid role: Role '" + role + "' is invalid"
                 : "'FrameworkInfo.role' is not a valid role: Role '" + role + "' is invalid";
    }
  }
  if (info.has_id()) {
    const auto& id = info.id().value();
    if (id.empty()) {
      return std::string("ID must not be empty");
    }
    if (id.find_first_of("/\\") != std::string::npos) {
      return "'" + id + "' contains invalid characters";
    }
  }
  const double timeout = info.failover_timeout();
  if (!std::isfinite(timeout) || std::fabs(timeout) * 1e9 >= 9.2e18) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", timeout);
    return std::string("The framework failover_timeout (") + text + ") is invalid";
  }
  if (config.roles) {
    std::set<std::string> missing;
    for (const auto& role : roles) {
      bool known = role == "*";
      for (const auto& allowed : *config.roles) {
        known = known || allowed == role;
      }
      if (!known) {
        missing.insert(role);
      }
    }
    if (!missing.empty()) {
      return "Roles " + set_text(missing) + " are not present in the master's --roles";
    }
  }
  return std::nullopt;
}

}  // namespace

ConnectionId Cluster::subscribe(const Call& call, const std::optional<std::string>& principal,
                                Time now) {
  State& s = *state_;
  const ConnectionId connection = s.next_connection++;
  const std::string stream_id = s.uuid_text();
  s.connections[connection] = "";
  s.stream_ids[connection] = stream_id;

  const auto refuse = [&](const std::string& message) {
    s.send(connection, error_event(message));
    s.close(connection);
    return connection;
  };

  v1::FrameworkInfo info = call.subscribe().framework_info();
  if (auto error = validate_framework(info, s.config)) {
    return refuse(*error);
  }
  if (!info.has_principal() && principal) {
    info.set_principal(*principal);
  }

  std::string id;
  if (info.has_id()) {
    id = info.id().value();
    if (s.removed_frameworks.contains(id)) {
      return refuse("Framework has been removed");
    }
  }
  Framework* framework = id.empty() ? nullptr : s.framework(id);
  if (framework != nullptr) {
    if (framework->info.has_principal() != info.has_principal() ||
        framework->info.principal() != info.principal()) {
      return refuse("Changing framework's principal is not allowed.");
    }
    if (framework->connected()) {
      // At most one stream per framework: the old one is told and closed.
      s.send(framework->connection, error_event("Framework failed over"));
      s.close(framework->connection);
      s.connections.erase(framework->connection);
    }
    // Offers are taken back silently and inverse offers dropped, as on a real failover.
    s.deactivate(*framework);
    // Changes to user and checkpoint are ignored, as the master ignores them.
    info.set_user(framework->info.user());
    info.set_checkpoint(framework->info.checkpoint());
  } else {
    if (id.empty()) {
      char number[32];
      std::snprintf(number, sizeof number, "%04llu",
                    static_cast<unsigned long long>(s.next_framework++));
      id = s.master_info.id() + "-" + number;
    }
    // An id this master does not know: a framework from before a master failover.
    framework = &s.frameworks[id];
    framework->id = id;
    framework->registered_at = now;
  }
  info.mutable_id()->set_value(id);
  framework->info = info;
  framework->connection = connection;
  framework->stream_id = stream_id;
  framework->recovered = false;
  ++framework->epoch;
  framework->suppressed_roles = {call.subscribe().suppressed_roles().begin(),
                                 call.subscribe().suppressed_roles().end()};
  s.connections[connection] = id;
  ++framework->calls[Call::SUBSCRIBE];

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(
      model::seconds(s.config.heartbeat_interval));
  *subscribed.mutable_subscribed()->mutable_master_info() = s.master_info;
  s.send(connection, std::move(subscribed));
  s.send(connection, heartbeat_event());
  s.schedule_timer(now + s.config.heartbeat_interval, model::TimerKind::heartbeat, id,
                   framework->epoch);
  s.resume_updates(*framework, now);
  s.request_allocation(now);
  s.changed();
  return connection;
}

std::string Cluster::stream_id(ConnectionId connection) const {
  auto found = state_->stream_ids.find(connection);
  return found == state_->stream_ids.end() ? std::string() : found->second;
}

void Cluster::disconnected(ConnectionId connection, Time now) {
  State& s = *state_;
  s.stream_ids.erase(connection);
  auto found = s.connections.find(connection);
  if (found == s.connections.end()) {
    return;
  }
  const std::string id = found->second;
  s.connections.erase(found);
  Framework* framework = s.framework(id);
  if (framework == nullptr || framework->connection != connection) {
    return;
  }
  framework->connection = 0;
  framework->stream_id.clear();
  framework->unregistered_at = now;
  ++framework->epoch;
  s.deactivate(*framework);
  const auto timeout = std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(framework->info.failover_timeout()));
  s.schedule_timer(now + timeout, model::TimerKind::framework_removal, id, framework->epoch);
}

FrameworkState Cluster::framework_state(const std::string& framework_id) const {
  if (state_->removed_frameworks.contains(framework_id)) {
    return FrameworkState::removed;
  }
  auto found = state_->frameworks.find(framework_id);
  if (found == state_->frameworks.end()) {
    return FrameworkState::unknown;
  }
  return found->second.connected() ? FrameworkState::connected : FrameworkState::disconnected;
}

std::string Cluster::framework_stream_id(const std::string& framework_id) const {
  auto found = state_->frameworks.find(framework_id);
  return found == state_->frameworks.end() ? std::string() : found->second.stream_id;
}

std::optional<std::string> Cluster::framework_principal(const std::string& framework_id) const {
  auto found = state_->frameworks.find(framework_id);
  if (found == state_->frameworks.end() || !found->second.info.has_principal()) {
    return std::nullopt;
  }
  return found->second.info.principal();
}

Result<void> Cluster::update_framework(const Call& call, Time now) {
  State& s = *state_;
  Framework* framework = s.framework(call.framework_id().value());
  if (framework == nullptr) {
    return Error{"Framework cannot be found"};
  }
  v1::FrameworkInfo info = call.update_framework().framework_info();
  if (auto error = validate_framework(info, s.config)) {
    return Error{*error};
  }
  if (info.has_principal() != framework->info.has_principal() ||
      info.principal() != framework->info.principal()) {
    return Error{"Changing framework's principal is not allowed."};
  }
  if (info.user() != framework->info.user()) {
    return Error{"Updating 'FrameworkInfo.user' is unsupported; attempted to update from '" +
                 framework->info.user() + "' to '" + info.user() + "'"};
  }
  if (info.checkpoint() != framework->info.checkpoint()) {
    const auto text = [](bool b) { return std::string(b ? "true" : "false"); };
    return Error{"Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '" +
                 text(framework->info.checkpoint()) + "' to '" + text(info.checkpoint()) + "'"};
  }
  framework->info = info;
  framework->suppressed_roles = {call.update_framework().suppressed_roles().begin(),
                                 call.update_framework().suppressed_roles().end()};
  s.request_allocation(now);
  s.changed();
  return {};
}

void Cluster::State::deactivate(Framework& framework) {
  const std::set<model::OfferNumber> numbers(framework.offers.begin(), framework.offers.end());
  for (const auto number : numbers) {
    recover_offer(number, std::nullopt, Time{});
  }
  std::vector<std::string> inverse;
  for (const auto& [agent, inverse_offer_id] : framework.inverse_offers) {
    inverse.push_back(inverse_offer_id);
  }
  for (const auto& inverse_offer_id : inverse) {
    remove_inverse_offer(inverse_offer_id, false);
  }
}

void Cluster::State::remove_framework(const std::string& id) {
  Framework* framework = this->framework(id);
  if (framework == nullptr) {
    return;
  }
  deactivate(*framework);
  const std::set<std::string> task_keys = framework->tasks;
  for (const auto& key : task_keys) {
    // The agents kill the executors; the master books the tasks as killed without telling the
    // (departing) framework.
    forget_task(key, v1::TASK_KILLED);
  }
  // Its unreachable tasks are completed too; its finished ones are no longer listed.
  for (const auto& key : framework->unreachable_tasks) {
    unreachable_tasks.erase(key);
  }
  completed_tasks.erase(id);
  if (framework->connected()) {
    close(framework->connection);
    connections.erase(framework->connection);
  }
  removed_frameworks[id] = framework->info;
  frameworks.erase(id);
  ++counters.frameworks_removed;
  changed();
}

void Cluster::State::heartbeat(const std::string& framework_id, std::uint64_t generation,
                               Time now) {
  Framework* framework = this->framework(framework_id);
  if (framework == nullptr || framework->epoch != generation || !framework->connected()) {
    return;
  }
  send(framework->connection, heartbeat_event());
  schedule_timer(now + config.heartbeat_interval, model::TimerKind::heartbeat, framework_id,
                 generation);
}

void Cluster::State::failover_timeout(const std::string& framework_id, std::uint64_t generation) {
  Framework* framework = this->framework(framework_id);
  if (framework == nullptr || framework->epoch != generation || framework->connected() ||
      framework->recovered) {
    return;
  }
  remove_framework(framework_id);
}

}  // namespace iof::sim
