// The --state_file format: JSON an operator can read, checked field by field on the way in so
// that a damaged file is refused with a reason instead of adopting nonsense.
#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/json.hpp"

namespace iof::framework {

namespace json = boost::json;

namespace {

std::optional<std::uint32_t> uint32_value(const json::value& value) {
  if (value.is_uint64() && value.as_uint64() <= UINT32_MAX) {
    return static_cast<std::uint32_t>(value.as_uint64());
  }
  if (value.is_int64() && value.as_int64() >= 0 && value.as_int64() <= INT64_C(4294967295)) {
    return static_cast<std::uint32_t>(value.as_int64());
  }
  return std::nullopt;
}

// Tasks of a file written before slots: each takes the lowest slot no sleeper names (a task being
// killed fills none, so it may share one).
void assign_missing_slots(Snapshot& snapshot, const std::vector<Sleeper*>& without_slot) {
  std::set<std::uint32_t> taken;
  for (const auto& [agent, sleeper] : snapshot.sleepers) {
    if (std::find(without_slot.begin(), without_slot.end(), &sleeper) == without_slot.end()) {
      taken.insert(sleeper.slot);
    }
  }
  std::uint32_t next = 0;
  const auto take_free = [&](Sleeper& sleeper) {
    while (taken.contains(next)) {
      ++next;
    }
    sleeper.slot = next;
    taken.insert(next);
  };
  for (Sleeper* sleeper : without_slot) {
    if (sleeper->replaces.empty()) {
      take_free(*sleeper);
    }
  }
  // A replacement fills the slot of the task it replaces.
  for (Sleeper* sleeper : without_slot) {
    if (sleeper->replaces.empty()) {
      continue;
    }
    if (const auto old = snapshot.sleepers.find(sleeper->replaces.value());
        old != snapshot.sleepers.end()) {
      sleeper->slot = old->second.slot;
    } else {
      take_free(*sleeper);
    }
  }
}

Result<std::map<std::uint32_t, SlotBackoff>> decode_backoffs(const json::value& value) {
  const Error bad{
      "\"backoffs\" must be an array of {slot, failures, last_failure_ns, not_before_ns}, "
      "one per slot"};
  if (!value.is_array()) {
    return bad;
  }
  std::map<std::uint32_t, SlotBackoff> out;
  for (const auto& entry : value.as_array()) {
    const auto* object = entry.if_object();
    const auto* slot = object ? object->if_contains("slot") : nullptr;
    const auto* failures = object ? object->if_contains("failures") : nullptr;
    const auto* last = object ? object->if_contains("last_failure_ns") : nullptr;
    const auto* not_before = object ? object->if_contains("not_before_ns") : nullptr;
    if (slot == nullptr || failures == nullptr || last == nullptr || not_before == nullptr ||
        !uint32_value(*slot) || !uint32_value(*failures) || *uint32_value(*failures) == 0 ||
        !last->is_int64() || !not_before->is_int64()) {
      return bad;
    }
    SlotBackoff backoff{*uint32_value(*failures), Time(last->as_int64()),
                        Time(not_before->as_int64())};
    if (!out.emplace(*uint32_value(*slot), backoff).second) {
      return bad;
    }
  }
  return out;
}

json::object encode_lead_time(const LeadTimeSamples& samples) {
  const auto nanoseconds = [](const std::vector<Time>& times) {
    json::array out;
    for (const Time time : times) {
      out.push_back(time.count());
    }
    return out;
  };
  return json::object{{"launch_ns", nanoseconds(samples.launches)},
                      {"kill_ns", nanoseconds(samples.kills)}};
}

Result<LeadTimeSamples> decode_lead_time(const json::value& value) {
  const Error bad{"\"lead_time\" must be {launch_ns: [..], kill_ns: [..]} of durations >= 0"};
  const auto* object = value.if_object();
  if (object == nullptr) {
    return bad;
  }
  LeadTimeSamples out;
  for (const auto& [name, target] :
       {std::pair{"launch_ns", &out.launches}, std::pair{"kill_ns", &out.kills}}) {
    const auto* samples = object->if_contains(name);
    if (samples == nullptr || !samples->is_array()) {
      return bad;
    }
    for (const auto& sample : samples->as_array()) {
      if (!sample.is_int64() || sample.as_int64() < 0) {
        return bad;
      }
      target->push_back(Time(sample.as_int64()));
    }
  }
  return out;
}

}  // namespace

bool Snapshot::operator==(const Snapshot& other) const {
  const auto same = [](const std::map<std::string, Sleeper>& a,
                       const std::map<std::string, Sleeper>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
      return x.first == y.first && x.second.task_id.value() == y.second.task_id.value() &&
             x.second.unavailability_start == y.second.unavailability_start &&
             x.second.replaces == y.second.replaces && x.second.slot == y.second.slot;
    });
  };
  return framework_id == other.framework_id && next_task_id == other.next_task_id &&
         same(sleepers, other.sleepers) && same(migrating, other.migrating) &&
         backoffs == other.backoffs && lead_time == other.lead_time;
}

