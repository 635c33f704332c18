#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"

// --master=zk://... as Mesos reads it: the ZooKeeper servers, optional digest credentials, and
// the znode under which the masters register.
namespace iof::discovery {

// ZooKeeper's "digest" scheme; the session authenticates as "user:password".
struct DigestCredentials {
  std::string user;
  std::string password;
  friend bool operator==(const DigestCredentials&, const DigestCredentials&) = default;
};

struct ZkUrl {
  std::string hosts;  // "host:port[,host:port...]", the form the ZooKeeper client connects to
  std::optional<DigestCredentials> credentials;
  std::string path;  // absolute, without a trailing '/', never the root itself
  friend bool operator==(const ZkUrl&, const ZkUrl&) = default;
};

// zk://[user:password@]host:port[,host:port...]/path. As in Mesos, the path starts at the first
// '/' after the scheme and the credentials end at the last '@' before it, so a password may hold
// '@' but not '/'; nothing is percent-decoded. Errors name the faulty piece but never repeat the
// password.
Result<ZkUrl> parse_zk_url(std::string_view text);

// Why `path` cannot name the masters' znode, or nullopt: it must be absolute and not the root,
// with no empty, "." or ".." component and no control character (ZooKeeper's own rules).
std::optional<std::string> zk_path_problem(std::string_view path);

// The URL written back with the password replaced by "***", for logs.
std::string redacted(const ZkUrl& url);

}  // namespace iof::discovery
