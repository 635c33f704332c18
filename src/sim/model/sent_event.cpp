#include "iof/sim/sent_event.hpp"

#include <utility>

#include "iof/wire/json.hpp"
#include "iof/wire/recordio.hpp"

namespace iof::sim {

using mesos::v1::scheduler::Event;

// Each constructor spends the once_flag of the form it is given, so that only the other form is
// ever made, and at most once.
SentEvent::SentEvent(Event message) : type_(message.type()), message_(std::move(message)) {
  std::call_once(message_made_, [] {});
}

SentEvent::SentEvent(Event::Type type, std::string buffer, std::size_t offset)
    : type_(type), buffer_(std::move(buffer)), offset_(offset) {
  std::call_once(bytes_made_, [] {});
}

const Event& SentEvent::message() const {
  std::call_once(message_made_, [this] {
    message_.emplace();
    const std::string_view bytes = protobuf();
    // The bytes come from the model's own writer, which offer_wire_test holds to protobuf's
    // serialization of the same messages. Should they ever fail to parse, the message keeps its
    // type alone, and every test that reads an event's contents fails on it.
    if (!message_->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      message_->Clear();
      message_->set_type(type_);
    }
  });
  return *message_;
}

std::string_view SentEvent::protobuf() const {
  std::call_once(bytes_made_, [this] {
    message_->SerializePartialToString(&buffer_);
    offset_ = 0;
  });
  return std::string_view(buffer_).substr(offset_);
}

std::string SentEvent::record(wire::ContentType type) const {
  if (type == wire::ContentType::protobuf) {
    return wire::recordio::encode(protobuf());
  }
  std::string json;
  // JSON runs to about twice the binary size; reserving that spares growing a large event.
  json.reserve(2 * protobuf().size() + 16);
  if (!wire::json::write_serialized(*Event::descriptor(), protobuf(),
                                    wire::json::KeyOrder::declaration, json)) {
    json.clear();
    wire::json::write_to(message(), wire::json::KeyOrder::declaration, json);
  }
  return wire::recordio::encode(json);
}

}  // namespace iof::sim
