// Event streams: chunks in order, the peer leaving, stall, and on_closed run exactly once.
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "server_harness.hpp"

namespace iof::http::test {
namespace {

TEST_CASE(
    "a stream sends chunked headers, initial chunks, one chunk per send, then the last chunk") {
  Fixture f;
  Client client(f.io, f.server->port());
  open_stream(f, client);

  auto head = parse_head(client.received()).value();
  CHECK(head.status_line == "HTTP/1.1 200 OK");
  // The order a real Mesos master uses on its event stream (tests/golden/real-master).
  CHECK(head.header_names() ==
        std::vector<std::string>{"Date", "Transfer-Encoding", "Mesos-Stream-Id", "Content-Type"});
  CHECK(head.header("Transfer-Encoding") == "chunked");
  CHECK_FALSE(head.header("Content-Length").has_value());
  CHECK_FALSE(f.sink->closed());

  auto before = client.received().size();
  f.sink->send("a");
  f.sink->send("");  // skipped: an empty chunk would end the body
  f.sink->send(std::string(300, 'x'));
  const std::string later = "1\r\na\r\n12c\r\n" + std::string(300, 'x') + "\r\n";
  REQUIRE(run_until(f.io, [&] { return client.received().size() >= before + later.size(); }));
  CHECK(client.received().substr(before) == later);

  f.sink->send("z");
  f.sink->close();
  CHECK(f.sink->closed());
  f.sink->send("ignored");
  REQUIRE(run_until(f.io, [&] { return client.eof() && f.closed == 1; }));
  CHECK(client.received().substr(before + later.size()) == "1\r\nz\r\n0\r\n\r\n");
  f.sink->close();
  settle(f.io);
  CHECK(f.closed == 1);
}

TEST_CASE("a stream whose peer goes away ends once and its sink becomes a no-op") {
  Fixture f;
  Client client(f.io, f.server->port());
  open_stream(f, client);
  bool reset = false;
  SUBCASE("with FIN") {}
  SUBCASE("with RST") {
    reset = true;
  }
  if (reset)
    client.reset();
  else
    client.close();
  REQUIRE(run_until(f.io, [&] { return f.closed == 1; }));
  CHECK(f.sink->closed());
  f.sink->send("late");
  f.sink->stall();
  f.sink->close();
  settle(f.io);
  CHECK(f.closed == 1);
}

TEST_CASE("stall keeps the connection open but silent until close") {
  Fixture f;
  Client client(f.io, f.server->port());
  open_stream(f, client);
  f.sink->send("a");
  REQUIRE(run_until(f.io, [&] { return client.received().ends_with("1\r\na\r\n"); }));
  auto before = client.received().size();

  f.sink->send("queued");  // dropped by the stall below before it is written
  f.sink->stall();
  f.sink->send("later");
  CHECK_FALSE(f.sink->closed());
  // Nothing may arrive; the only way to show that is to wait a little.
  CHECK_FALSE(run_until(
      f.io, [&] { return client.received().size() > before || client.eof(); }, 300ms));
  CHECK(f.closed == 0);

  f.sink->close();
  REQUIRE(run_until(f.io, [&] { return client.eof() && f.closed == 1; }));
  CHECK(client.received().size() == before);  // no last chunk either
}

TEST_CASE("a stalled stream still notices its peer leaving") {
  Fixture f;
  Client client(f.io, f.server->port());
  open_stream(f, client);
  f.sink->stall();
  client.close();
  REQUIRE(run_until(f.io, [&] { return f.closed == 1; }));
  CHECK(f.sink->closed());
}

}  // namespace
}  // namespace iof::http::test
