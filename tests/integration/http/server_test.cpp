// The server as a whole: listening, stopping with streams open, and being destroyed while its
// coroutines unwind.
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "server_harness.hpp"

namespace iof::http::test {
namespace {

TEST_CASE("stop ends open streams and idle connections and the server can then go") {
  Fixture f;
  Client streaming(f.io, f.server->port());
  open_stream(f, streaming);
  Client idle(f.io, f.server->port());
  idle.send(get("/idle"));
  REQUIRE(run_until(f.io, [&] { return parse_response(idle.received()).has_value(); }));
  auto port = f.server->port();

  f.server->stop();
  REQUIRE(run_until(f.io, [&] { return streaming.eof() && idle.eof() && f.closed == 1; }));
  CHECK(f.sink->closed());
  CHECK_FALSE(streaming.received().ends_with("0\r\n\r\n"));
  tcp::socket late(f.io);
  boost::system::error_code refused;
  late.connect({loopback, port}, refused);
  CHECK(refused);

  f.server.reset();
  f.io.restart();
  f.io.run_for(10s);
  CHECK(f.io.stopped());  // ran out of work rather than time
  CHECK(f.closed == 1);
}

TEST_CASE("destroying the server mid-stream is clean and runs no callback afterwards") {
  std::shared_ptr<StreamSink> kept;
  {
    Fixture f;
    Client streaming(f.io, f.server->port());
    open_stream(f, streaming);
    Client idle(f.io, f.server->port());
    idle.send(get("/idle"));
    REQUIRE(run_until(f.io, [&] { return parse_response(idle.received()).has_value(); }));
    kept = f.sink;

    // The owner of on_closed goes with the server, so on_closed must not run after it.
    f.server.reset();
    kept->send("after the server");
    REQUIRE(run_until(f.io, [&] { return streaming.eof() && idle.eof(); }));
    f.io.restart();
    f.io.run_for(10s);
    CHECK(f.io.stopped());
    CHECK(f.closed == 0);
    CHECK(kept->closed());
  }
  // The io_context is gone too; the sink must still be harmless.
  kept->send("after the io_context");
  kept->stall();
  kept->close();
  CHECK(kept->closed());
}

TEST_CASE("a server destroyed before its io_context ever runs again leaves nothing dangling") {
  std::shared_ptr<StreamSink> kept;
  {
    Fixture f;
    Client streaming(f.io, f.server->port());
    open_stream(f, streaming);
    kept = f.sink;
    Client pending(f.io, f.server->port());
    pending.send("GET /half HTTP/1.1\r\n");
    f.server.reset();
  }  // the io_context destroys the suspended coroutines here
  CHECK(kept->closed());
}

TEST_CASE("listen reports the address it could not use") {
  Fixture f;
  asio::io_context io;
  Server second(io.get_executor(), [](const Request&) -> Reply { return Response{}; });
  auto port = f.server->port();
  auto in_use = second.listen({loopback, port});
  REQUIRE_FALSE(in_use);
  CHECK(in_use.error().message ==
        "cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  CHECK(second.port() == 0);

  // 192.0.2.1 is TEST-NET-1: never an address of this machine.
  auto foreign = second.listen({asio::ip::make_address_v4("192.0.2.1"), 0});
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error().message == "cannot listen on 192.0.2.1:0: Cannot assign requested address");

  auto again = f.server->listen({loopback, 0});
  REQUIRE_FALSE(again);
  CHECK(again.error().message == "cannot listen on 127.0.0.1:0: the server is already listening");
}

}  // namespace
}  // namespace iof::http::test
