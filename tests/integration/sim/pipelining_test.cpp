// HTTP/1.1 pipelining, as the framework sends its calls: several requests written in one write on
// one connection are each handled, in order, and answered in order, the same as when sent one by
// one. A real master (libprocess) does this; the "conformance" suite runs it against both.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "http_client.hpp"
#include "master_under_test.hpp"
#include "sim_client.hpp"

using iof::test::HttpRequest;
using iof::test::HttpResponse;
using iof::test::pipelined;
using iof::test::request;
using iof::test::SimFramework;
namespace v1 = mesos::v1;

namespace {

HttpRequest scheduler_call(std::string body, const std::string& stream_id) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (!stream_id.empty()) {
    headers.emplace_back("Mesos-Stream-Id", stream_id);
  }
  return {"POST", "/api/v1/scheduler", std::move(headers), std::move(body)};
}

std::string reconcile(const std::string& framework_id, const std::string& task_id) {
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::RECONCILE);
  call.mutable_framework_id()->set_value(framework_id);
  call.mutable_reconcile()->add_tasks()->mutable_task_id()->set_value(task_id);
  return iof::wire::json::write(call);
}

}  // namespace

TEST_SUITE_BEGIN("conformance");

TEST_CASE("pipelined requests in one write are answered in order, as one by one") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  const std::string stream_id = framework.stream_id();

  // Answers of every kind, mixed: accepted calls, refused ones, another endpoint, a 405.
  std::vector<HttpRequest> requests;
  requests.push_back(scheduler_call(reconcile(framework.id(), "pipelined-0"), stream_id));
  requests.push_back(scheduler_call("{}", stream_id));
  requests.push_back({"GET", "/api/v1/scheduler", {}, ""});
  requests.push_back(scheduler_call(reconcile(framework.id(), "pipelined-1"), ""));
  requests.push_back(scheduler_call(R"({"type":"SUBSCRIBE",)", stream_id));
  requests.push_back(scheduler_call(reconcile(framework.id(), "pipelined-2"), stream_id));
  requests.push_back({"GET", "/master/state", {}, ""});
  for (int i = 3; i < 8; ++i) {
    requests.push_back(
        scheduler_call(reconcile(framework.id(), "pipelined-" + std::to_string(i)), stream_id));
  }

  std::vector<HttpResponse> one_by_one;
  for (const auto& each : requests) {
    one_by_one.push_back(request(port, each));
  }
  const auto together = pipelined(port, requests);
  REQUIRE(together.size() == requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    CAPTURE(i);
    CHECK(together[i].status == one_by_one[i].status);
    if (requests[i].target != "/master/state") {  // the state changes between the two rounds
      CHECK(together[i].body == one_by_one[i].body);
    } else {
      CHECK(together[i].body.find(R"("frameworks")") != std::string::npos);
    }
  }
  CHECK(together[0].status == 202);
  CHECK(together[1].status == 400);
  CHECK(together[2].status == 405);

  // Each accepted RECONCILE was handled, in the order written: one update each, the one-by-one
  // round's first, then the pipelined round's in the same order.
  std::vector<std::string> answered;
  while (answered.size() < 14) {
    const auto update = framework.next_update();
    answered.push_back(update.task_id().value());
  }
  const std::vector<std::string> expected_round{"pipelined-0", "pipelined-2", "pipelined-3",
                                                "pipelined-4", "pipelined-5", "pipelined-6",
                                                "pipelined-7"};
  CHECK(std::vector<std::string>(answered.begin(), answered.begin() + 7) == expected_round);
  CHECK(std::vector<std::string>(answered.begin() + 7, answered.end()) == expected_round);
}

TEST_CASE("a burst of pipelined calls in one write loses none") {
  const auto master = iof::test::master_under_test(1);
  const auto port = master->port();
  SimFramework framework(port, SimFramework::info());
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 200; ++i) {
    requests.push_back(scheduler_call(reconcile(framework.id(), "burst-" + std::to_string(i)),
                                      framework.stream_id()));
  }
  const auto answers = pipelined(port, requests);
  REQUIRE(answers.size() == requests.size());
  for (const auto& answer : answers) {
    CHECK(answer.status == 202);
  }
  for (int i = 0; i < 200; ++i) {
    CHECK(framework.next_update().task_id().value() == "burst-" + std::to_string(i));
  }
}

TEST_SUITE_END();
