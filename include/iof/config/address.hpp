#pragma once

#include <string_view>
#include <vector>

// The small text checks flags share: ports, "host:port", comma lists.
namespace iof::config {

// A TCP port, 1..65535 (0 too with `allow_zero`, which asks the system for a free one).
bool is_port(std::string_view text, bool allow_zero = false);

// "host:port": a non-empty host (anything before the last ':') and a port as above.
bool is_host_port(std::string_view text, bool allow_zero_port = false);

// The pieces between separators, empty ones included ("a,,b" is three pieces).
std::vector<std::string_view> split(std::string_view text, char separator);

}  // namespace iof::config
