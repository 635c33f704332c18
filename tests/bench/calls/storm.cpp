// calls_bench's second measurement: the framework's Runtime acknowledging a storm of status
// updates, against a master in this process that writes the storm on the event stream and
// answers every call 202 at once (pipelined requests in order, as the HTTP server does).
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

#include "iof/framework/runtime.hpp"
#include "iof/http/server.hpp"
#include "iof/wire/recordio.hpp"

#include "bench.hpp"
#include "delay_proxy.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

// gcc 12 mistakes the sized delete of Asio's awaitable frames for a mismatch (gcc PR 109224): a
// false positive, so it must not fail the -Werror build.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

constexpr auto storm_limit = 300s;

std::string record(const Event& event) {
  return wire::recordio::encode(event.SerializeAsString());
}

// Terminal updates of tasks the framework does not know: each is acknowledged, and nothing else
// follows from it (no KILL, no LAUNCH).
std::string update(std::size_t index) {
  Event event;
  event.set_type(Event::UPDATE);
  auto* status = event.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value(fmt::format("storm-{}", index));
  status->mutable_agent_id()->set_value("storm-agent");
  status->set_state(mesos::v1::TASK_FINISHED);
  status->set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  status->set_uuid(fmt::format("{:016}", index));
  return record(event);
}

struct StormMaster {
  std::size_t storm = 0;
  std::size_t acknowledged = 0;
  std::optional<Clock::time_point> start;
  std::optional<Clock::time_point> end;

  http::Reply handle(const http::Request& request) {
    Call call;
    if (request.path() != "/api/v1/scheduler" || !call.ParseFromString(request.body)) {
      return http::Response{400, {}, "calls_bench's master takes protobuf scheduler calls only"};
    }
    if (call.type() == Call::SUBSCRIBE) {
      Event subscribed;
      subscribed.set_type(Event::SUBSCRIBED);
      subscribed.mutable_subscribed()->mutable_framework_id()->set_value("calls-bench");
      subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
      http::StreamResponse stream;
      stream.headers = {{"Content-Type", "application/x-protobuf"},
                        {"Mesos-Stream-Id", "calls-bench-stream"}};
      stream.initial_chunks = {record(subscribed)};
      stream.on_open = [this](std::shared_ptr<http::StreamSink> sink) {
        start = Clock::now();
        for (std::size_t i = 0; i < storm; ++i) {
          sink->send(update(i));
        }
      };
      return stream;
    }
    if (call.type() == Call::ACKNOWLEDGE && ++acknowledged == storm) {
      end = Clock::now();
    }
    return http::Response{202, {}, ""};
  }
};

}  // namespace

double storm_seconds(std::size_t storm, std::size_t window, std::chrono::microseconds rtt) {
  asio::io_context io;
  StormMaster master;
  master.storm = storm;
  http::Server server(io.get_executor(),
                      [&master](const http::Request& request) { return master.handle(request); });
  if (auto listening = server.listen({asio::ip::make_address("127.0.0.1"), 0}); !listening) {
    throw std::runtime_error(listening.error().message);
  }
  std::optional<DelayProxy> proxy;
  if (rtt.count() > 0) {
    proxy.emplace(io, server.port(), rtt / 2);
  }
  const unsigned short port = proxy ? proxy->port() : server.port();
  framework::Flags flags;
  flags.master = fmt::format("127.0.0.1:{}", port);
  flags.log_level = "off";
  flags.call_window = static_cast<unsigned>(window);
  framework::MasterSpec spec;
  spec.candidates = {framework::Endpoint{false, "127.0.0.1", std::to_string(port)}};
  auto runtime = framework::Runtime::create(io.get_executor(), flags, spec, "bench");
  bool returned = false;
  asio::co_spawn(io, runtime->run(), [&returned](std::exception_ptr failure, int) {
    if (failure) {
      std::rethrow_exception(failure);
    }
    returned = true;
  });
  const auto deadline = Clock::now() + storm_limit;
  while (!master.end && Clock::now() < deadline) {
    io.run_for(10ms);
  }
  runtime->stop();
  server.stop();
  const auto stopping = Clock::now() + 10s;
  while (!returned && Clock::now() < stopping) {
    io.run_for(10ms);
  }
  if (!master.end || !master.start) {
    throw std::runtime_error(
        fmt::format("the storm of {} updates was not acknowledged within {} s "
                    "(acknowledged: {})",
                    storm, storm_limit.count(), master.acknowledged));
  }
  return std::chrono::duration<double>(*master.end - *master.start).count();
}

}  // namespace iof::bench
