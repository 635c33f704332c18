// What a handler asks of a request: its path, query and headers.
#include "iof/http/message.hpp"

#include <cctype>

namespace iof::http {

std::string_view Request::path() const {
  return std::string_view(target).substr(0, target.find('?'));
}

std::string_view Request::query() const {
  auto mark = target.find('?');
  return mark == std::string::npos ? std::string_view() : std::string_view(target).substr(mark + 1);
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  for (const auto& h : headers) {
    if (h.name.size() != name.size())
      continue;
    bool same = true;
    for (std::size_t i = 0; same && i < name.size(); ++i)
      same = lower(h.name[i]) == lower(name[i]);
    if (same)
      return h.value;
  }
  return std::nullopt;
}

}  // namespace iof::http
