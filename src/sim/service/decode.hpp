#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "iof/http/message.hpp"
#include "iof/wire/codec.hpp"

namespace iof::sim {

// Reads a request body into `message` the way the master's API handlers do, returning their
// error text on failure: "Failed to parse body into JSON: ...", "Failed to convert JSON into
// <Name> protobuf: ...", or "Failed to parse body into <Name> protobuf".
std::optional<std::string> decode_body(std::string_view body, wire::ContentType type,
                                       google::protobuf::Message& message);

// Reads the body of a v1 API POST into `call` after the Content-Type check every v1 endpoint
// makes (400 when absent, 415 when neither media type). Returns the error response, if any.
std::optional<http::Response> read_call(const http::Request& request,
                                        google::protobuf::Message& call);

}  // namespace iof::sim