std::string encode_snapshot(const Snapshot& snapshot) {
  json::object out;
  out["version"] = 1;
  if (snapshot.framework_id) {
    out["framework_id"] = *snapshot.framework_id;
  }
  out["next_task_id"] = snapshot.next_task_id;
  json::array tasks;
  for (const auto& [map, migrating] :
       {std::pair{&snapshot.sleepers, false}, std::pair{&snapshot.migrating, true}}) {
    for (const auto& [agent, sleeper] : *map) {
      json::object task;
      task["task_id"] = sleeper.task_id.value();
      task["agent_id"] = agent;
      task["slot"] = sleeper.slot;
      task["unavailability_start_ns"] = sleeper.unavailability_start;
      task["migrating"] = migrating;
      if (!sleeper.replaces.empty()) {
        task["replaces"] = sleeper.replaces.value();
      }
      tasks.push_back(std::move(task));
    }
  }
  out["tasks"] = std::move(tasks);
  if (!snapshot.backoffs.empty()) {
    json::array backoffs;
    for (const auto& [slot, backoff] : snapshot.backoffs) {
      backoffs.push_back(json::object{{"slot", slot},
                                      {"failures", backoff.failures},
                                      {"last_failure_ns", backoff.last_failure.count()},
                                      {"not_before_ns", backoff.not_before.count()}});
    }
    out["backoffs"] = std::move(backoffs);
  }
  if (!snapshot.lead_time.empty()) {
    out["lead_time"] = encode_lead_time(snapshot.lead_time);
  }
  return json::serialize(out) + "\n";
}

Result<Snapshot> decode_snapshot(std::string_view text) {
  auto parsed = wire::json::parse(text);
  if (!parsed) {
    return Error{"not JSON: " + parsed.error().message};
  }
  const auto bad = [](const std::string& why) { return Error{why}; };
  if (!parsed->is_object()) {
    return bad("expected a JSON object");
  }
  const auto& object = parsed->as_object();
  const auto* version = object.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->as_int64() != 1) {
    return bad("expected \"version\":1");
  }
  Snapshot snapshot;
  if (const auto* id = object.if_contains("framework_id")) {
    if (!id->is_string() || id->as_string().empty()) {
      return bad("\"framework_id\" must be a non-empty string");
    }
    snapshot.framework_id = std::string(id->as_string());
  }
  const auto* next = object.if_contains("next_task_id");
  if (next == nullptr || !(next->is_uint64() || (next->is_int64() && next->as_int64() >= 0))) {
    return bad("\"next_task_id\" must be a non-negative integer");
  }
  snapshot.next_task_id = next->to_number<std::uint64_t>();
  const auto* tasks = object.if_contains("tasks");
  if (tasks == nullptr || !tasks->is_array()) {
    return bad("\"tasks\" must be an array");
  }
  std::set<std::string> task_ids;
  std::vector<Sleeper*> without_slot;
  for (const auto& entry : tasks->as_array()) {
    const auto* task = entry.if_object();
    const auto string_field = [&](const char* name) -> const json::string* {
      const auto* value = task ? task->if_contains(name) : nullptr;
      return value && value->is_string() && !value->as_string().empty() ? &value->as_string()
                                                                        : nullptr;
    };
    const auto* task_id = string_field("task_id");
    const auto* agent_id = string_field("agent_id");
    const auto* start = task ? task->if_contains("unavailability_start_ns") : nullptr;
    const auto* migrating = task ? task->if_contains("migrating") : nullptr;
    if (task_id == nullptr || agent_id == nullptr || start == nullptr || !start->is_int64() ||
        migrating == nullptr || !migrating->is_bool()) {
      return bad("each task needs task_id, agent_id, unavailability_start_ns and migrating");
    }
    auto& map = migrating->as_bool() ? snapshot.migrating : snapshot.sleepers;
    const std::string agent(*agent_id);
    if (snapshot.sleepers.contains(agent) || snapshot.migrating.contains(agent)) {
      return bad("two tasks on agent " + agent);
    }
    // A task runs on one agent: the books could hold it only once.
    if (!task_ids.insert(std::string(*task_id)).second) {
      return bad("task " + std::string(*task_id) + " on two agents");
    }
    Sleeper sleeper;
    sleeper.task_id.set_value(std::string(*task_id));
    sleeper.unavailability_start = start->as_int64();
    if (const auto* replaces = task->if_contains("replaces")) {
      if (!replaces->is_string()) {
        return bad("\"replaces\" must be an agent id");
      }
      sleeper.replaces = AgentId(std::string(replaces->as_string()));
    }
    const auto* slot = task->if_contains("slot");
    if (slot != nullptr && !uint32_value(*slot)) {
      return bad("\"slot\" must be an integer from 0 to 4294967295");
    }
    if (slot != nullptr) {
      sleeper.slot = *uint32_value(*slot);
    }
    Sleeper& placed = map.emplace(agent, std::move(sleeper)).first->second;
    if (slot == nullptr) {
      without_slot.push_back(&placed);
    }
  }
  assign_missing_slots(snapshot, without_slot);
  if (const auto* backoffs = object.if_contains("backoffs")) {
    auto decoded = decode_backoffs(*backoffs);
    if (!decoded) {
      return decoded.error();
    }
    snapshot.backoffs = std::move(*decoded);
  }
  if (const auto* lead_time = object.if_contains("lead_time")) {
    auto decoded = decode_lead_time(*lead_time);
    if (!decoded) {
      return decoded.error();
    }
    snapshot.lead_time = std::move(*decoded);
  }
  return snapshot;
}

}  // namespace iof::framework
