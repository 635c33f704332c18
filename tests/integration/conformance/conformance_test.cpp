// mesos-sim against a real mesos-master, side by side: the same requests and the same framework
// life on both, compared answer by answer and event by event (the fields each event carries,
// the states, sources, reasons and messages of updates, drain states), and the timing of filters,
// unreachable agents and command tasks measured on both. Any difference in fields or meaning
// fails; the README lists what was fixed in mesos-sim to get here and what still differs.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include "http_client.hpp"
#include "shape.hpp"
#include "sim_client.hpp"
#include "test_cluster.hpp"

using namespace std::chrono_literals;
using iof::test::ClusterOptions;
using iof::test::Event;
using iof::test::HttpRequest;
using iof::test::MasterKind;
using iof::test::request;
using iof::test::SimFramework;
using iof::test::TestCluster;
using iof::test::conformance::missing_from;
using iof::test::conformance::shape;
namespace v1 = mesos::v1;
using Clock = std::chrono::steady_clock;

namespace {

// What one master did in the scenario: each step's event, as JSON, and the times measured.
struct Transcript {
  std::map<std::string, boost::json::value> events;
  std::map<std::string, double> seconds;
};

// mesos-sim with its default latencies: those are what is calibrated against the real agents.
ClusterOptions two_agents() {
  ClusterOptions options;
  options.agents = 2;
  return options;
}

const v1::Offer* offer_on(const std::vector<v1::Offer>& offers, const std::string& host) {
  for (const auto& offer : offers) {
    if (offer.hostname() == host) {
      return &offer;
    }
  }
  return nullptr;
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The next event of `type`, recorded as `step` (its JSON as the master wrote it).
Event expect(SimFramework& framework, Transcript& transcript, const std::string& step,
             Event::Type type, std::chrono::milliseconds timeout = 15s) {
  auto event = framework.events().next_of(type, timeout);
  REQUIRE_MESSAGE(event, step);
  transcript.events[step] = boost::json::parse(framework.events().records().back());
  return *event;
}

std::string agent1_machine() {
  return R"({"hostname":"agent1","ip":"127.0.0.2"})";
}

// One framework's life on `cluster`: subscribe, an offer, a task launched, a window on its
// machine (offers with unavailability, inverse offers, a declined one), the task killed.
Transcript live(TestCluster& cluster) {
  Transcript t;
  SimFramework framework(cluster.port(), SimFramework::info(3600));
  t.events["SUBSCRIBED"] = boost::json::parse(framework.events().records().front());

  auto offers = framework.offers_for({"agent1"}, 15s);
  const auto* offer = offer_on(offers, "agent1");
  REQUIRE(offer != nullptr);
  t.events["OFFERS"] = boost::json::parse(framework.events().records().back());

  const auto launched = Clock::now();
  REQUIRE(framework.launch(*offer, "t1") == 202);
  const auto starting = expect(framework, t, "UPDATE TASK_STARTING", Event::UPDATE);
  CHECK(starting.update().status().state() == v1::TASK_STARTING);
  t.seconds["launch to TASK_STARTING"] = since(launched);
  const auto acknowledged = Clock::now();
  REQUIRE(framework.acknowledge(starting.update().status()) == 202);
  const auto running = expect(framework, t, "UPDATE TASK_RUNNING", Event::UPDATE);
  CHECK(running.update().status().state() == v1::TASK_RUNNING);
  t.seconds["TASK_STARTING acknowledged to TASK_RUNNING"] = since(acknowledged);
  REQUIRE(framework.acknowledge(running.update().status()) == 202);

  // A window on the task's machine an hour from now.
  const auto start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch() + 1h)
                            .count();
  const auto posted =
      request(cluster.port(), {"POST",
                               "/master/maintenance/schedule",
                               {},
                               R"({"windows":[{"machine_ids":[)" + agent1_machine() +
                                   R"(],"unavailability":{"start":{"nanoseconds":)" +
                                   std::to_string(start_ns) + "}}}]}"});
  REQUIRE(posted.status == 200);
  const auto inverse = expect(framework, t, "INVERSE_OFFERS", Event::INVERSE_OFFERS);
  REQUIRE(inverse.inverse_offers().inverse_offers_size() == 1);

  // Declined for 2 s: the master asks again once the filter has passed.
  v1::scheduler::Call decline;
  decline.set_type(v1::scheduler::Call::DECLINE_INVERSE_OFFERS);
  *decline.mutable_decline_inverse_offers()->add_inverse_offer_ids() =
      inverse.inverse_offers().inverse_offers(0).id();
  decline.mutable_decline_inverse_offers()->mutable_filters()->set_refuse_seconds(2);
  const auto declined = Clock::now();
  REQUIRE(framework.send(decline) == 202);
  expect(framework, t, "INVERSE_OFFERS again", Event::INVERSE_OFFERS);
  t.seconds["inverse offer declined for 2 s to the next"] = since(declined);

  v1::scheduler::Call kill;
  kill.set_type(v1::scheduler::Call::KILL);
  kill.mutable_kill()->mutable_task_id()->set_value("t1");
  *kill.mutable_kill()->mutable_agent_id() = offer->agent_id();
  const auto killed_at = Clock::now();
  REQUIRE(framework.send(kill) == 202);
  const auto killing = expect(framework, t, "UPDATE TASK_KILLING", Event::UPDATE);
  CHECK(killing.update().status().state() == v1::TASK_KILLING);
  REQUIRE(framework.acknowledge(killing.update().status()) == 202);
  const auto killed = expect(framework, t, "UPDATE TASK_KILLED", Event::UPDATE);
  CHECK(killed.update().status().state() == v1::TASK_KILLED);
  t.seconds["KILL to TASK_KILLED"] = since(killed_at);
  REQUIRE(framework.acknowledge(killed.update().status()) == 202);
  return t;
}

// Drained, then dead: a task on agent1 is drained away, agent2's machine dies. What the
// framework is told, the agent's drain states, and how long each master takes.
Transcript drain_and_die(TestCluster& cluster) {
  Transcript t;
  SimFramework framework(cluster.port(), SimFramework::info(3600));
  auto offers = framework.offers_for({"agent1", "agent2"}, 15s);
  const auto* on_agent1 = offer_on(offers, "agent1");
  const auto* on_agent2 = offer_on(offers, "agent2");
  REQUIRE(on_agent1 != nullptr);
  REQUIRE(on_agent2 != nullptr);
  const std::string agent1 = on_agent1->agent_id().value();
  const std::string agent2 = on_agent2->agent_id().value();

  // An offer declined for 2 s comes back once the filter has passed.
  REQUIRE(framework.decline({*on_agent2}, 2) == 202);
  const auto declined = Clock::now();
  const auto again = framework.offers_for({"agent2"}, 15s);
  REQUIRE(offer_on(again, "agent2") != nullptr);
  t.seconds["offer declined for 2 s to the next"] = since(declined);

  REQUIRE(framework.launch(*on_agent1, "drained") == 202);
  REQUIRE(framework.launch(*offer_on(again, "agent2"), "lost") == 202);
  for (int running = 0; running < 2;) {
    const auto status = framework.next_update(15s);
    REQUIRE(framework.acknowledge(status) == 202);
    running += status.state() == v1::TASK_RUNNING ? 1 : 0;
  }

  const auto drained = request(
      cluster.port(),
      {"POST",
       "/api/v1",
       {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
       R"({"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":")" + agent1 + R"("}}})"});
  REQUIRE(drained.status == 200);
  const auto drain_started = Clock::now();
  const auto killing = expect(framework, t, "UPDATE TASK_KILLING (drain)", Event::UPDATE);
  REQUIRE(framework.acknowledge(killing.update().status()) == 202);
  const auto killed = expect(framework, t, "UPDATE TASK_KILLED (drain)", Event::UPDATE);
  REQUIRE(framework.acknowledge(killed.update().status()) == 202);
  t.seconds["DRAIN_AGENT to TASK_KILLED"] = since(drain_started);
  // DRAINED once the last update is acknowledged.
  std::string drain_state;
  for (int i = 0; i < 100 && drain_state != "DRAINED"; ++i) {
    const auto state =
        boost::json::parse(request(cluster.port(), {"GET", "/master/state", {}, ""}).body);
    for (const auto& agent : state.at("slaves").as_array()) {
      if (agent.at("id") == agent1.c_str()) {
        t.events["drained agent"] = agent;
        drain_state = std::string(agent.at("drain_info").at("state").as_string());
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  CHECK(drain_state == "DRAINED");

  const auto died = Clock::now();
  cluster.vanish(agent2);
  const auto lost = expect(framework, t, "UPDATE TASK_LOST (unreachable)", Event::UPDATE, 60s);
  CHECK(lost.update().status().state() == v1::TASK_LOST);
  t.seconds["machine died to TASK_LOST"] = since(died);
  return t;
}

// A real agent's TASK_KILLED says "Command terminated with signal Terminated" when the command
// dies of the SIGTERM, or "Command exited with status 1" when the shell around it exits first: a
// matter of timing, with the same meaning. Either reads as the first, which mesos-sim sends.
boost::json::value killed_as_one(const boost::json::object& status, std::string_view key,
                                 const boost::json::value& value) {
  const auto* state = status.if_contains("state");
  if (key == "message" && state != nullptr && state->is_string() &&
      state->as_string() == "TASK_KILLED" && value.is_string() &&
      value.as_string() == "Command exited with status 1") {
    return boost::json::value("Command terminated with signal Terminated");
  }
  return value;
}

// The values both masters must agree on, beyond the fields: an update's state, source, reason
// and message, the heartbeat interval.
std::string meaning(const boost::json::value& event) {
  const auto& object = event.as_object();
  std::string out;
  if (const auto* update = object.if_contains("update")) {
    const auto& status = update->at("status").as_object();
    for (const char* key : {"state", "source", "reason", "message"}) {
      if (const auto* value = status.if_contains(key)) {
        out += std::string(key) + "=" + boost::json::serialize(killed_as_one(status, key, *value)) +
               " ";
      }
    }
  }
  if (const auto* subscribed = object.if_contains("subscribed")) {
    out += "heartbeat_interval_seconds=" +
           boost::json::serialize(subscribed->at("heartbeat_interval_seconds"));
  }
  return out;
}

// Both transcripts have the same steps, each event the same fields and meaning; the times are
// printed side by side.
void compare(const Transcript& on_sim, const Transcript& on_real) {
  for (const auto& [step, real_event] : on_real.events) {
    CAPTURE(step);
    REQUIRE(on_sim.events.contains(step));
    const auto sim_shape = shape(on_sim.events.at(step));
    const auto real_shape = shape(real_event);
    CHECK_MESSAGE(missing_from(sim_shape, real_shape) == "", "fields only mesos-sim sends");
    CHECK_MESSAGE(missing_from(real_shape, sim_shape) == "", "fields only the real master sends");
    CHECK(meaning(on_sim.events.at(step)) == meaning(real_event));
  }
  for (const auto& [what, real_seconds] : on_real.seconds) {
    std::printf("conformance: %-45s real %6.3f s, mesos-sim %6.3f s\n", what.c_str(), real_seconds,
                on_sim.seconds.at(what));
  }
}

}  // namespace

TEST_CASE("conformance: a framework's life, event by event, on mesos-sim and a real master") {
  auto sim = TestCluster::start(MasterKind::sim, two_agents());
  auto real = TestCluster::start(MasterKind::real, two_agents());
  const Transcript on_sim = live(*sim);
  const Transcript on_real = live(*real);
  compare(on_sim, on_real);

  // mesos-sim's default latencies stay calibrated: a command task reaches TASK_RUNNING, and a
  // killed one TASK_KILLED, in the same order of time as on the real agents (within 4x).
  const auto both = [&](const std::string& a, const std::string& b) {
    return std::pair{on_sim.seconds.at(a) + (b.empty() ? 0 : on_sim.seconds.at(b)),
                     on_real.seconds.at(a) + (b.empty() ? 0 : on_real.seconds.at(b))};
  };
  for (const auto& [sim_seconds, real_seconds] :
       {both("launch to TASK_STARTING", "TASK_STARTING acknowledged to TASK_RUNNING"),
        both("KILL to TASK_KILLED", "")}) {
    CHECK(sim_seconds <= 4 * real_seconds);
    CHECK(real_seconds <= 4 * sim_seconds);
  }
  // A refusal filter holds on both, and neither master waits much beyond it.
  const std::string refusal = "inverse offer declined for 2 s to the next";
  CHECK(on_sim.seconds.at(refusal) >= 2);
  CHECK(on_real.seconds.at(refusal) >= 2);
  CHECK(on_sim.seconds.at(refusal) < 4);
  CHECK(on_real.seconds.at(refusal) < 4);
}

TEST_CASE("conformance: a drained agent and a machine that dies, on mesos-sim and a real master") {
  // Both masters ping every second and give up after two missed pings.
  auto sim_options = two_agents();
  sim_options.sim_flags = {"--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=2"};
  auto real_options = two_agents();
  real_options.fast_unreachable = true;
  auto sim = TestCluster::start(MasterKind::sim, sim_options);
  auto real = TestCluster::start(MasterKind::real, real_options);
  const Transcript on_sim = drain_and_die(*sim);
  const Transcript on_real = drain_and_die(*real);
  compare(on_sim, on_real);
  for (const auto* transcript : {&on_sim, &on_real}) {
    CHECK(transcript->seconds.at("offer declined for 2 s to the next") >= 2);
    CHECK(transcript->seconds.at("offer declined for 2 s to the next") < 4);
    // Two missed pings of a second each, then the removal: 2 to 3 s after the death.
    CHECK(transcript->seconds.at("machine died to TASK_LOST") >= 1.5);
    CHECK(transcript->seconds.at("machine died to TASK_LOST") < 5);
  }
}
