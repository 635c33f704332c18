#include "decode.hpp"

#include <google/protobuf/descriptor.h>

#include "iof/wire/json.hpp"

namespace iof::sim {

std::optional<std::string> decode_body(std::string_view body, wire::ContentType type,
                                       google::protobuf::Message& message) {
  const std::string& name = message.GetDescriptor()->name();
  if (type == wire::ContentType::protobuf) {
    if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return "Failed to parse body into " + name + " protobuf";
    }
    return std::nullopt;
  }
  auto json = wire::json::parse(body);
  if (!json) {
    return "Failed to parse body into JSON: " + json.error().message;
  }
  if (auto converted = wire::json::to_message(*json, message); !converted) {
    return "Failed to convert JSON into " + name + " protobuf: " + converted.error().message;
  }
  return std::nullopt;
}

}  // namespace iof::sim
