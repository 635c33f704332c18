#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "iof/common/result.hpp"
#include "iof/http/message.hpp"

// A small HTTP/1.1 server for the master emulator and the framework's own endpoints. Handlers
// run on the server's executor, one request at a time per connection, and never block.
namespace iof::http {

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
  Result<void> listen(const boost::asio::ip::tcp::endpoint& endpoint,
                      std::optional<TlsServerFiles> tls = std::nullopt);
  unsigned short port() const;
  // Stops accepting and closes every connection, open streams included.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace iof::http
