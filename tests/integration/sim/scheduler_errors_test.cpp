// Every status of the scheduler endpoint, over real HTTP against the mesos-sim binary, compared
// with what a real mesos-master answered to the same request (tests/golden/real-master/err-*).
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

#include "golden_http.hpp"
#include "http_client.hpp"
#include "master_under_test.hpp"
#include "sim_process.hpp"

using iof::test::check_like;
using iof::test::EventStream;
using iof::test::golden_response;
using iof::test::HttpRequest;
using iof::test::HttpResponse;
using iof::test::replace_all;
using iof::test::request;
using iof::test::SimProcess;

namespace {

const std::string json = "application/json";

HttpRequest post(std::string body, std::vector<std::pair<std::string, std::string>> headers) {
  return {"POST", "/api/v1/scheduler", std::move(headers), std::move(body)};
}

const std::string subscribe_body =
    R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"probe"}}})";

}  // namespace

TEST_SUITE_BEGIN("conformance");

TEST_CASE("the request checks answer like the real master, byte for byte") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();

  SUBCASE("GET is 405 with Allow: POST") {
    check_like(request(port, {"GET", "/api/v1/scheduler", {}, ""}),
               golden_response("real-master/err-get-method.txt"));
  }
  SUBCASE("an unsupported Content-Type is 415") {
    check_like(request(port, post(R"({"type":"SUBSCRIBE"})", {{"Content-Type", "text/plain"}})),
               golden_response("real-master/err-bad-content-type.txt"));
  }
  SUBCASE("a SUBSCRIBE without its subscribe message fails validation") {
    check_like(request(port, post(R"({"type":"SUBSCRIBE"})", {{"Content-Type", json}})),
               golden_response("real-master/err-invalid-call.txt"));
  }
  SUBCASE("malformed JSON is 400 with the parser's message") {
    check_like(request(port, post(R"({"type":"SUBSCRIBE",)", {{"Content-Type", json}})),
               golden_response("real-master/err-malformed-json.txt"));
  }
  SUBCASE("a call without a type is 400") {
    check_like(request(port, post("{}", {{"Content-Type", json}})),
               golden_response("real-master/err-no-type.txt"));
  }
  SUBCASE("a SUBSCRIBE that accepts neither media type is 406") {
    check_like(
        request(port, post(subscribe_body, {{"Content-Type", json}, {"Accept", "text/html"}})),
        golden_response("real-master/err-bad-accept.txt"));
  }
  SUBCASE("a call for an unknown framework is 400") {
    check_like(request(port, post(R"({"framework_id":{"value":"does-not-exist"},"type":"REVIVE"})",
                                  {{"Content-Type", json},
                                   {"Mesos-Stream-Id", "bb546047-3171-4771-b7bf-1b43ab46f36c"}})),
               golden_response("real-master/err-unknown-framework.txt"));
  }
  SUBCASE("a missing Content-Type is 400") {
    const auto response = request(port, post(subscribe_body, {}));
    CHECK(response.status == 400);
    CHECK(response.body == "Expecting 'Content-Type' to be present");
  }
  SUBCASE("an undecodable protobuf body is 400") {
    const auto response =
        request(port, post("\xff\xff\xff", {{"Content-Type", "application/x-protobuf"}}));
    CHECK(response.status == 400);
    CHECK(response.body == "Failed to parse body into Call protobuf");
  }
  SUBCASE("a SUBSCRIBE whose framework_id differs from its FrameworkInfo's is 400") {
    const auto response = request(
        port,
        post(
            R"({"type":"SUBSCRIBE","framework_id":{"value":"a"},"subscribe":{"framework_info":{"user":"u","name":"n"}}})",
            {{"Content-Type", json}}));
    CHECK(response.status == 400);
    CHECK(response.body ==
          "Failed to validate scheduler::Call: 'framework_id' differs from "
          "'subscribe.framework_info.id'");
  }
  SUBCASE("a SUBSCRIBE carrying a Mesos-Stream-Id is 400") {
    const auto response =
        request(port, post(subscribe_body, {{"Content-Type", json}, {"Mesos-Stream-Id", "x"}}));
    CHECK(response.status == 400);
    CHECK(response.body == "Subscribe calls should not include the 'Mesos-Stream-Id' header");
  }
}

