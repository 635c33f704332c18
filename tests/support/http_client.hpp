#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mesos/v1/scheduler/scheduler.pb.h"

// A deliberately plain HTTP/1.1 client on POSIX sockets, for tests that talk to a server in
// another process: every read has a deadline, so a misbehaving server fails a test instead of
// hanging it.
namespace iof::test {

struct HttpResponse {
  std::string status_line;  // "HTTP/1.1 200 OK"
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in order
  std::string body;                                          // de-chunked

  std::optional<std::string> header(std::string_view name) const;
  std::vector<std::string> header_names() const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A response's status line and headers ("HTTP/1.1 200 OK\r\nName: value..." without the
// blank line that ends them).
HttpResponse parse_response_head(std::string_view head);

// One request on a fresh connection; throws on a connection error or after `timeout`.
HttpResponse request(unsigned short port, const HttpRequest& request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

// HTTP/1.1 pipelining: every request written in one write on one fresh connection, then their
// responses read in order; throws on a connection error or after `timeout`.
std::vector<HttpResponse> pipelined(unsigned short port, const std::vector<HttpRequest>& requests,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A SUBSCRIBE stream: the response head, then events read one at a time.
class EventStream {
 public:
  // Sends the request and reads the response head. A non-chunked reply (an error) is read whole.
  EventStream(unsigned short port, const HttpRequest& request, bool protobuf = false);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  const HttpResponse& head() const { return head_; }
  // The next event, or nothing when the stream ended or `timeout` passed first.
  std::optional<mesos::v1::scheduler::Event> next(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next event of this type, skipping others (HEARTBEATs, OFFERS...).
  std::optional<mesos::v1::scheduler::Event> next_of(
      mesos::v1::scheduler::Event::Type type,
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The raw bytes of each RecordIO record so far, for byte-level comparisons.
  const std::vector<std::string>& records() const { return records_; }
  // True once the server ended the body (last chunk) or closed the connection.
  bool ended() const { return ended_; }
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> next_record(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool protobuf_ = false;
  HttpResponse head_;
  std::string raw_;      // undecoded bytes after the head
  std::string payload_;  // de-chunked bytes not yet split into records
  bool ended_ = false;
  std::vector<std::string> records_;
};

}  // namespace iof::test
