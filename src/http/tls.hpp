#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "iof/common/result.hpp"
#include "iof/http/client.hpp"
#include "iof/http/server.hpp"

// TLS for the client and the server: OpenSSL contexts built from the user's files, and OpenSSL's
// failures put into words. Only the .cpp files of this library include it: the public headers
// stay free of OpenSSL.
namespace iof::http::detail {

// TLS 1.2 or later, the user's CA file or OpenSSL's default CA paths, and peer verification
// unless switched off. `peer` ("host:port") only words the errors.
Result<std::unique_ptr<boost::asio::ssl::context>> client_tls_context(const TlsOptions& options,
                                                                      const std::string& peer);

// Per connection: SNI for a DNS name (RFC 6066 has none for addresses) and, when verifying, the
// name or address the certificate must carry. OpenSSL then reports a mismatch as its own verify
// error ("hostname mismatch"), which a verify callback could not.
Result<void> prepare_client_tls(SSL* ssl, const std::string& host, bool verify);

// TLS 1.2 or later with this certificate chain and key. Errors name the file at fault.
Result<std::unique_ptr<boost::asio::ssl::context>> server_tls_context(const TlsServerFiles& files);

// OpenSSL's reason for a failed handshake, with the certificate check's own reason when that was
// the cause: "certificate verify failed (unable to get local issuer certificate)".
std::string handshake_failure(const boost::system::error_code& ec, SSL* ssl);

// The text of an error: OpenSSL's reason without its library tag, anything else as usual.
std::string describe(const boost::system::error_code& ec);

}  // namespace iof::http::detail
