#include "iof/wire/codec.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "iof/wire/json.hpp"

namespace iof::wire {

std::string_view media_type(ContentType type) {
  return type == ContentType::protobuf ? protobuf_media_type : json_media_type;
}

std::optional<ContentType> content_type_from_header(std::string_view header) {
  if (header == protobuf_media_type)
    return ContentType::protobuf;
  if (header == json_media_type)
    return ContentType::json;
  return std::nullopt;
}

std::string encode(const google::protobuf::Message& message, ContentType type) {
  if (type == ContentType::json)
    return json::write(message);
  return message.SerializeAsString();
}

Result<void> decode(std::string_view body, ContentType type, google::protobuf::Message& message) {
  if (type == ContentType::json)
    return json::read(body, message);
  if (!message.ParsePartialFromArray(body.data(), static_cast<int>(body.size()))) {
    return Error{"Failed to parse body into " + message.GetDescriptor()->name() + " protobuf"};
  }
  if (!message.IsInitialized()) {
    return Error{"Missing required fields: " + message.InitializationErrorString()};
  }
  return {};
}

}  // namespace iof::wire