TEST_CASE("a subscribed framework's calls: stream id rules, 202, TEARDOWN, removal") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();
  auto stream = std::make_unique<EventStream>(port, post(subscribe_body, {{"Content-Type", json}}));
  REQUIRE(stream->head().status == 200);
  const auto subscribed = stream->next();
  REQUIRE(subscribed);
  REQUIRE(subscribed->type() == mesos::v1::scheduler::Event::SUBSCRIBED);
  const std::string id = subscribed->subscribed().framework_id().value();
  const std::string stream_id = *stream->head().header("Mesos-Stream-Id");
  CHECK(std::regex_match(stream_id,
                         std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    "[0-9a-f]{12}")));
  const std::string revive = R"({"framework_id":{"value":")" + id + R"("},"type":"REVIVE"})";

  SUBCASE("without Mesos-Stream-Id: 400") {
    check_like(request(port, post(revive, {{"Content-Type", json}})),
               golden_response("real-master/err-no-stream-id.txt"));
  }
  SUBCASE("with another stream's id: 400 naming both") {
    auto expected = golden_response("real-master/err-wrong-stream-id.txt");
    expected.body = replace_all(expected.body, "9bb5ef83-7767-42da-a174-28e30947f6e6-0001", id);
    expected.headers.back().second = std::to_string(expected.body.size());
    check_like(
        request(port, post(revive, {{"Content-Type", json},
                                    {"Mesos-Stream-Id", "00000000-0000-0000-0000-000000000000"}})),
        expected);
  }
  SUBCASE("with the right stream id: 202 with an empty body") {
    check_like(
        request(port, post(revive, {{"Content-Type", json}, {"Mesos-Stream-Id", stream_id}})),
        golden_response("real-master/err-ok-revive.txt"));
  }
  SUBCASE("TEARDOWN: 202, the stream ends without ERROR, and the framework is gone") {
    check_like(request(port, post(R"({"framework_id":{"value":")" + id + R"("},"type":"TEARDOWN"})",
                                  {{"Content-Type", json}, {"Mesos-Stream-Id", stream_id}})),
               golden_response("real-master/err-ok-teardown.txt"));
    while (auto event = stream->next()) {
      CHECK(event->type() != mesos::v1::scheduler::Event::ERROR);
    }
    CHECK(stream->ended());
    const auto again =
        request(port, post(revive, {{"Content-Type", json}, {"Mesos-Stream-Id", stream_id}}));
    CHECK(again.status == 400);
    CHECK(again.body == "Framework cannot be found");
  }
  SUBCASE("after the stream drops, a framework without failover timeout is removed") {
    stream.reset();
    // The master notices the closed connection and removes the framework asynchronously.
    HttpResponse again;
    for (int attempt = 0; attempt < 500; ++attempt) {
      again = request(port, post(revive, {{"Content-Type", json}, {"Mesos-Stream-Id", stream_id}}));
      if (again.status == 400) {
        break;
      }
    }
    CHECK(again.status == 400);
    CHECK(again.body == "Framework cannot be found");
  }
}

TEST_CASE("a disconnected framework within its failover timeout gets 403") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();
  std::string id;
  std::string stream_id;
  {
    EventStream stream(
        port,
        post(
            R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","failover_timeout":60}}})",
            {{"Content-Type", json}}));
    const auto subscribed = stream.next();
    REQUIRE(subscribed);
    id = subscribed->subscribed().framework_id().value();
    stream_id = *stream.head().header("Mesos-Stream-Id");
  }
  const std::string revive = R"({"framework_id":{"value":")" + id + R"("},"type":"REVIVE"})";
  HttpResponse response;
  // The sim notices the closed connection asynchronously; poll briefly for the state change.
  for (int attempt = 0; attempt < 200; ++attempt) {
    response =
        request(port, post(revive, {{"Content-Type", json}, {"Mesos-Stream-Id", stream_id}}));
    if (response.status != 202) {
      break;
    }
  }
  CHECK(response.status == 403);
  CHECK(response.body == "Framework is not subscribed");
}

