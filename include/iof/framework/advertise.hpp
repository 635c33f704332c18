#pragma once

#include <string>
#include <string_view>

#include "iof/framework/flags.hpp"

// Where this instance's HTTP server (/state, /health, /metrics) is reached from elsewhere: the
// address FrameworkInfo's webui_url and hostname name, so that the Mesos UI links to it.
namespace iof::framework {

// Whether `host` is an address that only listens (on every interface) and reaches nothing.
bool is_wildcard_host(std::string_view host);

// The host of HOST:PORT (everything before the last ':').
std::string_view host_of(std::string_view address);

// --advertise_address as given; else --http_address with the port the server is bound to (it
// may be 0 there) and, for a wildcard host (0.0.0.0 or ::), the machine's hostname instead, as
// Mesos's own --advertise_ip falls back to the hostname.
std::string advertised_address(const Flags& flags, std::string_view machine_hostname,
                               unsigned short bound_port);

// "http://HOST:PORT", with an IPv6 host in brackets.
std::string web_url(std::string_view address);

}  // namespace iof::framework
