#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "iof/wire/codec.hpp"

namespace iof::sim {

// Reads a request body into `message` the way the master's API handlers do, returning their
// error text on failure: "Failed to parse body into JSON: ...", "Failed to convert JSON into
// <Name> protobuf: ...", or "Failed to parse body into <Name> protobuf".
std::optional<std::string> decode_body(std::string_view body, wire::ContentType type,
                                       google::protobuf::Message& message);

}  // namespace iof::sim
