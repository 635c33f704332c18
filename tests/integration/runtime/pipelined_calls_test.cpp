// The Runtime's calls connection under pipelining, against a scripted master: calls written back
// to back are answered in order, and when the master drops the connection with calls still on
// it, those fail and the next calls go out on a new connection.
#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <doctest/doctest.h>

#include "iof/framework/runtime.hpp"
#include "iof/http/server.hpp"
#include "iof/wire/recordio.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

// gcc 12 mistakes the sized delete of Asio's awaitable frames for a mismatch (gcc PR 109224): a
// false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

std::string record(const Event& event) {
  return iof::wire::recordio::encode(event.SerializeAsString());
}

// A terminal update of a task the framework does not know: acknowledged, and nothing more.
std::string update(const std::string& task) {
  Event event;
  event.set_type(Event::UPDATE);
  auto* status = event.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value(task);
  status->mutable_agent_id()->set_value("agent");
  status->set_state(mesos::v1::TASK_FINISHED);
  status->set_uuid("uuid-" + task);
  return record(event);
}

// Subscribes the framework, sends it updates, answers calls 202 except the first ACKNOWLEDGE,
// which ends the connection (a 500 and a close: the calls behind it are never answered).
struct ScriptedMaster {
  std::vector<std::string> acknowledged;  // task ids, in the order the ACKNOWLEDGEs came
  std::set<std::string> call_connections;
  std::shared_ptr<iof::http::StreamSink> stream;
  bool dropped = false;

  iof::http::Reply handle(const iof::http::Request& request) {
    Call call;
    REQUIRE(call.ParseFromString(request.body));
    if (call.type() == Call::SUBSCRIBE) {
      Event subscribed;
      subscribed.set_type(Event::SUBSCRIBED);
      subscribed.mutable_subscribed()->mutable_framework_id()->set_value("pipelined");
      iof::http::StreamResponse response;
      response.headers = {{"Content-Type", "application/x-protobuf"},
                          {"Mesos-Stream-Id", "pipelined-stream"}};
      response.initial_chunks = {record(subscribed)};
      response.on_open = [this](std::shared_ptr<iof::http::StreamSink> sink) {
        stream = sink;
        for (const char* task : {"a", "b", "c", "d", "e"}) {
          sink->send(update(task));
        }
      };
      return response;
    }
    call_connections.insert(request.remote);
    if (call.type() == Call::ACKNOWLEDGE) {
      acknowledged.push_back(call.acknowledge().task_id().value());
      if (!dropped) {
        dropped = true;
        throw std::runtime_error("the connection drops");
      }
    }
    const iof::http::Response accepted{202, {}, ""};
    return accepted;
  }
};

}  // namespace

TEST_CASE("calls dropped with their connection fail, and the next ones go on a new connection") {
  asio::io_context io;
  ScriptedMaster master;
  iof::http::Server server(io.get_executor(), [&master](const iof::http::Request& request) {
    return master.handle(request);
  });
  REQUIRE(server.listen({asio::ip::make_address("127.0.0.1"), 0}));
  iof::framework::Flags flags;
  flags.log_level = "warn";
  iof::framework::MasterSpec spec;
  spec.candidates = {iof::framework::Endpoint{false, "127.0.0.1", std::to_string(server.port())}};
  auto runtime = iof::framework::Runtime::create(io.get_executor(), flags, spec, "tester");
  std::optional<int> status;
  asio::co_spawn(io, runtime->run(), [&status](std::exception_ptr failure, int result) {
    REQUIRE_FALSE(failure);
    status = result;
  });
  const auto run_until = [&io](auto condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(5ms);
    }
    return condition();
  };
  // The first ACKNOWLEDGE ends the connection; the five went out together behind it.
  REQUIRE(run_until([&] { return master.dropped && master.stream; }, 10s));
  run_until([] { return false; }, 300ms);
  // A later update's ACKNOWLEDGE goes out on a new connection.
  master.stream->send(update("late"));
  REQUIRE(run_until(
      [&] { return !master.acknowledged.empty() && master.acknowledged.back() == "late"; }, 10s));
  CHECK(master.call_connections.size() >= 2);
  CHECK(master.acknowledged.front() == "a");

  runtime->stop();
  REQUIRE(run_until([&] { return status.has_value(); }, 5s));
  CHECK(*status == 0);
  server.stop();
}
