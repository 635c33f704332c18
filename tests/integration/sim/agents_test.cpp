// Agents leaving, over real HTTP: the automatic drain through the v1 operator API (DRAIN_AGENT,
// DEACTIVATE_AGENT, REACTIVATE_AGENT on /api/v1) and a machine that dies without notice
// (POST /sim/agents/disconnect), marked unreachable once its pings time out.
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "master_under_test.hpp"
#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::Event;
using iof::test::HttpRequest;
using iof::test::HttpResponse;
using iof::test::request;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;
namespace bj = boost::json;

namespace {

HttpResponse operator_call(unsigned short port, const std::string& body,
                           const std::string& accept = "application/json") {
  return request(
      port, {"POST", "/api/v1", {{"Content-Type", "application/json"}, {"Accept", accept}}, body});
}

std::string agent_call(const std::string& type, const std::string& field,
                       const std::string& agent_id, const std::string& extra = "") {
  return R"({"type":")" + type + R"(",")" + field + R"(":{"agent_id":{"value":")" + agent_id +
         R"("})" + extra + "}}";
}

bj::object get_json(unsigned short port, const std::string& target) {
  const auto response = request(port, {"GET", target, {}, ""});
  REQUIRE(response.status == 200);
  auto parsed = iof::wire::json::parse(response.body);
  REQUIRE(parsed.has_value());
  return parsed->as_object();
}

bj::object agent_in_state(unsigned short port, const std::string& agent_id) {
  const auto state = get_json(port, "/master/state");
  for (const auto& agent : state.at("slaves").as_array()) {
    if (agent.as_object().at("id").as_string() == agent_id) {
      return agent.as_object();
    }
  }
  FAIL("agent " << agent_id << " not in /master/state");
  return {};
}

// A framework with one task running (and acknowledged) on `hostname`.
struct Running {
  v1::Offer offer;
  v1::TaskStatus status;
};

Running run_task_on(SimFramework& framework, const std::string& hostname) {
  Running out;
  for (const auto& offer : framework.offers_for({hostname})) {
    if (offer.hostname() == hostname) {
      out.offer = offer;
    }
  }
  REQUIRE(out.offer.hostname() == hostname);
  REQUIRE(framework.launch(out.offer, "t1") == 202);
  const auto starting = framework.next_update();
  REQUIRE(starting.state() == v1::TASK_STARTING);
  REQUIRE(framework.acknowledge(starting) == 202);
  out.status = framework.next_update();
  REQUIRE(out.status.state() == v1::TASK_RUNNING);
  REQUIRE(framework.acknowledge(out.status) == 202);
  return out;
}

}  // namespace

