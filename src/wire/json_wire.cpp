// JSON events to protobuf bytes, with to_message()'s rules (json_read.cpp) for every shape it
// accepts here: unknown keys and nulls ignored, a lone value for a repeated field taken as a
// one-element list, enums by name (an unknown name dropped from an optional or repeated field),
// numbers converted as static_cast converts them.
#include "json_wire.hpp"

#include <bit>
#include <limits>

#include <google/protobuf/wire_format_lite.h>

#include "iof/wire/base64.hpp"

namespace iof::wire::json {

namespace {

using google::protobuf::internal::WireFormatLite;

constexpr std::size_t no_length = std::numeric_limits<std::size_t>::max();
constexpr std::size_t padded_length_bytes = 5;

}  // namespace

void WireTranscoder::reset() {
  frames_.clear();
  out_.clear();
  started_ = false;
  refused_ = false;
}

const FieldsByName::Entry* WireTranscoder::target_entry() const {
  if (frames_.empty() || frames_.back().kind == Kind::skipped) {
    return nullptr;
  }
  return frames_.back().field;
}

const WireTranscoder::FieldDescriptor* WireTranscoder::target() const {
  const FieldsByName::Entry* entry = target_entry();
  return entry == nullptr ? nullptr : entry->item;
}

const WireTranscoder::FieldDescriptor* WireTranscoder::scalar_target() {
  if (refused_) {
    return nullptr;
  }
  if (!started_) {
    refuse();  // to_message() wants an object
    return nullptr;
  }
  const FieldDescriptor* field = target();
  if (field == nullptr) {
    value_done();  // an unknown key's value, or one within it
  }
  return field;
}

void WireTranscoder::value_done() {
  if (!frames_.empty() && frames_.back().kind == Kind::message) {
    frames_.back().field = nullptr;
  }
}

void WireTranscoder::open_message(const google::protobuf::Descriptor& type,
                                  const FieldsByName& fields, const FieldDescriptor* field) {
  if (type.oneof_decl_count() > 0) {
    refuse();
    return;
  }
  std::size_t length_at = no_length;
  if (field != nullptr) {
    write_tag(*field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    length_at = out_.size();
    out_.append(padded_length_bytes, '\0');
  }
  push({Kind::message, &fields, nullptr, length_at, 0});
}

void WireTranscoder::object_begin() {
  if (refused_) {
    return;
  }
  if (!started_) {
    started_ = true;
    open_message(type_, FieldsByName::of(type_), nullptr);
    return;
  }
  if (frames_.empty()) {
    refuse();  // a second value
    return;
  }
  if (target_entry() == nullptr) {
    push({Kind::skipped});  // an unknown key's value, or one within it
    return;
  }
  const FieldsByName::Entry& entry = *target_entry();
  const FieldDescriptor& field = *entry.item;
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field.is_map()) {
    refuse();
    return;
  }
  open_message(*field.message_type(), FieldsByName::nested(entry), &field);
}

void WireTranscoder::object_end() {
  if (refused_ || frames_.empty()) {
    return;
  }
  const Kind kind = frames_.back().kind;
  const std::size_t length_at = frames_.back().length_at;
  frames_.pop_back();
  if (kind == Kind::message) {
    if (length_at != no_length) {
      const std::size_t length = out_.size() - length_at - padded_length_bytes;
      if (length > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        refuse();
        return;
      }
      for (std::size_t i = 0; i < padded_length_bytes; ++i) {
        const auto low_bits = static_cast<unsigned char>((length >> (7 * i)) & 0x7f);
        out_[length_at + i] =
            static_cast<char>(i + 1 < padded_length_bytes ? (low_bits | 0x80) : low_bits);
      }
    }
  }
  value_done();
}

void WireTranscoder::array_begin() {
  if (refused_) {
    return;
  }
  if (!started_ || frames_.empty() || frames_.back().kind == Kind::array) {
    refuse();  // not an object, or an array within an array
    return;
  }
  const FieldsByName::Entry* entry = target_entry();
  if (entry == nullptr) {
    push({Kind::skipped});  // an unknown key's value, or one within it
    return;
  }
  if (!entry->item->is_repeated() || entry->item->is_map()) {
    refuse();
    return;
  }
  push({Kind::array, nullptr, entry});
}

void WireTranscoder::array_end() {
  if (refused_ || frames_.empty()) {
    return;
  }
  frames_.pop_back();
  value_done();
}

void WireTranscoder::key(std::string_view name) {
  if (refused_ || frames_.empty() || frames_.back().kind != Kind::message) {
    return;
  }
  Frame& frame = frames_.back();
  frame.field = frame.fields->find(name);
  if (frame.field == nullptr) {
    return;  // an unknown key: its value is skipped
  }
  // Mesos types have a few dozen fields at most; a type with more is left to to_message().
  const int index = frame.field->index;
  const std::uint64_t bit = index < 64 ? std::uint64_t{1} << index : 0;
  if (bit == 0 || (frame.seen & bit) != 0) {
    refuse();  // which of two equal keys the document keeps is to_message()'s business
    return;
  }
  frame.seen |= bit;
}

void WireTranscoder::string(std::string_view text) {
  const FieldDescriptor* field = scalar_target();
  if (field == nullptr) {
    return;
  }
  switch (field->type()) {
    case FieldDescriptor::TYPE_STRING:
      write_length_delimited(*field, text);
      break;
    case FieldDescriptor::TYPE_BYTES: {
      const auto bytes = base64::decode(text);
      if (!bytes) {
        refuse();
        return;
      }
      write_length_delimited(*field, *bytes);
      break;
    }
    case FieldDescriptor::TYPE_ENUM: {
      const auto* value = FieldsByName::values(*target_entry()).find(text);
      if (value == nullptr) {
        if (field->is_required()) {
          refuse();
          return;
        }
        break;  // dropped, as the master drops names it does not know
      }
      write_tag(*field, WireFormatLite::WIRETYPE_VARINT);
      write_varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(value->item->number())));
      break;
    }
    default:
      refuse();  // a quoted number or boolean, or a string for a message
      return;
  }
  value_done();
}

