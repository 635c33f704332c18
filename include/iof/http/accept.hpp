#pragma once

#include <optional>
#include <string_view>

#include "iof/wire/codec.hpp"

// Accept-header negotiation as libprocess does it (Request::acceptsMediaType), and the master's
// choice of body encoding that follows from it.
namespace iof::http {

// No header accepts everything. Otherwise spaces, tabs and newlines are removed, the header is
// split on ',' and each media range on ';'. The candidates "type/subtype", "type/*" and "*/*"
// are tried in that order (case-insensitively); for the first candidate that any media range
// names, the first such range decides: acceptable unless it carries exactly one "q=" parameter
// whose value is not a number above 0 ("q=0", "q=0.0", "q=x" refuse). A media type that is not
// "type/subtype" is never accepted.
bool accepts_media_type(std::optional<std::string_view> accept_header, std::string_view media_type);

// The master's choice for SUBSCRIBE and the operator API: JSON when acceptable, else protobuf
// when acceptable, else none (406 Not Acceptable).
std::optional<wire::ContentType> negotiate(std::optional<std::string_view> accept_header);

}  // namespace iof::http
