// The client side of HTTP/1.1 on Beast, over TCP or TLS. Like server.cpp, this is one of the few
// translation units that include Beast.
#include "iof/http/client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "tls.hpp"
#include "tls_stream.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

std::optional<std::string_view> ClientResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (beast::iequals(h.name, name)) {
      return h.value;
    }
  }
  return std::nullopt;
}

struct ClientConnection::Impl {
  explicit Impl(asio::any_io_executor executor) : tcp(executor), stream(tcp) {}

  // The TCP connection and its deadlines; `stream` reads and writes through TLS when it is on.
  beast::tcp_stream tcp;
  std::unique_ptr<asio::ssl::context> tls_context;
  detail::MaybeTlsStream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::string host;
  // The response being streamed, if any. Shared with the read in flight: close() may run while a
  // read is pending (a stop, a dropped leader), and the read's completion still uses its parser.
  using StreamParser = beast::http::response_parser<beast::http::buffer_body>;
  std::shared_ptr<StreamParser> parser;
  bool open = false;

  beast::http::request<beast::http::string_body> build(const ClientRequest& request) const {
    beast::http::request<beast::http::string_body> out;
    out.method_string(request.method);
    out.target(request.target);
    out.version(11);
    out.set(beast::http::field::host, host);
    for (const auto& h : request.headers) {
      out.set(h.name, h.value);
    }
    out.body() = request.body;
    out.prepare_payload();
    return out;
  }

