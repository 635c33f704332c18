#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace iof::http::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

namespace {

std::unique_ptr<ssl::context> new_context(ssl::context::method method) {
  auto context = std::make_unique<ssl::context>(method);
  // SSL 3.0, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  return context;
}

// Asio keeps OpenSSL's packed error code in an int.
unsigned long openssl_code(const boost::system::error_code& ec) {
  return static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
}

}  // namespace

std::string describe(const boost::system::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    // Asio appends the library name ("(SSL routines)"), which tells a user nothing.
    if (const char* reason = ERR_reason_error_string(openssl_code(ec)))
      return reason;
  }
  return ec.message();
}

Result<std::unique_ptr<ssl::context>> client_tls_context(const TlsOptions& options,
                                                         const std::string& peer) {
  auto context = new_context(ssl::context::tls_client);
  boost::system::error_code ec;
  if (options.ca_file) {
    // Loaded even without verification: a CA file that is not there is a mistake worth reporting.
    context->load_verify_file(*options.ca_file, ec);
    if (ec)
      return Error{"Failed to load the TLS CA file '" + *options.ca_file + "' for " + peer + ": " +
                   describe(ec)};
  } else if (options.verify) {
    context->set_default_verify_paths(ec);
    if (ec)
      return Error{"Failed to load the default TLS CA paths for " + peer + ": " + describe(ec)};
  }
  context->set_verify_mode(options.verify ? ssl::verify_peer : ssl::verify_none);
  return context;
}

Result<void> prepare_client_tls(SSL* ssl, const std::string& host, bool verify) {
  boost::system::error_code not_address;
  asio::ip::make_address(host, not_address);
  const bool is_address = !not_address;
  // SSL_set_tlsext_host_name() without its C cast, which -Wold-style-cast rejects.
  if (!is_address && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                              const_cast<char*>(host.c_str())) != 1)
    return Error{"Cannot use '" + host + "' as a TLS server name"};
  if (!verify)
    return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  const int set = is_address ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (set != 1)
    return Error{"Cannot verify a TLS certificate for '" + host + "'"};
  return {};
}

Result<std::unique_ptr<ssl::context>> server_tls_context(const TlsServerFiles& files) {
  auto context = new_context(ssl::context::tls_server);
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.certificate_chain_file, ec);
  if (ec)
    return Error{"cannot load the TLS certificate chain '" + files.certificate_chain_file +
                 "': " + describe(ec)};
  context->use_private_key_file(files.private_key_file, ssl::context::pem, ec);
  // OpenSSL checks the key against the certificate loaded first; its "key values mismatch"
  // does not say which files disagree.
  if (ec && ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_LIB(openssl_code(ec)) == ERR_LIB_X509 &&
      ERR_GET_REASON(openssl_code(ec)) == X509_R_KEY_VALUES_MISMATCH)
    return Error{"the TLS private key '" + files.private_key_file +
                 "' does not belong to the certificate in '" + files.certificate_chain_file + "'"};
  if (ec)
    return Error{"cannot load the TLS private key '" + files.private_key_file +
                 "': " + describe(ec)};
  return context;
}

std::string handshake_failure(const boost::system::error_code& ec, SSL* ssl) {
  std::string text = describe(ec);
  const bool verify_failed = ec.category() == asio::error::get_ssl_category() &&
                             ERR_GET_REASON(openssl_code(ec)) == SSL_R_CERTIFICATE_VERIFY_FAILED;
  const long verified = SSL_get_verify_result(ssl);
  if (verify_failed && verified != X509_V_OK)
    text += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
  return text;
}

}  // namespace iof::http::detail
