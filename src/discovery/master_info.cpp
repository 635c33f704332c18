#include "iof/discovery/master_info.hpp"

#include <charconv>
#include <optional>
#include <ostream>

#include <boost/json/value.hpp>

#include "iof/config/address.hpp"
#include "iof/wire/json.hpp"

namespace iof::discovery {
namespace {

namespace bj = boost::json;

Error bad(const std::string& why) {
  return Error{"MasterInfo JSON: " + why};
}

// A member that is absent or null reads as nullopt; any other non-string is an error.
Result<std::optional<std::string>> text_field(const bj::object& object, std::string_view key,
                                              const std::string& name) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<std::string>();
  }
  if (!value->is_string()) {
    return bad("'" + name + "' is not a string");
  }
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::optional<std::uint64_t>> unsigned_field(const bj::object& object, std::string_view key,
                                                    const std::string& name) {
  const bj::value* value = object.if_contains(key);
  if (value == nullptr || value->is_null()) {
    return std::optional<std::uint64_t>();
  }
  if (value->is_uint64()) {
    return std::optional<std::uint64_t>(value->get_uint64());
  }
  if (value->is_int64() && value->get_int64() >= 0) {
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(value->get_int64()));
  }
  return bad("'" + name + "' is not an unsigned integer");
}

Result<std::uint16_t> port_field(const bj::object& object, std::string_view key,
                                 const std::string& name) {
  auto port = unsigned_field(object, key, name);
  if (!port) {
    return port.error();
  }
  if (!port->has_value()) {
    return bad("'" + name + "' is missing");
  }
  if (**port == 0 || **port > 65535) {
    return bad("'" + name + "' " + std::to_string(**port) + " is not a TCP port (1-65535)");
  }
  return static_cast<std::uint16_t>(**port);
}

// Mesos stores in_addr.s_addr: the first octet is the byte at the lowest address, which a
// little-endian master reads back as the number's low byte.
std::string dotted_quad(std::uint32_t ip) {
  return std::to_string(ip & 0xffU) + "." + std::to_string((ip >> 8) & 0xffU) + "." +
         std::to_string((ip >> 16) & 0xffU) + "." + std::to_string(ip >> 24);
}

Result<std::optional<LeaderAddress>> from_address(const bj::object& info) {
  const bj::value* value = info.if_contains("address");
  if (value == nullptr || value->is_null()) {
    return std::optional<LeaderAddress>();
  }
  if (!value->is_object()) {
    return bad("'address' is not an object");
  }
  const bj::object& address = value->get_object();
  auto ip = text_field(address, "ip", "address.ip");
  if (!ip) {
    return ip.error();
  }
  auto hostname = text_field(address, "hostname", "address.hostname");
  if (!hostname) {
    return hostname.error();
  }
  std::optional<std::string> host = *ip && !(*ip)->empty() ? *ip : *hostname;
  if (!host || host->empty()) {
    return std::optional<LeaderAddress>();
  }
  auto port = port_field(address, "port", "address.port");
  if (!port) {
    return port.error();
  }
  return std::optional<LeaderAddress>(LeaderAddress{std::move(*host), *port});
}

Result<std::optional<LeaderAddress>> from_legacy_ip(const bj::object& info) {
  auto ip = unsigned_field(info, "ip", "ip");
  if (!ip) {
    return ip.error();
  }
  if (!ip->has_value() || **ip == 0) {
    return std::optional<LeaderAddress>();
  }
  if (**ip > 0xffffffffU) {
    return bad("'ip' " + std::to_string(**ip) + " does not fit an IPv4 address");
  }
  auto port = port_field(info, "port", "port");
  if (!port) {
    return port.error();
  }
  return std::optional<LeaderAddress>(
      LeaderAddress{dotted_quad(static_cast<std::uint32_t>(**ip)), *port});
}

Result<std::optional<LeaderAddress>> from_pid(const bj::object& info) {
  auto pid = text_field(info, "pid", "pid");
  if (!pid) {
    return pid.error();
  }
  if (!pid->has_value() || (*pid)->empty()) {
    return std::optional<LeaderAddress>();
  }
  const std::string& text = **pid;
  const auto at = text.find('@');
  const std::string_view host_port =
      at == std::string::npos ? std::string_view() : std::string_view(text).substr(at + 1);
  if (at == 0 || !config::is_host_port(host_port)) {
    return bad("'pid' '" + text + "' is not name@host:port");
  }
  const auto colon = host_port.rfind(':');
  std::string_view host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::uint16_t port = 0;
  const std::string_view digits = host_port.substr(colon + 1);
  std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return std::optional<LeaderAddress>(LeaderAddress{std::string(host), port});
}

}  // namespace

std::string to_string(const LeaderAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

std::ostream& operator<<(std::ostream& out, const LeaderAddress& address) {
  return out << to_string(address);
}

Result<LeaderAddress> leader_address(std::string_view master_info_json) {
  auto json = wire::json::parse(master_info_json);
  if (!json) {
    return bad(json.error().message);
  }
  if (!json->is_object()) {
    return bad("not an object");
  }
  const bj::object& info = json->get_object();
  for (const auto source : {from_address, from_legacy_ip, from_pid}) {
    auto address = source(info);
    if (!address) {
      return address.error();
    }
    if (address->has_value()) {
      return std::move(**address);
    }
  }
  return bad("none of address.ip, address.hostname, ip or pid says where the master is");
}

}  // namespace iof::discovery
