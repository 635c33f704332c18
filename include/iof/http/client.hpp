#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "iof/common/result.hpp"
#include "iof/http/message.hpp"

// An HTTP/1.1 client connection on Asio coroutines, for talking to a Mesos master: keep-alive
// request/response for calls, and an open-ended response read piece by piece for the SUBSCRIBE
// event stream. Requests may be pipelined (HTTP/1.1): written back to back by one coroutine while
// another reads the responses, which come in the order the requests were written. Plain HTTP or
// HTTPS (OpenSSL), chosen per connect().
namespace iof::http {

// How to reach an https:// master.
struct TlsOptions {
  // Check the certificate chain against the trusted CAs, and that the certificate names the host
  // connected to (its DNS name, or its IP address when the host is one). Switch off only when
  // the user asks to.
  bool verify = true;
  // PEM file of the CA certificates to trust. Without it, OpenSSL's default CA paths, which the
  // SSL_CERT_FILE and SSL_CERT_DIR environment variables override (a static binary in a bare
  // container finds no CA bundle otherwise).
  std::optional<std::string> ca_file;
};

struct ClientRequest {
  std::string method = "POST";
  std::string target;
  std::vector<Header> headers;  // Host and Content-Length are added
  std::string body;
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<Header> headers;
  std::string body;  // empty for a stream until read

  std::optional<std::string_view> header(std::string_view name) const;
};

class ClientConnection {
 public:
  explicit ClientConnection(boost::asio::any_io_executor executor);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Resolves and connects; the error names the address. With `tls`, the TLS handshake (TLS 1.2
  // or later, SNI for a DNS name) runs within the same timeout, and its failure gives OpenSSL's
  // reason: "TLS handshake with 127.0.0.1:5050 failed: certificate verify failed (...)". The
  // other calls then work the same over TLS.
  boost::asio::awaitable<Result<void>> connect(std::string host, std::string port,
                                               std::chrono::milliseconds timeout,
                                               std::optional<TlsOptions> tls = std::nullopt);
  // One request and its whole response.
  boost::asio::awaitable<Result<ClientResponse>> request(ClientRequest request,
                                                         std::chrono::milliseconds timeout);
  // Pipelining: write_request() sends a request without waiting for its response, and
  // read_response() reads the next response, in the order the requests were written. One of each
  // may be pending at once; each has its own deadline. A failure of either closes the connection,
  // and the other then fails too: every request written and not answered is lost.
  boost::asio::awaitable<Result<void>> write_request(ClientRequest request,
                                                     std::chrono::milliseconds timeout);
  boost::asio::awaitable<Result<ClientResponse>> read_response(std::chrono::milliseconds timeout);
  // Sends the request and reads the response head; read_some() then yields the body.
  boost::asio::awaitable<Result<ClientResponse>> open_stream(ClientRequest request,
                                                             std::chrono::milliseconds timeout);
  // The next bytes of the streamed body, de-chunked; an empty string at its end. With a timeout,
  // fails when nothing arrives in time.
  boost::asio::awaitable<Result<std::string>> read_some(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  bool is_open() const;
  void close();

 private:
  // Reads the next response under the deadline already armed.
  boost::asio::awaitable<Result<ClientResponse>> receive();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iof::http