template <typename Number>
void WireTranscoder::write_number(const FieldDescriptor& field, Number value) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_DOUBLE:
      write_tag(field, WireFormatLite::WIRETYPE_FIXED64);
      write_fixed64(std::bit_cast<std::uint64_t>(static_cast<double>(value)));
      break;
    case FieldDescriptor::TYPE_FLOAT:
      write_tag(field, WireFormatLite::WIRETYPE_FIXED32);
      write_fixed32(std::bit_cast<std::uint32_t>(static_cast<float>(value)));
      break;
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_INT32:
      // An int32 is written sign-extended to 64 bits, as protobuf writes it.
      write_tag(field, WireFormatLite::WIRETYPE_VARINT);
      write_varint(field.type() == FieldDescriptor::TYPE_INT32
                       ? static_cast<std::uint64_t>(
                             static_cast<std::int64_t>(static_cast<std::int32_t>(value)))
                       : static_cast<std::uint64_t>(value));
      break;
    case FieldDescriptor::TYPE_UINT32:
      write_tag(field, WireFormatLite::WIRETYPE_VARINT);
      write_varint(static_cast<std::uint32_t>(value));
      break;
    case FieldDescriptor::TYPE_SINT64:
      write_tag(field, WireFormatLite::WIRETYPE_VARINT);
      write_varint(WireFormatLite::ZigZagEncode64(static_cast<std::int64_t>(value)));
      break;
    case FieldDescriptor::TYPE_SINT32:
      write_tag(field, WireFormatLite::WIRETYPE_VARINT);
      write_varint(WireFormatLite::ZigZagEncode32(static_cast<std::int32_t>(value)));
      break;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      write_tag(field, WireFormatLite::WIRETYPE_FIXED64);
      write_fixed64(static_cast<std::uint64_t>(value));
      break;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      write_tag(field, WireFormatLite::WIRETYPE_FIXED32);
      write_fixed32(static_cast<std::uint32_t>(value));
      break;
    default:
      refuse();  // a number for a boolean, enum, string or message
      return;
  }
  value_done();
}

void WireTranscoder::int64(std::int64_t value) {
  if (const FieldDescriptor* field = scalar_target()) {
    write_number(*field, value);
  }
}

void WireTranscoder::uint64(std::uint64_t value) {
  if (const FieldDescriptor* field = scalar_target()) {
    write_number(*field, value);
  }
}

void WireTranscoder::number(double value) {
  const FieldDescriptor* field = scalar_target();
  if (field == nullptr) {
    return;
  }
  if (field->type() != FieldDescriptor::TYPE_DOUBLE &&
      field->type() != FieldDescriptor::TYPE_FLOAT) {
    refuse();  // a fraction for an integer field, where static_cast may have no answer
    return;
  }
  write_number(*field, value);
}

void WireTranscoder::boolean(bool value) {
  const FieldDescriptor* field = scalar_target();
  if (field == nullptr) {
    return;
  }
  if (field->type() != FieldDescriptor::TYPE_BOOL) {
    refuse();
    return;
  }
  write_tag(*field, WireFormatLite::WIRETYPE_VARINT);
  write_varint(value ? 1 : 0);
  value_done();
}

void WireTranscoder::null() {
  if (scalar_target() != nullptr) {
    value_done();  // a null sets nothing
  }
}

void WireTranscoder::write_tag(const FieldDescriptor& field, int wire_type) {
  write_varint((static_cast<std::uint64_t>(field.number()) << 3) |
               static_cast<std::uint64_t>(wire_type));
}

void WireTranscoder::write_varint(std::uint64_t value) {
  if (value < 0x80) {
    out_ += static_cast<char>(value);  // most tags and lengths
    return;
  }
  char bytes[10];
  std::size_t size = 0;
  while (value >= 0x80) {
    bytes[size++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes[size++] = static_cast<char>(value);
  out_.append(bytes, size);
}

void WireTranscoder::write_fixed32(std::uint32_t value) {
  char bytes[4];
  for (std::size_t i = 0; i < sizeof bytes; ++i) {
    bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  out_.append(bytes, sizeof bytes);
}

void WireTranscoder::write_fixed64(std::uint64_t value) {
  char bytes[8];
  for (std::size_t i = 0; i < sizeof bytes; ++i) {
    bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  out_.append(bytes, sizeof bytes);
}

void WireTranscoder::write_length_delimited(const FieldDescriptor& field, std::string_view bytes) {
  write_tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  write_varint(bytes.size());
  out_.append(bytes);
}

}  // namespace iof::wire::json
