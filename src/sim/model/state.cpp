#include "state.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "iof/wire/json.hpp"

namespace iof::sim {

namespace model {

bool Framework::has(v1::FrameworkInfo::Capability::Type capability) const {
  return std::any_of(info.capabilities().begin(), info.capabilities().end(),
                     [&](const auto& c) { return c.type() == capability; });
}

std::vector<std::string> Framework::roles() const {
  if (has(v1::FrameworkInfo::Capability::MULTI_ROLE)) {
    return {info.roles().begin(), info.roles().end()};
  }
  return {info.role()};
}

std::string task_key(const std::string& framework_id, const std::string& task_id) {
  return framework_id + '\n' + task_id;
}

std::string machine_key(const v1::MachineID& id) {
  std::string key = id.has_hostname() ? "h" : "-";
  for (const char c : id.hostname()) {
    key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  key += '\n';
  key += id.has_ip() ? "i" + id.ip() : "-";
  return key;
}

double seconds(Time time) {
  return static_cast<double>(time.count()) / 1e9;
}

Duration from_seconds(double seconds) {
  // A year bounds what a check could sensibly wait, and keeps the nanoseconds in range.
  constexpr double most = 365.0 * 24 * 3600;
  if (!(seconds > 0)) {
    return Duration::zero();  // negative and NaN alike
  }
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(std::min(seconds, most)));
}

v1::TaskStatus master_status(const std::string& task_id, v1::TaskState state,
                             const std::string& message, v1::TaskStatus::Reason reason, Time now) {
  v1::TaskStatus status;
  status.mutable_task_id()->set_value(task_id);
  status.set_state(state);
  status.set_message(message);
  status.set_source(v1::TaskStatus::SOURCE_MASTER);
  status.set_reason(reason);
  status.set_timestamp(seconds(now));
  return status;
}

v1::TimeInfo time_info(Time time) {
  v1::TimeInfo info;
  info.set_nanoseconds(time.count());
  return info;
}

std::string machine_text(const v1::MachineID& id) {
  return wire::json::write(id, wire::json::KeyOrder::sorted);
}

std::string machine_name(const v1::MachineID& id) {
  if (id.has_hostname() && id.has_ip()) {
    return id.hostname() + " (" + id.ip() + ")";
  }
  return id.has_hostname() ? id.hostname() : "(" + id.ip() + ")";
}

}  // namespace model

void Cluster::State::send(ConnectionId connection, Event event) {
  ++counters.events_sent;
  outbox.push_back({connection, std::make_shared<const SentEvent>(std::move(event))});
}

void Cluster::State::send_to(const model::Framework& framework, Event event) {
  if (framework.connected()) {
    send(framework.connection, std::move(event));
  }
}

void Cluster::State::send_to(const model::Framework& framework,
                             std::shared_ptr<const SentEvent> event) {
  if (framework.connected()) {
    ++counters.events_sent;
    outbox.push_back({framework.connection, std::move(event)});
  }
}

void Cluster::State::close(ConnectionId connection) {
  outbox.push_back({connection, nullptr});
}

void Cluster::State::schedule_timer(Time at, model::TimerKind kind, std::string key,
                                    std::uint64_t generation) {
  timers.emplace(at, model::Timer{kind, std::move(key), generation});
}

void Cluster::State::request_allocation(Time now) {
  if (!allocation_requested || *allocation_requested > now) {
    allocation_requested = now;
  }
}

std::string Cluster::State::uuid_bytes() {
  std::string bytes(16, '\0');
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t word = random();
    for (std::size_t j = 0; j < 8; ++j) {
      bytes[i + j] = static_cast<char>(word & 0xFF);
      word >>= 8;
    }
  }
  // RFC 4122 version 4, as boost::uuids::random_generator makes them upstream.
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0F) | 0x40);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3F) | 0x80);
  return bytes;
}

std::string Cluster::State::uuid_text() {
  static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  const std::string bytes = uuid_bytes();
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      text += '-';
    }
    const auto byte = static_cast<unsigned char>(bytes[i]);
    text += hex[byte >> 4];
    text += hex[byte & 0x0F];
  }
  return text;
}

model::Framework* Cluster::State::framework(const std::string& id) {
  auto found = frameworks.find(id);
  return found == frameworks.end() ? nullptr : &found->second;
}

std::string Cluster::State::offer_id(model::OfferNumber number) const {
  return offer_id_prefix() + std::to_string(number);
}

std::optional<model::OfferNumber> Cluster::State::outstanding_offer(std::string_view id) const {
  const std::string prefix = offer_id_prefix();
  if (!id.starts_with(prefix)) {
    return std::nullopt;
  }
  const std::string_view digits = id.substr(prefix.size());
  if (digits.size() > 1 && digits.front() == '0') {
    return std::nullopt;
  }
  model::OfferNumber number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc() || end != digits.data() + digits.size() || !offers.contains(number)) {
    return std::nullopt;
  }
  return number;
}

model::Task* Cluster::State::task(const std::string& framework_id, const std::string& task_id) {
  auto found = tasks.find(model::task_key(framework_id, task_id));
  return found == tasks.end() ? nullptr : &found->second;
}

std::optional<std::size_t> Cluster::State::agent(const std::string& agent_id) const {
  auto found = agent_by_id.find(agent_id);
  if (found == agent_by_id.end()) {
    return std::nullopt;
  }
  return found->second;
}

void Cluster::State::add_agent(model::Agent agent) {
  v1::MachineID machine;
  machine.set_hostname(agent.hostname);
  machine.set_ip(agent.ip);
  agent.machine = model::machine_key(machine);
  agent.url.set_scheme("http");
  agent.url.mutable_address()->set_hostname(agent.hostname);
  agent.url.mutable_address()->set_ip(agent.ip);
  agent.url.mutable_address()->set_port(5051);
  agent.url.set_path("/slave(1)");
  agent.wire =
      model::agent_wire(agent.id, agent.hostname, agent.url, agent.attributes, agent.total);
  const std::size_t index = agents.size();
  agent_by_id[agent.id] = index;
  agents_by_machine[agent.machine].push_back(index);
  agents.push_back(std::move(agent));
}

const model::Machine* Cluster::State::machine_of(const model::Agent& agent) const {
  auto found = machines.find(agent.machine);
  return found == machines.end() ? nullptr : &found->second;
}

}  // namespace iof::sim