TEST_CASE("DRAIN_AGENT on /api/v1 kills the tasks, DRAINED after the ack, REACTIVATE_AGENT" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());  // TASK_KILLING_STATE capable
  const auto task = run_task_on(framework, "agent2");
  const std::string agent_id = task.offer.agent_id().value();

  const auto drained = operator_call(port, agent_call("DRAIN_AGENT", "drain_agent", agent_id,
                                                      R"(,"max_grace_period":{"seconds":5})"));
  CHECK(drained.status == 200);
  CHECK(drained.body.empty());

  const auto killing = framework.next_update();
  CHECK(killing.state() == v1::TASK_KILLING);
  CHECK(killing.reason() == v1::TaskStatus::REASON_AGENT_DRAINING);
  REQUIRE(framework.acknowledge(killing) == 202);
  const auto killed = framework.next_update();
  CHECK(killed.state() == v1::TASK_KILLED);
  CHECK(killed.reason() == v1::TaskStatus::REASON_AGENT_DRAINING);

  auto agent = agent_in_state(port, agent_id);
  CHECK(bj::serialize(agent.at("drain_info")) ==
        R"({"state":"DRAINING","config":{"max_grace_period":{"nanoseconds":5000000000},)"
        R"("mark_gone":false}})");
  CHECK(agent.at("deactivated").as_bool());
  CHECK_FALSE(agent.at("active").as_bool());
  CHECK(agent.contains("estimated_drain_start_time_seconds"));

  // Still DRAINING: reactivation is refused until the terminal update is acknowledged.
  auto reactivated =
      operator_call(port, agent_call("REACTIVATE_AGENT", "reactivate_agent", agent_id));
  CHECK(reactivated.status == 400);
  CHECK(reactivated.body == "Agent is still in the DRAINING state");
  REQUIRE(framework.acknowledge(killed) == 202);
  // A real master takes the acknowledgement after its 202, so DRAINED comes a moment later.
  for (int attempt = 0; attempt < 100; ++attempt) {
    agent = agent_in_state(port, agent_id);
    if (agent.at("drain_info").at("state").as_string() == "DRAINED") {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  CHECK(agent.at("drain_info").at("state").as_string() == "DRAINED");
  const auto metrics = get_json(port, "/metrics/snapshot");
  CHECK(metrics.at("master/slaves_inactive").as_double() == 1);
  CHECK(metrics.at("master/slaves_active").as_double() == 2);

  reactivated = operator_call(port, agent_call("REACTIVATE_AGENT", "reactivate_agent", agent_id));
  CHECK(reactivated.status == 200);
  agent = agent_in_state(port, agent_id);
  CHECK_FALSE(agent.contains("drain_info"));
  CHECK(agent.at("active").as_bool());
  // agent2 is offered again.
  CHECK_FALSE(framework.offers_for({"agent2"}).empty());
  reactivated = operator_call(port, agent_call("REACTIVATE_AGENT", "reactivate_agent", agent_id));
  CHECK(reactivated.status == 400);
  CHECK(reactivated.body == "Agent is not deactivated");
}

TEST_CASE("the agent operator calls are validated like the master's" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();

  auto response = operator_call(port, R"({"type":"DRAIN_AGENT"})");
  CHECK(response.status == 400);
  CHECK(response.body == "Failed to validate master::Call: Expecting 'drain_agent' to be present");
  // Validation comes before the Accept check.
  response = operator_call(port, R"({"type":"DEACTIVATE_AGENT"})", "text/html");
  CHECK(response.status == 400);
  CHECK(response.body ==
        "Failed to validate master::Call: Expecting 'deactivate_agent' to be present");
  response = operator_call(port, R"({"type":"REACTIVATE_AGENT"})");
  CHECK(response.body ==
        "Failed to validate master::Call: Expecting 'reactivate_agent' to be present");
  // agent_id is a required field.
  response = operator_call(port, R"({"type":"DRAIN_AGENT","drain_agent":{}})");
  CHECK(response.status == 400);
  CHECK(response.body.starts_with("Failed to convert JSON into Call protobuf: "));

  response = operator_call(port, agent_call("DRAIN_AGENT", "drain_agent", "nope"));
  CHECK(response.status == 400);
  CHECK(response.body == "Unknown agent");
  response = operator_call(port, agent_call("DEACTIVATE_AGENT", "deactivate_agent", "nope"));
  CHECK(response.status == 400);
  CHECK(response.body == "Unknown agent");
  response = operator_call(port, agent_call("REACTIVATE_AGENT", "reactivate_agent", "nope"));
  CHECK(response.status == 400);
  CHECK(response.body == "Agent is not deactivated");
  response = operator_call(port, agent_call("DRAIN_AGENT", "drain_agent", "nope"), "text/html");
  CHECK(response.status == 406);
}

TEST_CASE("DEACTIVATE_AGENT rescinds the agent's offers and makes none until REACTIVATE_AGENT" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  v1::Offer offer;
  for (const auto& o : framework.offers_for({"agent3"})) {
    if (o.hostname() == "agent3") {
      offer = o;
    }
  }
  REQUIRE(offer.hostname() == "agent3");
  const auto response = operator_call(
      port, agent_call("DEACTIVATE_AGENT", "deactivate_agent", offer.agent_id().value()));
  CHECK(response.status == 200);
  const auto rescind = framework.events().next_of(Event::RESCIND, 2s);
  REQUIRE(rescind);
  CHECK(rescind->rescind().offer_id().value() == offer.id().value());
  for (const auto& more : framework.offers_for({"agent3"}, 500ms)) {
    CHECK(more.hostname() != "agent3");
  }
  CHECK(agent_in_state(port, offer.agent_id().value()).at("deactivated").as_bool());
  CHECK(operator_call(port,
                      agent_call("REACTIVATE_AGENT", "reactivate_agent", offer.agent_id().value()))
            .status == 200);
  CHECK_FALSE(framework.offers_for({"agent3"}).empty());
}

TEST_CASE("/sim/agents/disconnect: the agent is marked unreachable when its pings time out") {
  SimProcess sim({"--allocation_interval=50ms", "--task_launch_latency=10ms",
                  "--agent_ping_timeout=100ms", "--max_agent_ping_timeouts=2"});
  const auto port = sim.port();
  SimFramework framework(port, SimFramework::info());
  const auto task = run_task_on(framework, "agent1");
  const std::string agent_id = task.offer.agent_id().value();
  const std::string body = R"({"agent_id":")" + agent_id + R"("})";

  const auto disconnected = request(port, {"POST", "/sim/agents/disconnect", {}, body});
  REQUIRE(disconnected.status == 200);
  CHECK(disconnected.header("Content-Type") == "application/json");
  auto parsed = iof::wire::json::parse(disconnected.body);
  REQUIRE(parsed.has_value());
  const double after = parsed->as_object().at("unreachable_in_secs").to_number<double>();
  // Two timeouts of 100 ms after the first unanswered ping, which is at most 100 ms away.
  CHECK(after >= 0.2);
  CHECK(after <= 0.3);

  const auto lost = framework.next_update(3s);
  CHECK(lost.task_id().value() == "t1");
  CHECK(lost.state() == v1::TASK_LOST);  // the framework is not PARTITION_AWARE
  CHECK(lost.reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(lost.source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(lost.message() == "health check timed out");
  CHECK(lost.has_unreachable_time());
  CHECK_FALSE(lost.has_uuid());
  const auto failure = framework.events().next_of(Event::FAILURE, 2s);
  REQUIRE(failure);
  CHECK(failure->failure().agent_id().value() == agent_id);

  const auto metrics = get_json(port, "/metrics/snapshot");
  CHECK(metrics.at("master/slaves_unreachable").as_double() == 1);
  CHECK(metrics.at("master/slave_unreachable_scheduled").as_double() == 1);
  CHECK(metrics.at("master/slave_unreachable_completed").as_double() == 1);
  CHECK(metrics.at("master/slave_removals/reason_unhealthy").as_double() == 1);
  CHECK(metrics.at("master/tasks_lost").as_double() == 1);
  CHECK(metrics.at("sim/agents_disconnected").as_double() == 1);
  const auto state = get_json(port, "/master/state");
  CHECK(state.at("unreachable_slaves").as_double() == 1);
  CHECK(state.at("slaves").as_array().size() == 2);
  const auto& unreachable =
      state.at("frameworks").as_array()[0].as_object().at("unreachable_tasks").as_array();
  REQUIRE(unreachable.size() == 1);
  CHECK(unreachable[0].at("id").as_string() == "t1");

  // Refusals.
  auto refused = request(port, {"POST", "/sim/agents/disconnect", {}, body});
  CHECK(refused.status == 404);
  CHECK(refused.body == "No registered agent '" + agent_id + "'");
  refused = request(port, {"POST", "/sim/agents/disconnect", {}, R"({"agent":1})"});
  CHECK(refused.status == 400);
  CHECK(refused.body == R"(Expecting {"agent_id":"..."})");
  refused = request(port, {"GET", "/sim/agents/disconnect", {}, ""});
  CHECK(refused.status == 405);
}

TEST_CASE("--agent_attributes puts each group's attributes in offers and /master/state") {
  SimProcess sim({"--agents=3", "--allocation_interval=50ms",
                  "--agent_attributes=agent[1-2]=rack:r1;zone:a|agent3=rack:r2"});
  SimFramework framework(sim.port(), SimFramework::info());
  const auto offers = framework.offers_for({"agent1", "agent2", "agent3"});
  REQUIRE(offers.size() == 3);
  for (const auto& offer : offers) {
    CAPTURE(offer.hostname());
    REQUIRE(offer.attributes_size() >= 1);
    CHECK(offer.attributes(0).name() == "rack");
    CHECK(offer.attributes(0).type() == v1::Value::TEXT);
    CHECK(offer.attributes(0).text().value() == (offer.hostname() == "agent3" ? "r2" : "r1"));
    CHECK(offer.attributes_size() == (offer.hostname() == "agent3" ? 1 : 2));
  }
  const auto state = request(sim.port(), {"GET", "/master/state", {}, ""});
  CHECK(state.body.find(R"("attributes":{"rack":"r1","zone":"a"})") != std::string::npos);
  CHECK(state.body.find(R"("attributes":{"rack":"r2"})") != std::string::npos);
}
