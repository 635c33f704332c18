// The bytes of a response head and of chunk framing, with the headers in the order a real Mesos
// master sends them.
#include "response_bytes.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace iof::http {

namespace detail {

std::string http_date() {
  // Fixed English names: strftime's %a and %b follow the locale.
  static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 40> text{};
  int n = std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                        days.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                        months.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900,
                        utc.tm_hour, utc.tm_min, utc.tm_sec);
  return std::string(text.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::string response_head(unsigned status, const std::vector<Header>& headers,
                          std::optional<std::size_t> content_length) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  std::string head = "HTTP/1.1 " + std::to_string(status) + ' ';
  if (reason.starts_with("<"))  // Beast's "<unknown-status>"
    head += "Unknown";
  else
    head.append(reason.data(), reason.size());
  head += "\r\nDate: " + http_date() + "\r\n";
  if (!content_length)
    head += "Transfer-Encoding: chunked\r\n";
  bool length_placed = false;
  for (const auto& h : headers) {
    if (boost::beast::iequals(h.name, "Content-Length")) {
      // A handler may name the header to fix its position; the value is always the real one.
      if (content_length && !length_placed) {
        head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
        length_placed = true;
      }
      continue;
    }
    head += h.name + ": " + h.value + "\r\n";
  }
  if (content_length && !length_placed)
    head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
  head += "\r\n";
  return head;
}

std::string chunk_size_line(std::size_t size) {
  std::array<char, 24> text{};
  int n = std::snprintf(text.data(), text.size(), "%zx\r\n", size);
  return std::string(text.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace detail
}  // namespace iof::http
