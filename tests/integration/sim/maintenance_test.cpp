// The full maintenance cycle over real HTTP: schedule -> DRAINING (unavailability on offers,
// inverse offers) -> machine DOWN (TASK_LOST, FAILURE) -> UP, compared with the real master's
// answers where the transcripts have them.
#include <optional>
#include <thread>

#include <doctest/doctest.h>

#include "golden_http.hpp"
#include "master_under_test.hpp"
#include "sim_client.hpp"
#include "sim_process.hpp"

using namespace std::chrono_literals;
using iof::test::check_like;
using iof::test::Event;
using iof::test::golden_response;
using iof::test::HttpRequest;
using iof::test::HttpResponse;
using iof::test::replace_all;
using iof::test::request;
using iof::test::SimFramework;
using iof::test::SimProcess;
namespace v1 = mesos::v1;

namespace {

HttpRequest post(std::string target, std::string body) {
  return {"POST", std::move(target), {}, std::move(body)};
}

HttpRequest get(std::string target) {
  return {"GET", std::move(target), {}, ""};
}

const std::string agent2 = R"([{"hostname":"agent2","ip":"127.0.0.3"}])";

}  // namespace

TEST_CASE("schedule, drain, inverse offers, down and up, as the real master does them" *
          doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  const auto offers = framework.offers_for({"agent2"});
  v1::Offer offer;
  for (const auto& o : offers) {
    if (o.hostname() == "agent2") {
      offer = o;
    }
  }
  REQUIRE(framework.launch(offer, "0") == 202);
  auto starting = framework.next_update();
  REQUIRE(framework.acknowledge(starting) == 202);
  auto running = framework.next_update();
  REQUIRE(running.state() == v1::TASK_RUNNING);
  REQUIRE(framework.acknowledge(running) == 202);

  // The schedule the real master was given, for the same machine (agent2, 127.0.0.3).
  const std::string schedule(iof::test::golden("real-master/demo-maintenance-schedule.json"));
  check_like(request(port, post("/master/maintenance/schedule", schedule)),
             golden_response("real-master/demo-maintenance-post.txt"));
  check_like(request(port, get("/master/maintenance/schedule")),
             golden_response("real-master/demo-maintenance-schedule-get.txt"));
  check_like(request(port, get("/master/maintenance/status")),
             golden_response("real-master/demo-maintenance-status-1.txt"));

  // The framework uses agent2, so it is asked to give it back, with the window; offers for the
  // draining agent carry the window too (and offers are declined so that they keep coming).
  std::optional<v1::InverseOffer> inverse_offer;
  bool saw_unavailable = false;
  for (int i = 0; i < 100 && !(inverse_offer && saw_unavailable); ++i) {
    auto event = framework.events().next(2s);
    REQUIRE(event);
    if (event->type() == Event::INVERSE_OFFERS) {
      REQUIRE(event->inverse_offers().inverse_offers_size() == 1);
      inverse_offer = event->inverse_offers().inverse_offers(0);
    } else if (event->type() == Event::OFFERS) {
      std::vector<v1::Offer> received;
      for (const auto& o : event->offers().offers()) {
        received.push_back(o);
        if (o.hostname() == "agent2") {
          saw_unavailable = o.has_unavailability() &&
                            o.unavailability().start().nanoseconds() == 1795533421000000000;
        } else {
          CHECK_FALSE(o.has_unavailability());
        }
      }
      REQUIRE(framework.decline(received, 0) == 202);
    }
  }
  REQUIRE(inverse_offer);
  CHECK(saw_unavailable);
  CHECK(inverse_offer->agent_id().value() == offer.agent_id().value());
  CHECK(inverse_offer->unavailability().start().nanoseconds() == 1795533421000000000);
  CHECK(inverse_offer->unavailability().duration().nanoseconds() == 3600000000000);
  CHECK(inverse_offer->url().address().hostname() == "agent2");

  // Accepting is recorded in the status, like the real master's second status.
  v1::scheduler::Call accept;
  accept.set_type(v1::scheduler::Call::ACCEPT_INVERSE_OFFERS);
  *accept.mutable_accept_inverse_offers()->add_inverse_offer_ids() = inverse_offer->id();
  REQUIRE(framework.send(accept) == 202);
  // A real master records the answer after its 202: wait for it to show.
  HttpResponse status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    status = request(port, get("/master/maintenance/status"));
    if (status.body.find(R"("timestamp":{"nanoseconds":)") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  const auto expected = golden_response("real-master/demo-maintenance-status-2.txt");
  const auto timestamp_at = status.body.find(R"("timestamp":{"nanoseconds":)");
  REQUIRE(timestamp_at != std::string::npos);
  std::string normalized =
      replace_all(status.body, framework.id(), "9bb5ef83-7767-42da-a174-28e30947f6e6-0000");
  const auto number_at = normalized.find(R"("nanoseconds":)", normalized.find("timestamp")) + 14;
  normalized.replace(number_at, normalized.find('}', number_at) - number_at, "1795533401935015936");
  CHECK(normalized == expected.body);

  // DOWN: the task is lost (master-generated, no uuid), every framework hears of the agent.
  check_like(request(port, post("/master/machine/down", agent2)),
             golden_response("real-master/maintenance-operator.txt", 0));
  const auto lost = framework.next_update();
  CHECK(lost.state() == v1::TASK_LOST);
  CHECK(lost.reason() == v1::TaskStatus::REASON_AGENT_REMOVED);
  CHECK(lost.source() == v1::TaskStatus::SOURCE_MASTER);
  CHECK(lost.message() == "Agent agent2 removed: Operator initiated 'Machine DOWN'");
  CHECK_FALSE(lost.has_uuid());
  const auto failure = framework.events().next_of(Event::FAILURE, 2s);
  REQUIRE(failure);
  CHECK(failure->failure().agent_id().value() == offer.agent_id().value());
  CHECK_FALSE(failure->failure().has_executor_id());

  check_like(request(port, get("/master/maintenance/status")),
             golden_response("real-master/maintenance-operator.txt", 1));
  check_like(request(port, post("/master/machine/down", agent2)),
             golden_response("real-master/maintenance-operator.txt", 2));
  check_like(request(port, post("/master/machine/up", agent2)),
             golden_response("real-master/maintenance-operator.txt", 3));
  // A real agent that machine/down shut down must be started again; mesos-sim brings it back.
  master->machines_up({"agent2"});
  check_like(
      request(port, post("/master/machine/down", R"([{"hostname":"agent1","ip":"127.0.0.2"}])")),
      golden_response("real-master/maintenance-operator.txt", 4));
  check_like(request(port, post("/master/maintenance/schedule", "{\"windows\":")),
             golden_response("real-master/maintenance-operator.txt", 5));

  // UP: agent2 is back under a new agent id, offered without unavailability; the schedule no
  // longer lists it.
  CHECK(request(port, get("/master/maintenance/schedule")).body == "{}");
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    auto event = framework.events().next_of(Event::OFFERS, 2s);
    REQUIRE(event);
    std::vector<v1::Offer> received(event->offers().offers().begin(),
                                    event->offers().offers().end());
    REQUIRE(framework.decline(received, 0) == 202);
    for (const auto& o : received) {
      if (o.hostname() == "agent2") {
        back = true;
        CHECK(o.agent_id().value() != offer.agent_id().value());
        CHECK_FALSE(o.has_unavailability());
      }
    }
  }
  CHECK(back);
}

