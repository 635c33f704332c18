#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

// Where the leading master may be: the candidates a --master value names, and the pure rules for
// moving between them (307 redirects, 503s and refused connections). No sockets here.
namespace iof::framework {

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;

  // "http://host:port" or "https://host:port"; IPv6 hosts in brackets.
  std::string url() const;
  auto operator<=>(const Endpoint&) const = default;
};

struct MasterSpec {
  // Masters to try in order (host:port lists and http(s) URLs). Empty for ZooKeeper.
  std::vector<Endpoint> candidates;
  // The zk:// URL when the leader is found through ZooKeeper.
  std::optional<std::string> zookeeper;
};

// host:port, master@host:port, http(s)://host[:port][/], comma lists of those, or zk://...
// ("local" and file:// are resolved before this). Errors name the offending piece.
Result<MasterSpec> parse_master(std::string_view master);

// The --master value with file:// replaced by the file's first non-empty line, as Mesos reads
// its --master=file:// (one level: the file may not name another file, or "local").
Result<std::string> read_master_file(std::string_view master);

// A 307 Location from a master. libprocess sends it protocol-relative ("//host:port/path"); the
// scheme of the request it answered is kept then.
Result<Endpoint> redirect_target(std::string_view location, const Endpoint& from);

// Which master to subscribe to next. The runtime reports each attempt's outcome; after a full
// round of failures it backs off before trying again.
class MasterCandidates {
 public:
  explicit MasterCandidates(std::vector<Endpoint> candidates);

  // Null when nothing is known (ZooKeeper names no leader yet).
  const Endpoint* current() const;

  // A redirect to `to`: tried next, without a backoff, unless redirects go round in circles
  // (more than max_redirects in a row), which counts as a failure. True when `to` is next.
  bool redirected(Endpoint to);
  // The current candidate is unreachable or answered 503: move on. True when every candidate
  // failed since the last success (a full round), which is when to back off. The first failure
  // after a subscription does not count: the leader just went away, the others are asked now.
  bool failed();
  // A subscription succeeded on current(): it stays first.
  void subscribed();
  // ZooKeeper's view: the leader is the only candidate; nullopt when there is none.
  void set_leader(std::optional<Endpoint> leader);

  static constexpr std::size_t max_redirects = 3;

 private:
  std::vector<Endpoint> candidates_;
  std::size_t index_ = 0;
  std::optional<Endpoint> redirect_;
  std::size_t redirects_ = 0;
  std::size_t failures_ = 0;
  bool just_subscribed_ = false;  // the next failure is the end of a working subscription
};

}  // namespace iof::framework
