// JSON turned into a protobuf serialization as the parser reads it, without a document or
// reflection in between. Internal to the wire layer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "json_names.hpp"

namespace iof::wire::json {

// Fed the parser's events for one JSON value, writes the serialization of the message of type
// `type` that to_message() would fill from that value, so that the message's generated parser
// can read it. It converts the shapes a master writes; anything else is refused, for
// to_message() to judge: a value that is not an object, a type mismatch, a repeated key, a quoted
// number, an unknown name for a required enum, a double for an integer field, an array within an
// array, a map field, a message type with a oneof (whose members to_message() sets in key
// order), bytes that are not base64. Once refused, the rest of the value is ignored.
//
// Lengths of nested messages are written as five-byte varints (padded with continuation bits),
// patched when the message closes; protobuf's parsers read such lengths as any other.
class WireTranscoder {
 public:
  explicit WireTranscoder(const google::protobuf::Descriptor& type) : type_(type) {}

  // Forgets the previous value; the next event starts a new one.
  void reset();

  void object_begin();
  void object_end();
  void array_begin();
  void array_end();
  void key(std::string_view name);
  void string(std::string_view text);
  void int64(std::int64_t value);
  void uint64(std::uint64_t value);
  void number(double value);
  void boolean(bool value);
  void null();

  bool refused() const { return refused_; }
  // The serialization, once the value has closed and was not refused.
  std::string_view bytes() const { return out_; }

 private:
  using FieldDescriptor = google::protobuf::FieldDescriptor;

  enum class Kind { message, array, skipped };
  struct Frame {
    Kind kind;
    const FieldsByName* fields = nullptr;  // message: its type's fields
    // message: the field the pending key names (nullptr: an unknown key, its value skipped);
    // array: the repeated field its elements go to.
    const FieldsByName::Entry* field = nullptr;
    std::size_t length_at = 0;  // message: where its length goes (none for the outermost)
    std::uint64_t seen = 0;     // message: its keys' fields so far, a bit per field index
  };

  // The field the next value goes to; nullptr when it is to be skipped.
  const FieldsByName::Entry* target_entry() const;
  const FieldDescriptor* target() const;
  // The field a scalar value goes to; nullptr when nothing is to be written, the value being
  // refused (no object around it) or skipped (and accounted for).
  const FieldDescriptor* scalar_target();
  // A scalar value has been written (or skipped): the pending key is spent.
  void value_done();
  void refuse() { refused_ = true; }
  void open_message(const google::protobuf::Descriptor& type, const FieldsByName& fields,
                    const FieldDescriptor* field);

  void write_tag(const FieldDescriptor& field, int wire_type);
  void write_varint(std::uint64_t value);
  void write_fixed32(std::uint32_t value);
  void write_fixed64(std::uint64_t value);
  void write_length_delimited(const FieldDescriptor& field, std::string_view bytes);
  // A number for `field`, converted to its declared type as static_cast converts it; refused
  // for a field that is not a number.
  template <typename Number>
  void write_number(const FieldDescriptor& field, Number value);

  const google::protobuf::Descriptor& type_;
  // The open values, innermost last, in place: a vector's out-of-line growth checks cost more
  // than the work of a frame. Deeper nesting than any Mesos message has is refused.
  class FrameStack {
   public:
    static constexpr std::size_t deepest = 32;
    bool empty() const { return size_ == 0; }
    Frame& back() { return frames_[size_ - 1]; }
    const Frame& back() const { return frames_[size_ - 1]; }
    bool push(const Frame& frame) {
      if (size_ == deepest) {
        return false;
      }
      frames_[size_++] = frame;
      return true;
    }
    void pop_back() { --size_; }
    void clear() { size_ = 0; }

   private:
    std::array<Frame, deepest> frames_{};
    std::size_t size_ = 0;
  };
  void push(const Frame& frame) {
    if (!frames_.push(frame)) {
      refuse();
    }
  }

  FrameStack frames_;
  std::string out_;
  bool started_ = false;
  bool refused_ = false;
};

}  // namespace iof::wire::json
