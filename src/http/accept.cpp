// Accept headers matched against a media type with libprocess's rules, and the master's choice
// of JSON or protobuf.
#include "iof/http/accept.hpp"

#include <string>
#include <vector>

#include "iof/wire/stout.hpp"

namespace iof::http {

namespace text = wire::text;
using wire::ContentType;

namespace {

std::optional<std::vector<std::string_view>> media_type_parts(std::string_view media_type) {
  auto parts = text::tokenize(media_type, "/");
  if (parts.size() != 2) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace

bool accepts_media_type(std::optional<std::string_view> accept_header,
                        std::string_view media_type) {
  const auto parts = media_type_parts(media_type);
  if (!parts) {
    return false;
  }
  if (!accept_header) {
    return true;
  }
  const std::string header = text::without(*accept_header, " \t\n");
  const std::string candidates[] = {std::string(media_type), std::string((*parts)[0]) + "/*",
                                    "*/*"};
  for (const std::string& candidate : candidates) {
    for (const std::string_view range : text::tokenize(header, ",")) {
      const auto pieces = text::tokenize(range, ";");
      if (pieces.empty() || !text::iequals(pieces[0], candidate)) {
        continue;
      }
      std::vector<std::string_view> q;
      for (const std::string_view piece : pieces) {
        const auto pair = text::tokenize(piece, "=");
        if (pair.size() == 2 && pair[0] == "q") {
          q.push_back(pair[1]);
        }
      }
      if (q.size() != 1) {
        return true;  // No q value, or a malformed one.
      }
      const auto weight = text::to_double(q[0]);
      return weight && *weight > 0;
    }
  }
  return false;
}

std::optional<ContentType> negotiate(std::optional<std::string_view> accept_header) {
  if (accepts_media_type(accept_header, wire::json_media_type)) {
    return ContentType::json;
  }
  if (accepts_media_type(accept_header, wire::protobuf_media_type)) {
    return ContentType::protobuf;
  }
  return std::nullopt;
}

}  // namespace iof::http