TEST_CASE("maintenance validation errors are the master's" * doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  const auto post_schedule = [&](const std::string& body) {
    return request(port, post("/master/maintenance/schedule", body));
  };
  const std::string window =
      R"({"windows":[{"machine_ids":%s,"unavailability":{"start":{"nanoseconds":1},%s}}]})";
  const auto schedule_with = [&](const std::string& machines, const std::string& duration) {
    std::string body = window;
    body.replace(body.find("%s"), 2, machines);
    body.replace(body.find("%s"), 2, duration);
    return body;
  };
  CHECK(post_schedule(schedule_with("[]", R"("duration":{"nanoseconds":1})")).body ==
        "List of machines in the maintenance window is empty");
  CHECK(post_schedule(schedule_with(agent2, R"("duration":{"nanoseconds":-1})")).body ==
        "Unavailability 'duration' is negative");
  CHECK(post_schedule(schedule_with(R"([{"hostname":""}])", R"("duration":{"nanoseconds":1})"))
            .body == "Both 'hostname' and 'ip' for a machine are empty");
  CHECK(
      post_schedule(
          schedule_with(
              R"([{"hostname":"agent2","ip":"127.0.0.3"},{"hostname":"AGENT2","ip":"127.0.0.3"}])",
              R"("duration":{"nanoseconds":1})"))
          .body ==
      R"(Machine '{"hostname":"AGENT2","ip":"127.0.0.3"}' appears more than once in the schedule)");
  CHECK(post_schedule("[1]").body == "Unexpected JSON type parsed");

  REQUIRE(post_schedule(schedule_with(agent2, R"("duration":{"nanoseconds":1})")).status == 200);
  REQUIRE(request(port, post("/master/machine/down", agent2)).status == 200);
  const auto dropped = post_schedule(R"({"windows":[]})");
  CHECK(dropped.status == 400);
  CHECK(
      dropped.body ==
      R"(Machine '{"hostname":"agent2","ip":"127.0.0.3"}' is deactivated and cannot be removed from the schedule)");
  CHECK(request(port, post("/master/machine/up", "[]")).body == "List of machines is empty");
  CHECK(request(port, post("/master/machine/up", "{}")).body == "Unexpected JSON type parsed");
  CHECK(
      request(port, post("/master/machine/up", R"([{"hostname":"agent1","ip":"127.0.0.2"}])"))
          .body ==
      R"(Machine '{"hostname":"agent1","ip":"127.0.0.2"}' is not in DOWN mode and cannot be brought up)");
  CHECK(request(port, {"PUT", "/master/maintenance/schedule", {}, ""}).status == 405);
}