  // Writes a request with the whole exchange's deadline armed.
  asio::awaitable<boost::system::error_code> send(const ClientRequest& request,
                                                  std::chrono::milliseconds timeout) {
    boost::system::error_code ec;
    tcp.expires_after(timeout);
    auto message = build(request);
    co_await beast::http::async_write(stream, message,
                                      asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

  template <typename Fields>
  static std::vector<Header> headers_of(const Fields& fields) {
    std::vector<Header> out;
    for (const auto& field : fields) {
      out.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    return out;
  }

  Error fail(const std::string& what, const boost::system::error_code& ec) {
    open = false;
    boost::system::error_code ignored;
    tcp.socket().close(ignored);
    return Error{what + " " + host + ": " + detail::describe(ec)};
  }
};

ClientConnection::ClientConnection(asio::any_io_executor executor)
    : impl_(std::make_unique<Impl>(std::move(executor))) {}

ClientConnection::~ClientConnection() = default;

bool ClientConnection::is_open() const {
  return impl_->open;
}

void ClientConnection::close() {
  impl_->open = false;
  impl_->parser.reset();
  boost::system::error_code ignored;
  // No TLS close_notify: the connection is dropped either way and every body is framed, so
  // the server loses nothing by not getting it.
  impl_->tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->tcp.socket().close(ignored);
}

asio::awaitable<Result<void>> ClientConnection::connect(std::string host, std::string port,
                                                        std::chrono::milliseconds timeout,
                                                        std::optional<TlsOptions> tls) {
  Impl& s = *impl_;
  close();
  s.host = host + ":" + port;
  s.buffer.clear();
  s.stream.disable_tls();
  s.tls_context.reset();
  if (tls) {
    auto context = detail::client_tls_context(*tls, s.host);
    if (!context) {
      co_return context.error();
    }
    s.tls_context = std::move(*context);
  }
  boost::system::error_code ec;
  s.tcp.expires_after(timeout);
  // An address needs no resolver: a static binary then never reaches glibc's NSS modules.
  const auto address = asio::ip::make_address(host, ec);
  unsigned short number = 0;
  const bool numeric_port = !port.empty() && port.size() <= 5 &&
                            port.find_first_not_of("0123456789") == std::string::npos &&
                            std::stoul(port) <= 65535;
  if (!ec && numeric_port) {
    number = static_cast<unsigned short>(std::stoul(port));
    co_await s.tcp.async_connect(tcp::endpoint(address, number),
                                 asio::redirect_error(asio::use_awaitable, ec));
  } else {
    ec = {};
    tcp::resolver resolver(s.tcp.get_executor());
    auto endpoints =
        co_await resolver.async_resolve(host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return s.fail("Failed to resolve", ec);
    }
    co_await s.tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    co_return s.fail("Failed to connect to", ec);
  }
  if (tls) {
    auto& session = s.stream.enable_tls(*s.tls_context);
    if (auto prepared = detail::prepare_client_tls(session.native_handle(), host, tls->verify);
        !prepared) {
      close();
      co_return prepared.error();
    }
    // Still under the connect deadline.
    co_await session.async_handshake(asio::ssl::stream_base::client,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      auto reason = detail::handshake_failure(ec, session.native_handle());
      close();
      co_return Error{"TLS handshake with " + s.host + " failed: " + reason};
    }
  }
  s.open = true;
  co_return Result<void>();
}

asio::awaitable<Result<ClientResponse>> ClientConnection::request(
    ClientRequest request, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  boost::system::error_code ec = co_await s.send(request, timeout);
  if (ec) {
    co_return s.fail("Failed to send to", ec);
  }
  co_return co_await receive();  // within the same deadline
}

asio::awaitable<Result<void>> ClientConnection::write_request(ClientRequest request,
                                                              std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  // With a read pending, this arms the write's deadline only (beast keeps one per direction).
  boost::system::error_code ec = co_await s.send(request, timeout);
  if (ec) {
    co_return s.fail("Failed to send to", ec);
  }
  co_return Result<void>();
}

asio::awaitable<Result<ClientResponse>> ClientConnection::read_response(
    std::chrono::milliseconds timeout) {
  // With a write pending, this arms the read's deadline only.
  impl_->tcp.expires_after(timeout);
  co_return co_await receive();
}

asio::awaitable<Result<ClientResponse>> ClientConnection::receive() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  // A parser per response; the buffer keeps the bytes of the responses after it.
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  co_await beast::http::async_read(s.stream, s.buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && s.stream.truncated()) {
    // The body ran to a TLS close without close_notify: it may have been cut short.
    ec = asio::ssl::error::stream_truncated;
  }
  if (ec) {
    co_return s.fail("Failed to read a response from", ec);
  }
  auto& response = parser.get();
  ClientResponse out;
  out.status = response.result_int();
  out.headers = Impl::headers_of(response);
  out.body = std::move(response.body());
  if (!response.keep_alive()) {
    close();
  }
  co_return out;
}

asio::awaitable<Result<ClientResponse>> ClientConnection::open_stream(
    ClientRequest request, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  boost::system::error_code ec = co_await s.send(request, timeout);
  if (ec) {
    co_return s.fail("Failed to send to", ec);
  }
  const auto parser = std::make_shared<Impl::StreamParser>();
  parser->body_limit(boost::none);  // an event stream has no end
  s.parser = parser;
  co_await beast::http::async_read_header(s.stream, s.buffer, *parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && s.parser != parser) {
    ec = asio::error::operation_aborted;  // closed while the head was on its way
  }
  if (ec) {
    co_return s.fail("Failed to read a response from", ec);
  }
  s.tcp.expires_never();
  ClientResponse out;
  out.status = parser->get().result_int();
  out.headers = Impl::headers_of(parser->get());
  co_return out;
}

asio::awaitable<Result<std::string>> ClientConnection::read_some(
    std::optional<std::chrono::milliseconds> timeout) {
  Impl& s = *impl_;
  // Held for the whole read: close() drops the connection's reference, not this one.
  const auto parser = s.parser;
  if (!parser) {
    co_return Error{"No response is being streamed from " + s.host};
  }
  if (parser->is_done()) {
    co_return Result<std::string>(boost::system::in_place_value, std::string());
  }
  if (timeout) {
    s.tcp.expires_after(*timeout);
  } else {
    s.tcp.expires_never();
  }
  std::string out(64 * 1024, '\0');
  auto& body = parser->get().body();
  // A read may consume only framing (a chunk header); keep reading until there are bytes.
  std::size_t produced = 0;
  while (produced == 0 && !parser->is_done()) {
    body.data = out.data();
    body.size = out.size();
    boost::system::error_code ec;
    co_await beast::http::async_read_some(s.stream, s.buffer, *parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && s.parser != parser) {
      ec = asio::error::operation_aborted;  // closed (or reopened) while the read was pending
    }
    if (ec == beast::http::error::need_buffer) {
      ec = {};
    }
    if (!ec && s.stream.truncated()) {
      ec = asio::ssl::error::stream_truncated;  // as in request()
    }
    if (ec) {
      co_return s.fail("Lost the stream from", ec);
    }
    produced = out.size() - body.size;
  }
  out.resize(produced);
  co_return Result<std::string>(boost::system::in_place_value, std::move(out));
}

}  // namespace iof::http
