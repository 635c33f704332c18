#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "iof/wire/error.hpp"

// A small HTTP/1.1 server for the master emulator and the framework's own endpoints. Handlers
// run on the server's executor, one request at a time per connection, and never block.
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

// What an https server presents, as PEM files.
struct TlsServerFiles {
  std::string certificate_chain_file;  // the server's certificate first, then intermediates
  std::string private_key_file;        // unencrypted
};

class Server {
 public:
  Server(boost::asio::any_io_executor executor, Handler handler);
  // Stops; from then on no handler or callback of this server runs.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting; port 0 picks a free port. The error names the address. With
  // `tls`, it serves HTTPS only (TLS 1.2 or later); a file that cannot be loaded, or a key that
  // does not match the certificate, is an error naming the file. Everything else, streams
  // included, works the same over TLS.
  wire::Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint,
                            std::optional<TlsServerFiles> tls = std::nullopt);
  unsigned short port() const;
  // Stops accepting and closes every connection, open streams included.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace iof::http
