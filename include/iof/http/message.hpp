#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The HTTP messages a handler sees and answers with, as plain values: no sockets and no Asio, so
// that mesos-sim's service layer and the simulation build on them without the server. The server
// (server.hpp) reads requests into them and writes replies out of them.
namespace iof::http {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // path and query as sent, e.g. "/metrics/snapshot?timeout=5secs"
  std::vector<Header> headers;
  std::string body;
  std::string remote;  // "127.0.0.1:54321"

  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', empty if none
  // First header with this name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  // The server adds Date first and Content-Length last, or where `headers` names Content-Length
  // (its value there is replaced by the real length): a real master sends Content-Length before
  // Content-Type on JSON bodies and after it on error texts.
  std::vector<Header> headers;
  std::string body;
};

// The write side of an open-ended chunked response (a Mesos SUBSCRIBE event stream). Call it only
// on the server's executor. It may outlive its connection, the Server and the io_context: every
// call is then a no-op.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues one chunk; chunks go out in order. Ignored once the stream is closed.
  virtual void send(std::string chunk) = 0;
  // Ends the body with the last chunk once queued chunks are written, then closes.
  virtual void close() = 0;
  // Fault injection: stop writing queued and future chunks while keeping the connection open,
  // the way a partitioned master looks to a client.
  virtual void stall() = 0;
  // True once close() was called or the stream ended; send() is ignored from then on.
  virtual bool closed() const = 0;
};

struct StreamResponse {
  unsigned status = 200;
  // Sent after Date and Transfer-Encoding: chunked, the order of a real master's event stream.
  std::vector<Header> headers;
  // Written right after the headers, before on_open runs.
  std::vector<std::string> initial_chunks;
  // Runs once the response has started, with the sink for later chunks.
  std::function<void(std::shared_ptr<StreamSink>)> on_open;
  // Runs exactly once, on the executor, when the stream ends for any reason: close(), peer gone,
  // write error, server stop; also when the headers could not be sent and on_open never ran.
  // Not run once the Server is destroyed (its owner is gone too).
  std::function<void()> on_closed;
};

using Reply = std::variant<Response, StreamResponse>;
using Handler = std::function<Reply(const Request&)>;

}  // namespace iof::http
