#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include "iof/http/server.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using iof::http::Header;
using iof::http::Reply;
using iof::http::Request;
using iof::http::Response;
using iof::http::Server;
using iof::http::StreamResponse;
using iof::http::StreamSink;
using namespace std::chrono_literals;

namespace {

const auto loopback = asio::ip::make_address_v4("127.0.0.1");

// Runs the io_context until `done` holds; false if `limit` passed first. Never sleeps blindly:
// it returns as soon as the condition holds.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return false;
    if (io.stopped())
      io.restart();
    io.run_one_for(deadline - now);
  }
  return true;
}

// Runs whatever is ready now, without waiting for more.
void settle(asio::io_context& io) {
  io.restart();
  io.poll();
}

// A raw TCP client: blocking connect and writes (loopback buffers take them at once), and an
// asynchronous read loop that collects every byte on the io_context the server runs on.
class Client {
 public:
  Client(asio::io_context& io, unsigned short port)
      : socket_(io), inbox_(std::make_shared<Inbox>()) {
    socket_.connect({loopback, port});
    read_more();
  }
  ~Client() {
    inbox_->alive = false;
    boost::system::error_code ec;
    socket_.close(ec);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }
  // For writes too big for the socket buffers while the server is not reading.
  void send_async(std::string bytes) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(socket_, asio::buffer(*data),
                      [data](boost::system::error_code, std::size_t) {});
  }
  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  // Sends RST instead of FIN.
  void reset() {
    socket_.set_option(asio::socket_base::linger(true, 0));
    socket_.close();
  }
  const std::string& received() const { return inbox_->bytes; }
  bool eof() const { return inbox_->eof; }
  unsigned short local_port() const { return socket_.local_endpoint().port(); }

 private:
  struct Inbox {
    std::string bytes;
    bool eof = false;
    bool alive = true;
    std::array<char, 4096> chunk{};
  };

  void read_more() {
    auto inbox = inbox_;
    socket_.async_read_some(asio::buffer(inbox->chunk),
                            [this, inbox](boost::system::error_code ec, std::size_t n) {
                              inbox->bytes.append(inbox->chunk.data(), n);
                              if (ec)
                                inbox->eof = true;
                              else if (inbox->alive)
                                read_more();
                            });
  }

  tcp::socket socket_;
  std::shared_ptr<Inbox> inbox_;
};

struct Parsed {
  std::string status_line;
  std::vector<Header> headers;
  std::string body;
  std::size_t size = 0;  // bytes of the whole response

  std::optional<std::string> header(const std::string& name) const {
    for (const auto& h : headers)
      if (h.name == name)
        return h.value;
    return std::nullopt;
  }
  std::vector<std::string> header_names() const {
    std::vector<std::string> names;
    for (const auto& h : headers)
      names.push_back(h.name);
    return names;
  }
};

// The head of a response, once it has fully arrived.
std::optional<Parsed> parse_head(std::string_view bytes) {
  auto end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos)
    return std::nullopt;
  Parsed parsed;
  auto line_end = bytes.find("\r\n");
  parsed.status_line = std::string(bytes.substr(0, line_end));
  for (auto at = line_end + 2; at < end + 2;) {
    auto next = bytes.find("\r\n", at);
    auto line = bytes.substr(at, next - at);
    auto colon = line.find(": ");
    parsed.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 2))});
    at = next + 2;
  }
  parsed.size = end + 4;
  return parsed;
}

// A whole Content-Length response, once it has fully arrived.
std::optional<Parsed> parse_response(std::string_view bytes) {
  auto parsed = parse_head(bytes);
  if (!parsed)
    return std::nullopt;
  auto length = std::stoul(parsed->header("Content-Length").value());
  if (bytes.size() < parsed->size + length)
    return std::nullopt;
  parsed->body = std::string(bytes.substr(parsed->size, length));
  parsed->size += length;
  return parsed;
}

// Every complete response in `bytes`, in order.
std::vector<Parsed> parse_responses(std::string_view bytes) {
  std::vector<Parsed> all;
  while (auto parsed = parse_response(bytes)) {
    bytes.remove_prefix(parsed->size);
    all.push_back(std::move(*parsed));
  }
  return all;
}

// RFC 7231 IMF-fixdate, e.g. "Tue, 24 Nov 2026 15:17:22 GMT". (std::regex trips a gcc 12
// -Wmaybe-uninitialized false positive under ASan.)
bool is_imf_fixdate(std::string_view date) {
  static const std::string_view days = "Mon Tue Wed Thu Fri Sat Sun";
  static const std::string_view months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
  const std::string_view shape = "xxx, 00 xxx 0000 00:00:00 GMT";  // x: checked below
  if (date.size() != shape.size())
    return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    bool digit = date[i] >= '0' && date[i] <= '9';
    if (shape[i] == '0' ? !digit : shape[i] != 'x' && date[i] != shape[i])
      return false;
  }
  auto listed = [](std::string_view list, std::string_view name) {
    return list.find(name) != std::string_view::npos && name.find(' ') == std::string_view::npos;
  };
  return listed(days, date.substr(0, 3)) && listed(months, date.substr(8, 3));
}

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

// A server on an ephemeral port with a handler that covers every case below.
struct Fixture {
  Fixture() {
    server.emplace(io.get_executor(), [this](const Request& request) { return handle(request); });
    auto listening = server->listen({loopback, 0});
    REQUIRE(listening);
    REQUIRE(server->port() != 0);
  }

  Reply handle(const Request& request) {
    requests.push_back(request);
    auto path = request.path();
    if (path == "/hello")
      return Response{200,
                      {{"X-First", "1"}, {"Content-Type", "text/plain"}, {"X-Last", "z"}},
                      "hello " + request.body};
    if (path == "/accepted")
      return Response{202, {}, ""};
    if (path == "/throw")
      throw std::runtime_error("boom");
    if (path == "/stream") {
      StreamResponse stream;
      stream.headers = {{"Mesos-Stream-Id", "abc"}, {"Content-Type", "application/json"}};
      stream.initial_chunks = {"first", "", "second"};
      stream.on_open = [this](std::shared_ptr<StreamSink> s) { sink = std::move(s); };
      stream.on_closed = [this] { ++closed; };
      return stream;
    }
    return Response{200, {}, request.target};
  }

  asio::io_context io;
  std::vector<Request> requests;
  std::shared_ptr<StreamSink> sink;
  int closed = 0;
  std::optional<Server> server;
};

const std::string stream_head_end = "\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n";

// Opens a stream and waits for its head and initial chunks.
void open_stream(Fixture& f, Client& client) {
  client.send("POST /stream HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(run_until(f.io, [&] { return f.sink && client.received().ends_with(stream_head_end); }));
}

}  // namespace

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
