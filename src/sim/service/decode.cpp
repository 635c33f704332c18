#include "decode.hpp"

#include <google/protobuf/descriptor.h>

#include "iof/wire/json.hpp"

#include "responses.hpp"

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

std::optional<http::Response> read_call(const http::Request& request,
                                        google::protobuf::Message& call) {
  const auto header = request.header("Content-Type");
  if (!header) {
    return responses::text(400, "Expecting 'Content-Type' to be present");
  }
  const auto type = wire::content_type_from_header(*header);
  if (!type) {
    return responses::text(
        415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
  }
  if (auto error = decode_body(request.body, *type, call)) {
    return responses::text(400, *error);
  }
  return std::nullopt;
}

}  // namespace iof::sim
