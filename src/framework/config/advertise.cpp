#include "iof/framework/advertise.hpp"

namespace iof::framework {

bool is_wildcard_host(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "[::]";
}

std::string_view host_of(std::string_view address) {
  return address.substr(0, address.rfind(':'));
}

std::string advertised_address(const Flags& flags, std::string_view machine_hostname,
                               unsigned short bound_port) {
  if (flags.advertise_address) {
    return *flags.advertise_address;
  }
  const std::string_view host = host_of(flags.http_address);
  return std::string(is_wildcard_host(host) ? machine_hostname : host) + ":" +
         std::to_string(bound_port);
}

std::string web_url(std::string_view address) {
  const std::string_view host = host_of(address);
  const std::string_view port = address.substr(host.size());  // ":PORT"
  const bool ipv6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
  return "http://" + (ipv6 ? "[" + std::string(host) + "]" : std::string(host)) + std::string(port);
}

}  // namespace iof::framework
