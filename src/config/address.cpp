#include "iof/config/address.hpp"

#include <charconv>

namespace iof::config {

bool is_port(std::string_view text, bool allow_zero) {
  unsigned port = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, port);
  return !text.empty() && error == std::errc() && rest == end && port < 65536 &&
         (port > 0 || allow_zero);
}

bool is_host_port(std::string_view text, bool allow_zero_port) {
  const auto colon = text.rfind(':');
  return colon != std::string_view::npos && colon > 0 &&
         is_port(text.substr(colon + 1), allow_zero_port);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

}  // namespace iof::config
