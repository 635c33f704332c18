#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"

namespace google::protobuf {
class Message;
}

// The two body encodings of the Mesos v1 HTTP APIs.
namespace iof::wire {

enum class ContentType { protobuf, json };

inline constexpr std::string_view protobuf_media_type = "application/x-protobuf";
inline constexpr std::string_view json_media_type = "application/json";

std::string_view media_type(ContentType type);

// The master compares Content-Type by plain string equality: no parameters, no case folding.
std::optional<ContentType> content_type_from_header(std::string_view header);

std::string encode(const google::protobuf::Message& message, ContentType type);
Result<void> decode(std::string_view body, ContentType type, google::protobuf::Message& message);

}  // namespace iof::wire
