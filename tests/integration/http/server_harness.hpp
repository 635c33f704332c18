#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include "iof/http/server.hpp"

// What the server tests share: a raw TCP client on loopback, a parser for what it receives, and
// a server whose handler covers every case the tests exercise.
namespace iof::http::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

inline const auto loopback = asio::ip::make_address_v4("127.0.0.1");

// Runs the io_context until `done` holds; false if `limit` passed first. Never sleeps blindly:
// it returns as soon as the condition holds.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
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
inline void settle(asio::io_context& io) {
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
inline std::optional<Parsed> parse_head(std::string_view bytes) {
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
inline std::optional<Parsed> parse_response(std::string_view bytes) {
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
inline std::vector<Parsed> parse_responses(std::string_view bytes) {
  std::vector<Parsed> all;
  while (auto parsed = parse_response(bytes)) {
    bytes.remove_prefix(parsed->size);
    all.push_back(std::move(*parsed));
  }
  return all;
}

// RFC 7231 IMF-fixdate, e.g. "Tue, 24 Nov 2026 15:17:22 GMT". (std::regex trips a gcc 12
// -Wmaybe-uninitialized false positive under ASan.)
inline bool is_imf_fixdate(std::string_view date) {
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

inline std::string get(const std::string& target, const std::string& extra_headers = "") {
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

inline const std::string stream_head_end = "\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n";

// Opens a stream and waits for its head and initial chunks.
inline void open_stream(Fixture& f, Client& client) {
  client.send("POST /stream HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(run_until(f.io, [&] { return f.sink && client.received().ends_with(stream_head_end); }));
}

}  // namespace iof::http::test
