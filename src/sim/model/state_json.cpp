// GET /master/state: the real master's JSON shape (the parts the model has), its keys in the
// master's order and its numbers in the master's format.
#include <algorithm>
#include <string>

#include "iof/wire/json.hpp"
#include "iof/wire/resources.hpp"

#include "state.hpp"

namespace iof::sim {

namespace json = wire::json;

namespace {

// A compact JSON writer that keeps keys in the order written, with the master's number format.
class Writer {
 public:
  std::string take() { return std::move(out_); }

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  Writer& key(std::string_view name) {
    comma();
    json::append_quoted(name, out_);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  void value(std::string_view text) {
    comma();
    json::append_quoted(text, out_);
  }
  void value(const char* text) { value(std::string_view(text)); }
  void value(double number) {
    comma();
    json::append_double(number, out_);
  }
  void value(bool flag) {
    comma();
    out_ += flag ? "true" : "false";
  }
  void integer(long long number) {
    comma();
    out_ += std::to_string(number);
  }
  void raw(std::string_view text) {
    comma();
    out_ += text;
  }

 private:
  void open(char bracket) {
    comma();
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

// The master's flat resources object: the four standard scalars first, then other scalars,
// then ranges and sets as strings.
void write_resources(Writer& w, const std::vector<v1::Resource>& resources) {
  w.begin_object();
  for (const char* name : {"disk", "mem", "gpus", "cpus"}) {
    w.key(name).value(wire::text::scalar(resources, name));
  }
  std::vector<std::string> done{"disk", "mem", "gpus", "cpus"};
  for (const auto& resource : resources) {
    if (resource.type() != v1::Value::SCALAR ||
        std::find(done.begin(), done.end(), resource.name()) != done.end()) {
      continue;
    }
    done.push_back(resource.name());
    w.key(resource.name()).value(wire::text::scalar(resources, resource.name()));
  }
  for (const auto type : {v1::Value::RANGES, v1::Value::SET}) {
    for (const auto& resource : resources) {
      if (resource.type() == type) {
        w.key(resource.name()).value(wire::text::format_value(resource));
      }
    }
  }
  w.end_object();
}

// An agent's attributes as the master's model(Attributes) writes them: text as strings,
// scalars as numbers, ranges as their text.
void write_attributes(Writer& w, const std::vector<v1::Attribute>& attributes) {
  w.begin_object();
  for (const auto& attribute : attributes) {
    w.key(attribute.name());
    if (attribute.type() == v1::Value::SCALAR) {
      w.value(attribute.scalar().value());
    } else if (attribute.type() == v1::Value::RANGES) {
      v1::Resource ranges;
      ranges.set_type(v1::Value::RANGES);
      *ranges.mutable_ranges() = attribute.ranges();
      w.value(wire::text::format_value(ranges));
    } else {
      w.value(attribute.text().value());
    }
  }
  w.end_object();
}

const char* state_name(v1::TaskState state) {
  return v1::TaskState_Name(state).c_str();
}

}  // namespace

std::string Cluster::state_json() const {
  const State& s = *state_;
  const auto count_agents = [&](auto predicate) {
    return static_cast<double>(std::count_if(s.agents.begin(), s.agents.end(), predicate));
  };

  Writer w;
  w.begin_object();
  w.key("version").value(s.config.version);
  w.key("start_time").value(model::seconds(s.started_at));
  w.key("elected_time").value(model::seconds(s.started_at));
  w.key("id").value(s.master_info.id());
  w.key("pid").value(s.master_info.pid());
  w.key("hostname").value(s.master_info.hostname());
  w.key("capabilities").begin_array();
  for (const auto& capability : s.master_info.capabilities()) {
    w.value(v1::MasterInfo::Capability::Type_Name(capability.type()));
  }
  w.end_array();
  w.key("activated_slaves").value(count_agents([](const model::Agent& a) { return a.active(); }));
  w.key("deactivated_slaves").value(count_agents([](const model::Agent& a) {
    return a.registered() && !a.active();
  }));
  w.key("unreachable_slaves").value(count_agents([](const model::Agent& a) {
    return a.state == model::AgentState::unreachable;
  }));
  w.key("leader").value(s.master_info.pid());
  w.key("leader_info").begin_object();
  w.key("id").value(s.master_info.id());
  w.key("pid").value(s.master_info.pid());
  w.key("port").integer(s.master_info.port());
  w.key("hostname").value(s.master_info.hostname());
  w.end_object();

  w.key("slaves").begin_array();
  for (const auto& agent : s.agents) {
    if (!agent.registered()) {
      continue;
    }
    std::vector<v1::Resource> used;
    for (const auto& key : agent.tasks) {
      used = wire::text::sum(used, s.tasks.at(key).resources);
    }
    std::vector<v1::Resource> offered;
    for (const auto number : agent.offers) {
      offered = wire::text::sum(offered, s.offers.at(number).resources);
    }
    w.begin_object();
    w.key("id").value(agent.id);
    w.key("hostname").value(agent.hostname);
    w.key("port").integer(5051);
    w.key("attributes");
    write_attributes(w, agent.attributes);
    w.key("pid").value("slave(1)@" + agent.ip + ":5051");
    w.key("registered_time").value(model::seconds(agent.registered_at));
    w.key("resources");
    write_resources(w, agent.total);
    w.key("used_resources");
    write_resources(w, used);
    w.key("offered_resources");
    write_resources(w, offered);
    w.key("reserved_resources").begin_object();
    w.end_object();
    w.key("unreserved_resources");
    write_resources(w, agent.total);
    w.key("active").value(agent.active());
    w.key("deactivated").value(agent.deactivated);
    w.key("version").value(s.config.version);
    w.key("capabilities").begin_array();
    for (const char* capability : {"MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT",
                                   "AGENT_OPERATION_FEEDBACK", "AGENT_DRAINING"}) {
      w.value(capability);
    }
    w.end_array();
    if (agent.drain) {
      w.key("drain_info").raw(json::write(*agent.drain));
    }
    if (agent.drain_started) {
      w.key("estimated_drain_start_time_seconds").value(model::seconds(*agent.drain_started));
    }
    w.end_object();
  }
  w.end_array();
  w.key("recovered_slaves").begin_array();
  w.end_array();

  w.key("frameworks").begin_array();
  for (const auto& [id, framework] : s.frameworks) {
    std::vector<v1::Resource> used;
    for (const auto& key : framework.tasks) {
      used = wire::text::sum(used, s.tasks.at(key).resources);
    }
    std::vector<model::OfferNumber> offer_numbers(framework.offers.begin(), framework.offers.end());
    std::sort(offer_numbers.begin(), offer_numbers.end());
    std::vector<v1::Resource> offered;
    for (const auto number : offer_numbers) {
      offered = wire::text::sum(offered, s.offers.at(number).resources);
    }
    w.begin_object();
    w.key("id").value(id);
    w.key("name").value(framework.info.name());
    w.key("used_resources");
    write_resources(w, used);
    w.key("offered_resources");
    write_resources(w, offered);
    w.key("capabilities").begin_array();
    for (const auto& capability : framework.info.capabilities()) {
      w.value(v1::FrameworkInfo::Capability::Type_Name(capability.type()));
    }
    w.end_array();
    w.key("hostname").value(framework.info.hostname());
    w.key("webui_url").value(framework.info.webui_url());
    w.key("active").value(framework.connected());
    w.key("connected").value(framework.connected());
    w.key("recovered").value(framework.recovered);
    w.key("user").value(framework.info.user());
    w.key("failover_timeout").value(framework.info.failover_timeout());
    w.key("checkpoint").value(framework.info.checkpoint());
    w.key("registered_time").value(model::seconds(framework.registered_at));
    w.key("unregistered_time").value(model::seconds(framework.unregistered_at));
    if (framework.info.has_principal()) {
      w.key("principal").value(framework.info.principal());
    }
    w.key("resources");
    write_resources(w, wire::text::sum(used, offered));
    if (framework.has(v1::FrameworkInfo::Capability::MULTI_ROLE)) {
      w.key("roles").begin_array();
      for (const auto& role : framework.info.roles()) {
        w.value(role);
      }
      w.end_array();
    } else {
      w.key("role").value(framework.info.role());
    }
    const auto write_task = [&](const model::Task& task) {
      w.begin_object();
      w.key("id").value(task.info.task_id().value());
      w.key("name").value(task.info.name());
      w.key("framework_id").value(id);
      w.key("executor_id")
          .value(task.info.has_executor() ? task.info.executor().executor_id().value()
                                          : std::string());
      w.key("slave_id").value(s.agents[task.agent].id);
      w.key("state").value(state_name(task.state));
      w.key("resources");
      write_resources(w, {task.info.resources().begin(), task.info.resources().end()});
      w.key("role").value(task.role);
      w.key("statuses").begin_array();
      for (const auto& status : task.history) {
        w.begin_object();
        w.key("state").value(state_name(status.state()));
        w.key("timestamp").value(status.timestamp());
        if (status.has_container_status()) {
          w.key("container_status").raw(json::write(status.container_status()));
        }
        if (status.has_healthy()) {
          w.key("healthy").value(status.healthy());
        }
        w.end_object();
      }
      w.end_array();
      w.end_object();
    };
    w.key("tasks").begin_array();
    for (const auto& key : framework.tasks) {
      write_task(s.tasks.at(key));
    }
    w.end_array();
    w.key("unreachable_tasks").begin_array();
    for (const auto& key : framework.unreachable_tasks) {
      write_task(s.unreachable_tasks.at(key));
    }
    w.end_array();
    w.key("completed_tasks").begin_array();
    if (auto finished = s.completed_tasks.find(id); finished != s.completed_tasks.end()) {
      for (const auto& task : finished->second) {
        write_task(task);
      }
    }
    w.end_array();
    w.key("offers").begin_array();
    for (const auto number : offer_numbers) {
      const model::Offer& offer = s.offers.at(number);
      w.begin_object();
      w.key("id").value(s.offer_id(number));
      w.key("framework_id").value(id);
      w.key("allocation_info").begin_object();
      w.key("role").value(offer.role);
      w.end_object();
      w.key("slave_id").value(s.agents[offer.agent].id);
      w.key("resources");
      write_resources(w, offer.resources);
      w.end_object();
    }
    w.end_array();
    w.key("executors").begin_array();
    w.end_array();
    w.end_object();
  }
  w.end_array();

  w.key("completed_frameworks").begin_array();
  for (const auto& [id, info] : s.removed_frameworks) {
    w.begin_object();
    w.key("id").value(id);
    w.key("name").value(info.name());
    w.key("active").value(false);
    w.key("connected").value(false);
    w.end_object();
  }
  w.end_array();
  w.key("orphan_tasks").begin_array();
  w.end_array();
  w.key("unregistered_frameworks").begin_array();
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace iof::sim
