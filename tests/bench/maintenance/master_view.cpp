// What the master shows of the cluster: its tasks, agents and machines, and its counters.
#include <algorithm>
#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bench.hpp"
#include "http_client.hpp"

namespace iof::bench::maintenance {

using iof::test::HttpResponse;
using iof::test::request;

namespace {

bool is_live(const std::string& state) {
  return state == "TASK_STAGING" || state == "TASK_STARTING" || state == "TASK_RUNNING" ||
         state == "TASK_KILLING";
}

boost::json::value get_json(unsigned short port, const std::string& path) {
  const HttpResponse response = request(port, {"GET", path, {}, ""});
  if (response.status != 200) {
    throw std::runtime_error("GET " + path + " answered " + response.status_line);
  }
  return boost::json::parse(response.body);
}

}  // namespace

View read_view(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  View view;
  for (const auto& agent : state.at("slaves").as_array()) {
    view.hostname_of[std::string(agent.at("id").as_string())] =
        std::string(agent.at("hostname").as_string());
  }
  for (const auto& framework : state.at("frameworks").as_array()) {
    const std::string framework_id(framework.at("id").as_string());
    for (const auto& task : framework.at("tasks").as_array()) {
      view.tasks.push_back({framework_id + "/" + std::string(task.at("id").as_string()),
                            std::string(task.at("slave_id").as_string()),
                            std::string(task.at("state").as_string())});
    }
  }
  return view;
}

std::size_t running(const View& view) {
  return static_cast<std::size_t>(
      std::count_if(view.tasks.begin(), view.tasks.end(),
                    [](const Task& t) { return t.state == "TASK_RUNNING"; }));
}

std::size_t live_on(const View& view, const std::set<std::string>& hostnames) {
  std::size_t count = 0;
  for (const auto& task : view.tasks) {
    auto host = view.hostname_of.find(task.agent_id);
    if (is_live(task.state) && host != view.hostname_of.end() && hostnames.contains(host->second)) {
      ++count;
    }
  }
  return count;
}

double metric(unsigned short port, const std::string& name) {
  const auto metrics = get_json(port, "/metrics/snapshot");
  const auto* value = metrics.as_object().if_contains(name);
  if (value == nullptr) {
    throw std::runtime_error("the master has no metric " + name);
  }
  return value->to_number<double>();
}

// Scheduler calls the master took from every framework: the master's per-framework
// master/frameworks/<name>/<id>/calls counters, on mesos-sim and a real master alike.
double framework_calls(unsigned short port) {
  double calls = 0;
  const auto metrics = get_json(port, "/metrics/snapshot");  // kept: the loop iterates into it
  for (const auto& [name, value] : metrics.as_object()) {
    const std::string_view key(name.data(), name.size());
    if (key.starts_with("master/frameworks/") && key.ends_with("/calls")) {
      calls += value.to_number<double>();
    }
  }
  return calls;
}

std::map<std::string, double> framework_calls_by_type(unsigned short port) {
  std::map<std::string, double> calls;
  const auto metrics = get_json(port, "/metrics/snapshot");
  for (const auto& [name, value] : metrics.as_object()) {
    const std::string_view key(name.data(), name.size());
    const auto at = key.rfind("/calls/");
    if (key.starts_with("master/frameworks/") && at != std::string_view::npos) {
      const double count = value.to_number<double>();
      if (count > 0) {
        calls[std::string(key.substr(at + 7))] += count;
      }
    }
  }
  return calls;
}

// Distinct tasks the master ever knew of: running, finished and unreachable.
std::size_t tasks_ever(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  std::set<std::string> ids;
  for (const auto& framework : state.at("frameworks").as_array()) {
    for (const char* list : {"tasks", "completed_tasks", "unreachable_tasks"}) {
      if (const auto* tasks = framework.as_object().if_contains(list)) {
        for (const auto& task : tasks->as_array()) {
          ids.insert(std::string(framework.at("id").as_string()) + "/" +
                     std::string(task.at("id").as_string()));
        }
      }
    }
  }
  return ids.size();
}

// Every agent's machine, in agent order (agent1, agent2, ...).
std::vector<Machine> machines_of(unsigned short port) {
  const auto state = get_json(port, "/master/state");
  std::vector<std::pair<unsigned long, Machine>> numbered;
  for (const auto& agent : state.at("slaves").as_array()) {
    Machine machine;
    machine.hostname = std::string(agent.at("hostname").as_string());
    // "slave(1)@127.0.0.2:5051": the ip the master matches machines with.
    const std::string pid(agent.at("pid").as_string());
    const auto at = pid.find('@');
    const auto colon = pid.rfind(':');
    machine.ip = pid.substr(at + 1, colon - at - 1);
    const auto digits = machine.hostname.find_first_of("0123456789");
    const unsigned long ordinal =
        digits == std::string::npos ? 0 : std::stoul(machine.hostname.substr(digits));
    numbered.emplace_back(ordinal, std::move(machine));
  }
  std::sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.hostname < b.second.hostname;
  });
  std::vector<Machine> out;
  for (auto& [ordinal, machine] : numbered) {
    out.push_back(std::move(machine));
  }
  return out;
}

std::string machine_ids_json(const std::vector<Machine>& machines) {
  std::string out = "[";
  for (const auto& machine : machines) {
    out += (out.size() > 1 ? "," : "");
    out += R"({"hostname":")" + machine.hostname + R"(","ip":")" + machine.ip + R"("})";
  }
  return out + "]";
}

}  // namespace iof::bench::maintenance
