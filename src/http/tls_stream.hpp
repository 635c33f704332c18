#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/system/error_code.hpp>

namespace iof::http::detail {

// Either TLS over NextLayer, once enable_tls() was called, or NextLayer itself. The choice is
// made at run time, so the HTTP code above it is written and compiled once for both.
//
// Asio's own TLS stream, not Beast's ssl_stream: Asio now packs up to 8 KiB of a gathered write
// into one record itself, which is all Beast's flat_stream wrapper was for, and with Boost 1.81
// that wrapper ends asio::async_write of {93 bytes, 40 KB} after the 93 bytes, reporting
// success (reproduced without this project's code).
template <typename NextLayer>
class MaybeTlsStream {
 public:
  using executor_type = typename NextLayer::executor_type;
  using Tls = boost::asio::ssl::stream<NextLayer&>;

  explicit MaybeTlsStream(NextLayer& next) : next_(next) {}

  executor_type get_executor() { return next_.get_executor(); }
  Tls* tls() { return tls_ ? &*tls_ : nullptr; }
  Tls& enable_tls(boost::asio::ssl::context& context) {
    truncated_ = false;
    return tls_.emplace(next_, context);
  }
  void disable_tls() {
    truncated_ = false;
    tls_.reset();
  }
  // True once the TLS peer closed the connection without close_notify.
  bool truncated() const { return truncated_; }

  // Over TLS, a peer that closes without close_notify reads as the end of file a plain peer
  // gives, so that the HTTP parser ends or rejects the message exactly as it would without TLS.
  // That is safe for framed bodies only; truncated() lets a caller reject the others.
  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        [this, buffers, started = false](auto& self, boost::system::error_code ec = {},
                                         std::size_t n = 0) mutable {
          if (!started) {
            started = true;
            if (tls_)
              tls_->async_read_some(buffers, std::move(self));
            else
              next_.async_read_some(buffers, std::move(self));
            return;
          }
          if (ec == boost::asio::ssl::error::stream_truncated) {
            truncated_ = true;
            ec = boost::asio::error::eof;
          }
          self.complete(ec, n);
        },
        token, next_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_)
            tls_->async_write_some(b, std::move(handler));
          else
            next_.async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

 private:
  NextLayer& next_;
  std::optional<Tls> tls_;
  bool truncated_ = false;
};

}  // namespace iof::http::detail
