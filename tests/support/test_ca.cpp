#include "test_ca.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

namespace iof::test {

namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* certificate) const { X509_free(certificate); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Certificate = std::unique_ptr<X509, Free>;

[[noreturn]] void fail(const std::string& what) {
  const unsigned long code = ERR_get_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  throw std::runtime_error("test CA: " + what + ": " + (reason ? reason : "unknown error"));
}

void check(int result, const std::string& what) {
  if (result != 1)
    fail(what);
}

Key new_key() {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key)
    fail("generating a key");
  return key;
}

// A v3 certificate for `key` named `common_name`, signed by `issuer` (itself when null) with
// `signer`; `extensions` are (NID, OpenSSL config text) pairs.
Certificate new_certificate(const std::string& common_name, EVP_PKEY* key, X509* issuer,
                            EVP_PKEY* signer,
                            const std::vector<std::pair<int, std::string>>& extensions) {
  Certificate certificate(X509_new());
  if (!certificate)
    fail("allocating a certificate");
  X509* cert = certificate.get();
  check(X509_set_version(cert, X509_VERSION_3), "setting the version");
  // Random serials: a client must never see two different certificates with one serial.
  std::uint64_t serial = 0;
  check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial), "drawing a serial");
  check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial >> 1), "setting the serial");
  if (!X509_gmtime_adj(X509_getm_notBefore(cert), -60 * 60) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 60 * 60))
    fail("setting the validity");
  X509_NAME* name = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0),
        "naming the subject");
  check(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name),
        "naming the issuer");
  check(X509_set_pubkey(cert, key), "setting the public key");
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    std::unique_ptr<X509_EXTENSION, Free> extension(
        X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    if (!extension)
      fail("making the extension " + value);
    check(X509_add_ext(cert, extension.get(), -1), "adding the extension " + value);
  }
  if (X509_sign(cert, signer, EVP_sha256()) <= 0)
    fail("signing");
  return certificate;
}

void write_pem(const std::string& path, X509* certificate, EVP_PKEY* key) {
  std::unique_ptr<BIO, Free> out(BIO_new_file(path.c_str(), "w"));
  if (!out)
    fail("creating " + path);
  if (certificate)
    check(PEM_write_bio_X509(out.get(), certificate), "writing " + path);
  if (key)
    check(PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "writing " + path);
}

}  // namespace

struct TestCa::Impl {
  std::filesystem::path dir;
  std::string ca_file;
  Key key;
  Certificate certificate;
  int issued = 0;
};

TestCa::TestCa(const std::string& name) : impl_(std::make_unique<Impl>()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "iof-test-ca-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("test CA: mkdtemp: " +
                             std::error_code(errno, std::generic_category()).message());
  impl_->dir = pattern;
  impl_->key = new_key();
  impl_->certificate = new_certificate(name, impl_->key.get(), nullptr, impl_->key.get(),
                                       {{NID_basic_constraints, "critical,CA:TRUE"},
                                        {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                        {NID_subject_key_identifier, "hash"}});
  impl_->ca_file = (impl_->dir / "ca.pem").string();
  write_pem(impl_->ca_file, impl_->certificate.get(), nullptr);
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove_all(impl_->dir, ignored);
}

const std::string& TestCa::ca_file() const {
  return impl_->ca_file;
}

ServerCertificate TestCa::issue(const std::vector<std::string>& dns_names,
                                const std::vector<std::string>& ip_addresses) {
  std::string alt_names;
  for (const auto& dns : dns_names)
    alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : ip_addresses)
    alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
  const auto key = new_key();
  const auto certificate =
      new_certificate("iof test server", key.get(), impl_->certificate.get(), impl_->key.get(),
                      {{NID_basic_constraints, "critical,CA:FALSE"},
                       {NID_key_usage, "critical,digitalSignature"},
                       {NID_ext_key_usage, "serverAuth"},
                       {NID_subject_alt_name, alt_names},
                       {NID_subject_key_identifier, "hash"},
                       {NID_authority_key_identifier, "keyid:always"}});
  const auto stem = impl_->dir / ("server-" + std::to_string(++impl_->issued));
  ServerCertificate files{stem.string() + ".crt", stem.string() + ".key"};
  write_pem(files.certificate_file, certificate.get(), nullptr);
  write_pem(files.key_file, nullptr, key.get());
  return files;
}

std::string TestCa::write_file(const std::string& name, const std::string& contents) const {
  const auto path = impl_->dir / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out.flush())
    throw std::runtime_error("test CA: cannot write " + path.string());
  return path.string();
}

}  // namespace iof::test
