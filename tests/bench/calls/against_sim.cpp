// calls_bench's first measurement: DECLINE calls to the mesos-sim binary over one connection,
// through the framework's HTTP client, up to a window of them ahead of their answers.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "iof/http/client.hpp"
#include "iof/wire/json.hpp"

#include "bench.hpp"
#include "delay_proxy.hpp"
#include "http_client.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "sim_process.hpp"

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

// Sends `calls` requests, keeping up to `window` written ahead of the answers read; throws on
// anything but a 202. Returns the seconds from the first write to the last answer.
asio::awaitable<double> send_all(unsigned short port, http::ClientRequest request,
                                 std::size_t calls, std::size_t window) {
  http::ClientConnection connection(co_await asio::this_coro::executor);
  if (auto connected = co_await connection.connect("127.0.0.1", std::to_string(port), 5s);
      !connected) {
    throw std::runtime_error(connected.error().message);
  }
  const auto start = Clock::now();
  std::size_t sent = 0;
  std::size_t answered = 0;
  while (answered < calls) {
    while (sent < calls && sent - answered < window) {
      if (auto written = co_await connection.write_request(request, 30s); !written) {
        throw std::runtime_error(written.error().message);
      }
      ++sent;
    }
    auto response = co_await connection.read_response(30s);
    if (!response) {
      throw std::runtime_error(response.error().message);
    }
    if (response->status != 202) {
      throw std::runtime_error(
          fmt::format("mesos-sim answered {}: {}", response->status, response->body));
    }
    ++answered;
  }
  co_return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

double calls_per_second(std::size_t calls, std::size_t window, std::chrono::microseconds rtt) {
  test::SimProcess sim({"--agents=1"});
  Call subscribe;
  subscribe.set_type(Call::SUBSCRIBE);
  auto* info = subscribe.mutable_subscribe()->mutable_framework_info();
  info->set_user("root");
  info->set_name("calls_bench");
  test::EventStream stream(sim.port(), {"POST",
                                        "/api/v1/scheduler",
                                        {{"Content-Type", "application/json"}},
                                        wire::json::write(subscribe)});
  const auto subscribed = stream.next();
  const auto stream_id = stream.head().header("Mesos-Stream-Id");
  if (!subscribed || subscribed->type() != Event::SUBSCRIBED || !stream_id) {
    throw std::runtime_error("mesos-sim did not subscribe the benchmark's framework");
  }

  Call decline;
  decline.set_type(Call::DECLINE);
  *decline.mutable_framework_id() = subscribed->subscribed().framework_id();
  decline.mutable_decline()->add_offer_ids()->set_value("calls-bench-no-such-offer");
  http::ClientRequest request;
  request.target = "/api/v1/scheduler";
  request.headers = {{"Content-Type", "application/x-protobuf"},
                     {"Accept", "application/x-protobuf"},
                     {"Mesos-Stream-Id", *stream_id}};
  request.body = decline.SerializeAsString();

  asio::io_context io;
  std::optional<DelayProxy> proxy;
  if (rtt.count() > 0) {
    proxy.emplace(io, sim.port(), rtt / 2);
  }
  const unsigned short port = proxy ? proxy->port() : sim.port();
  double seconds = 0;
  asio::co_spawn(io, send_all(port, std::move(request), calls, window),
                 [&seconds, &proxy](std::exception_ptr failure, double measured) {
                   proxy.reset();  // nothing more to accept: io.run() returns once all is closed
                   if (failure) {
                     std::rethrow_exception(failure);
                   }
                   seconds = measured;
                 });
  io.run();
  sim.stop();
  return static_cast<double>(calls) / seconds;
}

}  // namespace iof::bench