TEST_CASE("a JSON SUBSCRIBE without Accept streams SUBSCRIBED, then HEARTBEAT, like the master") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();
  const std::string master_id = iof::test::master_id_of(port);
  EventStream stream(port, post(subscribe_body, {{"Content-Type", json}}));
  const auto expected = golden_response("real-master/err-subscribe-no-accept.txt");
  CHECK(stream.head().status_line == expected.status_line);
  CHECK(stream.head().header_names() == expected.header_names());
  CHECK(stream.head().header("Content-Type") == json);
  const auto first = stream.next();
  REQUIRE(first);
  CHECK(first->type() == mesos::v1::scheduler::Event::SUBSCRIBED);
  // A real master starts the HEARTBEAT in its own actor after SUBSCRIBED, so the allocator's
  // first OFFERS may overtake it; nothing else may. mesos-sim always sends the HEARTBEAT first.
  std::size_t heartbeat_at = 0;
  for (std::size_t record = 1; record <= 3 && heartbeat_at == 0; ++record) {
    const auto event = stream.next();
    REQUIRE(event);
    if (event->type() == mesos::v1::scheduler::Event::HEARTBEAT) {
      heartbeat_at = record;
    } else {
      CHECK(event->type() == mesos::v1::scheduler::Event::OFFERS);
    }
  }
  REQUIRE(heartbeat_at != 0);
  if (iof::test::master_kind_from_environment() == iof::test::MasterKind::sim) {
    CHECK(heartbeat_at == 1);
  }

  // The golden stream's first two records, with that master's identity swapped for ours.
  const std::string golden_text(iof::test::golden("real-master/err-subscribe-no-accept.txt"));
  const auto start = golden_text.find("{\"type\":\"SUBSCRIBED\"");
  std::string subscribed = golden_text.substr(start, golden_text.find("\r\n", start) - start);
  subscribed =
      replace_all(subscribed, "9bb5ef83-7767-42da-a174-28e30947f6e6-0002", master_id + "-0000");
  subscribed = replace_all(subscribed, "9bb5ef83-7767-42da-a174-28e30947f6e6", master_id);
  subscribed = replace_all(subscribed, "5050", std::to_string(port));
  CHECK(stream.records().at(0) == subscribed);
  CHECK(stream.records().at(heartbeat_at) == R"({"type":"HEARTBEAT"})");
}

TEST_SUITE_END();

TEST_CASE("a standby answers 307 to the leader, and 503 when there is none") {
  SUBCASE("--leader=HOST:PORT") {
    SimProcess sim({"--leader=127.0.0.1:5060"});
    check_like(request(sim.port(), post(subscribe_body, {{"Content-Type", json}})),
               golden_response("real-master/err-non-leader-307.txt", 0));
    check_like(request(sim.port(), {"POST", "/master/maintenance/schedule", {}, "{}"}),
               golden_response("real-master/err-non-leader-307.txt", 1));
  }
  SUBCASE("--leader=none") {
    SimProcess sim({"--leader=none"});
    check_like(request(sim.port(), post(subscribe_body, {{"Content-Type", json}})),
               golden_response("real-master/err-no-leader-503.txt"));
  }
}

TEST_CASE("HTTP Basic authentication of frameworks" * doctest::test_suite("conformance")) {
  iof::test::ClusterOptions options;
  options.agents = 1;
  options.credentials = {"principal1", "secret1"};
  const auto master =
      iof::test::TestCluster::start(iof::test::master_kind_from_environment(), options);
  const auto port = master->port();

  SUBCASE("no or wrong credentials: 401 with the scheduler realm") {
    for (const std::string& authorization :
         {std::string(), std::string("Basic cHJpbmNpcGFsMTp3cm9uZw=="), std::string("Bearer x")}) {
      std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", json}};
      if (!authorization.empty()) {
        headers.emplace_back("Authorization", authorization);
      }
      const auto response = request(port, post(subscribe_body, headers));
      CHECK(response.status == 401);
      CHECK(response.header("WWW-Authenticate") == "Basic realm=\"mesos-master-scheduler\"");
    }
  }
  SUBCASE("the right credentials subscribe, and the principal is filled in") {
    // base64("principal1:secret1")
    EventStream stream(
        port, post(subscribe_body,
                   {{"Content-Type", json}, {"Authorization", "Basic cHJpbmNpcGFsMTpzZWNyZXQx"}}));
    REQUIRE(stream.head().status == 200);
    const auto subscribed = stream.next();
    REQUIRE(subscribed);
    CHECK(subscribed->type() == mesos::v1::scheduler::Event::SUBSCRIBED);
    const auto state = request(port, {"GET", "/master/state", {}, ""});
    CHECK(state.body.find(R"("principal":"principal1")") != std::string::npos);
  }
}