TEST_CASE("the v1 operator API reaches the same maintenance" * doctest::test_suite("conformance")) {
  const auto master = iof::test::master_under_test(3);
  const auto port = master->port();
  const auto call = [&](const std::string& body) {
    return request(port, {"POST", "/api/v1", {{"Content-Type", "application/json"}}, body});
  };
  const auto updated =
      call(R"({"type":"UPDATE_MAINTENANCE_SCHEDULE","update_maintenance_schedule":{"schedule":)" +
           std::string(iof::test::golden("real-master/demo-maintenance-schedule.json")) + "}}");
  CHECK(updated.status == 200);
  CHECK(updated.body.empty());
  const auto schedule = call(R"({"type":"GET_MAINTENANCE_SCHEDULE"})");
  CHECK(schedule.status == 200);
  CHECK(schedule.header("Content-Type") == "application/json");
  CHECK(
      schedule.body ==
      R"({"type":"GET_MAINTENANCE_SCHEDULE","get_maintenance_schedule":{"schedule":{"windows":[{"machine_ids":[{"hostname":"agent2","ip":"127.0.0.3"}],"unavailability":{"start":{"nanoseconds":1795533421000000000},"duration":{"nanoseconds":3600000000000}}}]}}})");
  CHECK(
      call(
          R"({"type":"START_MAINTENANCE","start_maintenance":{"machines":[{"hostname":"agent2","ip":"127.0.0.3"}]}})")
          .status == 200);
  CHECK(
      call(R"({"type":"GET_MAINTENANCE_STATUS"})").body ==
      R"({"type":"GET_MAINTENANCE_STATUS","get_maintenance_status":{"status":{"down_machines":[{"hostname":"agent2","ip":"127.0.0.3"}]}}})");
  CHECK(
      call(
          R"({"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"agent2","ip":"127.0.0.3"}]}})")
          .status == 200);
  CHECK(call(R"({"type":"GET_MAINTENANCE_STATUS"})").body ==
        R"({"type":"GET_MAINTENANCE_STATUS","get_maintenance_status":{"status":{}}})");
  CHECK(
      call(
          R"({"type":"STOP_MAINTENANCE","stop_maintenance":{"machines":[{"hostname":"agent2","ip":"127.0.0.3"}]}})")
          .body ==
      R"(Machine '{"hostname":"agent2","ip":"127.0.0.3"}' is not in DOWN mode and cannot be brought up)");
  CHECK(call("{}").body == "Failed to validate master::Call: Expecting 'type' to be present");
  CHECK(request(port, {"POST", "/api/v1", {}, "{}"}).status == 400);
}
