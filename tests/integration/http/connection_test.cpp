// One connection's requests and replies: the response head in the master's header order,
// keep-alive, pipelining, closing, 100-continue, and the replies to requests that cannot be served.
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "server_harness.hpp"

namespace iof::http::test {
namespace {

TEST_CASE("a request gets status, Date, the handler's headers in order, Content-Length, body") {
  Fixture f;
  Client client(f.io, f.server->port());
  client.send(
      "POST /hello?x=1&y=2 HTTP/1.1\r\nHost: test\r\ncontent-TYPE: text/plain\r\n"
      "Content-Length: 5\r\n\r\nworld");
  REQUIRE(run_until(f.io, [&] { return parse_response(client.received()).has_value(); }));

  auto response = parse_response(client.received()).value();
  CHECK(response.status_line == "HTTP/1.1 200 OK");
  CHECK(response.header_names() ==
        std::vector<std::string>{"Date", "X-First", "Content-Type", "X-Last", "Content-Length"});
  CHECK(is_imf_fixdate(response.header("Date").value()));
  CHECK(response.header("Content-Length") == "11");
  CHECK(response.body == "hello world");
  CHECK(client.received().size() == response.size);

  REQUIRE(f.requests.size() == 1);
  const auto& request = f.requests.front();
  CHECK(request.method == "POST");
  CHECK(request.target == "/hello?x=1&y=2");
  CHECK(request.path() == "/hello");
  CHECK(request.query() == "x=1&y=2");
  CHECK(request.header("Content-Type") == "text/plain");
  CHECK(request.header("HOST") == "test");
  CHECK_FALSE(request.header("Accept").has_value());
  CHECK(request.headers.front().name == "Host");
  CHECK(request.body == "world");
  CHECK(request.remote == "127.0.0.1:" + std::to_string(client.local_port()));
}

TEST_CASE("a request without a query has an empty query and the reason phrase is standard") {
  Fixture f;
  Client client(f.io, f.server->port());
  client.send(get("/accepted"));
  REQUIRE(run_until(f.io, [&] { return parse_response(client.received()).has_value(); }));
  auto response = parse_response(client.received()).value();
  CHECK(response.status_line == "HTTP/1.1 202 Accepted");
  CHECK(response.header_names() == std::vector<std::string>{"Date", "Content-Length"});
  CHECK(response.header("Content-Length") == "0");
  CHECK(response.body.empty());
  CHECK(f.requests.at(0).query().empty());
  CHECK(f.requests.at(0).method == "GET");
}

TEST_CASE("keep-alive serves several requests on one connection") {
  Fixture f;
  Client client(f.io, f.server->port());
  client.send(get("/one"));
  REQUIRE(run_until(f.io, [&] { return parse_responses(client.received()).size() == 1; }));
  client.send(get("/two"));
  REQUIRE(run_until(f.io, [&] { return parse_responses(client.received()).size() == 2; }));
  auto responses = parse_responses(client.received());
  CHECK(responses[0].body == "/one");
  CHECK(responses[1].body == "/two");
  CHECK_FALSE(client.eof());
}

TEST_CASE("pipelined requests are answered in order") {
  Fixture f;
  Client client(f.io, f.server->port());
  client.send(get("/a") + "POST /b HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nxyz" +
              get("/c"));
  REQUIRE(run_until(f.io, [&] { return parse_responses(client.received()).size() == 3; }));
  auto responses = parse_responses(client.received());
  CHECK(responses[0].body == "/a");
  CHECK(responses[1].body == "/b");
  CHECK(responses[2].body == "/c");
  REQUIRE(f.requests.size() == 3);
  CHECK(f.requests[1].body == "xyz");
}

TEST_CASE("Connection close and HTTP 1.0 without keep-alive end the connection after the reply") {
  Fixture f;
  Client closing(f.io, f.server->port());
  closing.send(get("/bye", "Connection: close\r\n") + get("/never"));
  Client old(f.io, f.server->port());
  old.send("GET /old HTTP/1.0\r\n\r\n");
  REQUIRE(run_until(f.io, [&] { return closing.eof() && old.eof(); }));
  auto responses = parse_responses(closing.received());
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].body == "/bye");
  CHECK(closing.received().size() == responses[0].size);
  CHECK(parse_response(old.received()).value().body == "/old");
  CHECK(f.requests.size() == 2);
}

TEST_CASE("Expect 100-continue gets an interim response before the body is sent") {
  Fixture f;
  Client client(f.io, f.server->port());
  client.send(
      "POST /hello HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
  REQUIRE(run_until(f.io, [&] { return client.received() == go_on; }));
  client.send("hi");
  REQUIRE(run_until(f.io, [&] {
    return parse_response(std::string_view(client.received()).substr(go_on.size())).has_value();
  }));
  CHECK(parse_response(client.received().substr(go_on.size())).value().body == "hello hi");
}

TEST_CASE("malformed requests get 400 and the connection closes") {
  Fixture f;
  Client garbage(f.io, f.server->port());
  garbage.send(std::string("\x01\x02\x03 nonsense\r\n\r\n", 16));
  Client bad_version(f.io, f.server->port());
  bad_version.send("GET / HTTP/9\r\n\r\n");
  Client bad_length(f.io, f.server->port());
  bad_length.send("POST / HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
  for (auto* client : {&garbage, &bad_version, &bad_length}) {
    REQUIRE(run_until(f.io, [&] { return client->eof(); }));
    auto response = parse_response(client->received());
    REQUIRE(response.has_value());
    CHECK(response->status_line == "HTTP/1.1 400 Bad Request");
    CHECK(response->body.starts_with("Malformed HTTP request"));
  }
  CHECK(f.requests.empty());
}

TEST_CASE("a body over 64 MiB gets 413 and a huge header gets 431") {
  Fixture f;
  Client big_body(f.io, f.server->port());
  big_body.send("POST /hello HTTP/1.1\r\nHost: test\r\nContent-Length: 100000000\r\n\r\n");
  Client big_header(f.io, f.server->port());
  big_header.send_async("GET / HTTP/1.1\r\nX-Huge: " + std::string(1100 * 1024, 'h') + "\r\n\r\n");
  REQUIRE(run_until(f.io, [&] { return big_body.eof() && big_header.eof(); }));
  CHECK(parse_response(big_body.received()).value().status_line ==
        "HTTP/1.1 413 Payload Too Large");
  CHECK(parse_response(big_header.received()).value().status_line ==
        "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(f.requests.empty());
}

TEST_CASE("a client resetting mid-request does no harm and a handler exception becomes 500") {
  Fixture f;
  {
    Client quitter(f.io, f.server->port());
    quitter.send("POST /hello HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc");
    settle(f.io);
    quitter.reset();
  }
  Client client(f.io, f.server->port());
  client.send(get("/throw"));
  REQUIRE(run_until(f.io, [&] { return client.eof(); }));
  auto response = parse_response(client.received()).value();
  CHECK(response.status_line == "HTTP/1.1 500 Internal Server Error");
  CHECK(response.body == "Internal error: boom");

  Client after(f.io, f.server->port());
  after.send(get("/still-up"));
  REQUIRE(run_until(f.io, [&] { return parse_response(after.received()).has_value(); }));
  CHECK(parse_response(after.received()).value().body == "/still-up");
}

}  // namespace
}  // namespace iof::http::test
