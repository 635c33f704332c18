#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"

// Where to reach a master, from the JSON form of mesos.MasterInfo that it stores in its znode.
namespace iof::discovery {

struct LeaderAddress {
  std::string host;  // an IP address or a host name, IPv6 without brackets
  std::uint16_t port = 0;
  friend bool operator==(const LeaderAddress&, const LeaderAddress&) = default;
};

// "host:port", "[v6]:port" for IPv6 addresses.
std::string to_string(const LeaderAddress& address);
std::ostream& operator<<(std::ostream& out, const LeaderAddress& address);

// The first of these that the JSON has: address.ip, address.hostname (each with address.port),
// the legacy uint32 `ip` with `port`, then `pid` ("master@host:port"). The legacy `ip` is in
// network byte order as a little-endian master stores it, so its low byte is the first octet.
// A field that is present but of the wrong type or out of range is an error, not skipped.
Result<LeaderAddress> leader_address(std::string_view master_info_json);

}  // namespace iof::discovery
