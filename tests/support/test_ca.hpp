#pragma once

#include <memory>
#include <string>
#include <vector>

// A throwaway certificate authority for TLS tests: a CA certificate and the server certificates
// it signs, written as PEM files into a fresh temporary directory that goes away with it. Made
// with OpenSSL's API (EC P-256 keys, well under a millisecond each), so tests need no openssl
// binary and no certificates checked into the repository that could expire.
namespace iof::test {

struct ServerCertificate {
  std::string certificate_file;  // the server's certificate (the CA is the trust anchor)
  std::string key_file;          // its unencrypted private key
};

class TestCa {
 public:
  // Throws std::runtime_error with OpenSSL's reason if anything fails.
  explicit TestCa(const std::string& name = "iof test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // The CA's certificate: what a client trusts with --tls_ca_file.
  const std::string& ca_file() const;
  // A certificate for TLS servers, valid from an hour ago for a day, whose subjectAltName holds
  // exactly these DNS names and IP addresses.
  ServerCertificate issue(const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ip_addresses);
  // Writes `contents` to `name` in the temporary directory; returns its path.
  std::string write_file(const std::string& name, const std::string& contents) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace iof::test
