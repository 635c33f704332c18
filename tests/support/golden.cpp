#include "golden.hpp"

#include <charconv>
#include <map>
#include <stdexcept>

namespace iof::test {
namespace embedded {
const std::map<std::string_view, std::string_view>& files();
}

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::size_t to_size(std::string_view digits, int base = 10) {
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc())
    throw std::runtime_error("not a number: " + std::string(digits));
  return value;
}

// In decoded transcripts a message body is the run of lines indented by six spaces.
constexpr std::string_view body_indent = "      ";

std::string body_from(const std::vector<std::string_view>& lines, std::size_t& i) {
  std::string text;
  while (i < lines.size() && starts_with(lines[i], body_indent)) {
    text.append(lines[i].substr(body_indent.size()));
    text += '\n';
    ++i;
  }
  if (!text.empty())
    text.pop_back();
  return text;
}

}  // namespace

std::string_view golden(std::string_view name) {
  const auto& files = embedded::files();
  const auto found = files.find(name);
  if (found == files.end())
    throw std::runtime_error("no embedded file " + std::string(name));
  return found->second;
}

std::string http_body(std::string_view raw) {
  const auto header_end = raw.find("\r\n\r\n");
  if (header_end == std::string_view::npos)
    throw std::runtime_error("no end of HTTP headers");
  const auto headers = raw.substr(0, header_end);
  auto rest = raw.substr(header_end + 4);
  if (headers.find("Transfer-Encoding: chunked") == std::string_view::npos)
    return std::string(rest);
  std::string body;
  for (;;) {
    const auto size_end = rest.find("\r\n");
    if (size_end == std::string_view::npos)
      throw std::runtime_error("truncated chunk header");
    const auto size = to_size(rest.substr(0, size_end), 16);
    rest.remove_prefix(size_end + 2);
    if (size == 0)
      break;
    body.append(rest.substr(0, size));
    rest.remove_prefix(size + 2);  // chunk data and its CRLF
  }
  return body;
}

std::vector<DecodedMessage> decoded_records(std::string_view transcript) {
  constexpr std::string_view marker = "     -- record (";
  std::vector<DecodedMessage> records;
  const auto lines = lines_of(transcript);
  for (std::size_t i = 0; i < lines.size();) {
    if (!starts_with(lines[i], marker)) {
      ++i;
      continue;
    }
    auto size_text = lines[i].substr(marker.size());
    size_text = size_text.substr(0, size_text.find(' '));
    DecodedMessage record{"record", to_size(size_text), {}};
    ++i;
    record.text = body_from(lines, i);
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<DecodedMessage> decoded_requests(std::string_view transcript) {
  constexpr std::string_view request_marker = "  >> ";
  constexpr std::string_view length_header = "     Content-Length: ";
  std::vector<DecodedMessage> requests;
  const auto lines = lines_of(transcript);
  for (std::size_t i = 0; i < lines.size();) {
    if (!starts_with(lines[i], request_marker)) {
      ++i;
      continue;
    }
    DecodedMessage request;
    const auto request_line = lines[i].substr(request_marker.size());
    request.heading = std::string(request_line.substr(0, request_line.rfind(" HTTP/")));
    ++i;
    for (;
         i < lines.size() && starts_with(lines[i], "     ") && !starts_with(lines[i], body_indent);
         ++i) {
      if (starts_with(lines[i], length_header)) {
        request.wire_bytes = to_size(lines[i].substr(length_header.size()));
      }
    }
    request.text = body_from(lines, i);
    if (!request.text.empty())
      requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace iof::test
