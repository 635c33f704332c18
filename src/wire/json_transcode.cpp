// The JSON writer's fast path: the message's binary serialization read field by field, in one
// pass, instead of asking reflection whether each field of each message type is set. Only the
// fields present cost anything, which on a 50,000-offer event is a fraction of those declared.
#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <map>
#include <optional>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "iof/wire/base64.hpp"

#include "json_plan.hpp"

namespace iof::wire::json {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

// One field value found in a message.
struct Occurrence {
  int position;  // of its field in the type's output order
  WireFormatLite::WireType wire_type;
  std::uint64_t number;   // a varint's or fixed-width value
  std::string_view span;  // a length-delimited value
};

// Reads a serialization field by field with protobuf's own reader (as the offers reader does),
// refusing anything malformed or past its end. The bytes must be under 2 GiB.
class FieldReader {
 public:
  explicit FieldReader(std::string_view bytes)
      : bytes_(bytes),
        input_(reinterpret_cast<const std::uint8_t*>(bytes.data()),
               static_cast<int>(bytes.size())) {}

  bool done() const { return input_.CurrentPosition() == static_cast<int>(bytes_.size()); }

  // The next field: its number, and its value in the form its wire type has. Groups (no Mesos
  // message has one) are refused.
  bool next(int& field_number, Occurrence& found) {
    const std::uint32_t tag = input_.ReadTag();
    field_number = WireFormatLite::GetTagFieldNumber(tag);
    if (field_number == 0) {
      return false;
    }
    found.wire_type = WireFormatLite::GetTagWireType(tag);
    switch (found.wire_type) {
      case WireFormatLite::WIRETYPE_VARINT:
        return input_.ReadVarint64(&found.number);
      case WireFormatLite::WIRETYPE_FIXED64:
        return input_.ReadLittleEndian64(&found.number);
      case WireFormatLite::WIRETYPE_FIXED32: {
        std::uint32_t value = 0;
        const bool read = input_.ReadLittleEndian32(&value);
        found.number = value;
        return read;
      }
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
        std::uint32_t length = 0;
        if (!input_.ReadVarint32(&length) || length > INT_MAX) {
          return false;
        }
        const auto at = static_cast<std::size_t>(input_.CurrentPosition());
        if (!input_.Skip(static_cast<int>(length))) {
          return false;
        }
        found.span = bytes_.substr(at, length);
        return true;
      }
      default:
        return false;
    }
  }

 private:
  std::string_view bytes_;
  google::protobuf::io::CodedInputStream input_;
};

// The wire type a field of `type` is written with (never packed: a packed field's bytes do not
// match, and the message is left to reflection).
WireFormatLite::WireType wire_type_of(FieldDescriptor::Type type) {
  return WireFormatLite::WireTypeForFieldType(static_cast<WireFormatLite::FieldType>(type));
}

class Transcoder {
 public:
  explicit Transcoder(KeyOrder order) : order_(order) {}

  bool message(const Descriptor& descriptor, std::string_view bytes, std::string& out);

 private:
  bool fields(const Descriptor& descriptor, std::string_view bytes, std::string& out);
  bool value(const FieldPlan& plan, std::uint64_t number, std::string_view span, std::string& out);
  bool map(const FieldPlan& plan, std::size_t from, std::size_t to, std::string& out);
  bool default_value(const FieldPlan& plan, std::string& out);

  KeyOrder order_;
  // The occurrences of every message being written, innermost last.
  std::vector<Occurrence> stack_;
  int depth_ = 0;
};

bool Transcoder::message(const Descriptor& descriptor, std::string_view bytes, std::string& out) {
  // Protobuf's own parser refuses nesting past 100; deeper bytes are not ours to read.
  constexpr int deepest = 100;
  if (depth_ == deepest) {
    return false;
  }
  ++depth_;
  const bool written = fields(descriptor, bytes, out);
  --depth_;
  return written;
}

bool Transcoder::fields(const Descriptor& descriptor, std::string_view bytes, std::string& out) {
  const TypePlan& plan = plan_of(descriptor, order_);
  if (plan.position_by_number.empty()) {
    return false;
  }
  if (bytes.size() > INT_MAX) {
    return false;
  }
  const std::size_t base = stack_.size();
  FieldReader reader(bytes);
  bool in_order = true;
  while (!reader.done()) {
    int field_number = 0;
    Occurrence found{-1, WireFormatLite::WIRETYPE_VARINT, 0, {}};
    if (!reader.next(field_number, found)) {
      return false;
    }
    const auto number = static_cast<std::size_t>(field_number);
    if (number >= plan.position_by_number.size() || plan.position_by_number[number] < 0) {
      continue;  // unknown to this type: reflection does not show it either
    }
    found.position = plan.position_by_number[number];
    if (stack_.size() > base) {
      const int last = stack_.back().position;
      if (last == found.position && !plan.fields[static_cast<std::size_t>(last)].repeated) {
        return false;  // a singular field twice: protobuf would merge; leave it to reflection
      }
      in_order = in_order && last <= found.position;
    }
    stack_.push_back(found);
  }
  if (!in_order) {
    std::stable_sort(stack_.begin() + static_cast<std::ptrdiff_t>(base), stack_.end(),
                     [](const auto& a, const auto& b) { return a.position < b.position; });
    for (std::size_t i = base + 1; i < stack_.size(); ++i) {
      if (stack_[i].position == stack_[i - 1].position &&
          !plan.fields[static_cast<std::size_t>(stack_[i].position)].repeated) {
        return false;
      }
    }
  }

  out += '{';
  bool first_field = true;
  std::size_t cursor = base;
  const std::size_t end = stack_.size();
  for (std::size_t position = 0; position < plan.fields.size(); ++position) {
    const FieldPlan& field = plan.fields[position];
    std::size_t next = cursor;
    while (next < end && stack_[next].position == static_cast<int>(position)) {
      ++next;
    }
    if (next == cursor && !field.written_when_unset) {
      continue;
    }
    if (!first_field) {
      out += ',';
    }
    first_field = false;
    out += field.key;
    if (next == cursor) {
      if (!default_value(field, out)) {
        return false;
      }
    } else if (field.map) {
      if (!map(field, cursor, next, out)) {
        return false;
      }
    } else if (field.repeated) {
      out += '[';
      bool first_element = true;
      for (std::size_t i = cursor; i < next; ++i) {
        // A copy: writing it may grow the stack. Packed elements (length-delimited numbers)
        // are refused by the wire type check; no Mesos field is packed.
        const Occurrence element = stack_[i];
        if (!first_element) {
          out += ',';
        }
        first_element = false;
        if (element.wire_type != wire_type_of(field.type) ||
            !value(field, element.number, element.span, out)) {
          return false;
        }
      }
      out += ']';
    } else {
      const Occurrence only = stack_[cursor];
      if (only.wire_type != wire_type_of(field.type) ||
          !value(field, only.number, only.span, out)) {
        return false;
      }
    }
    cursor = next;
  }
  out += '}';
  stack_.resize(base);
  return true;
}

bool Transcoder::value(const FieldPlan& field, std::uint64_t number, std::string_view span,
                       std::string& out) {
  switch (field.type) {
    case FieldDescriptor::TYPE_DOUBLE:
      append_double(std::bit_cast<double>(number), out);
      return true;
    case FieldDescriptor::TYPE_INT64:
      append_integer(static_cast<std::int64_t>(number), out);
      return true;
    case FieldDescriptor::TYPE_UINT64:
      append_integer(number, out);
      return true;
    case FieldDescriptor::TYPE_INT32:
      append_integer(static_cast<std::int32_t>(number), out);
      return true;
    case FieldDescriptor::TYPE_UINT32:
      append_integer(static_cast<std::uint32_t>(number), out);
      return true;
    case FieldDescriptor::TYPE_BOOL:
      out += number != 0 ? "true" : "false";
      return true;
    case FieldDescriptor::TYPE_ENUM: {
      // A value unknown to the enum sits among the unknown fields, which reflection does not
      // show as the field: leave such a message to reflection.
      const auto* known =
          field.field->enum_type()->FindValueByNumber(static_cast<std::int32_t>(number));
      if (known == nullptr) {
        return false;
      }
      append_quoted(known->name(), out);
      return true;
    }
    case FieldDescriptor::TYPE_STRING:
      append_quoted(span, out);
      return true;
    case FieldDescriptor::TYPE_BYTES:
      append_quoted(base64::encode(span), out);
      return true;
    case FieldDescriptor::TYPE_MESSAGE:
      return message(*field.field->message_type(), span, out);
    default:
      return false;  // types no Mesos message uses (zigzag, fixed width, float): reflection's
  }
}

// An unset field's value: its declared default, or a message's empty form.
bool Transcoder::default_value(const FieldPlan& plan, std::string& out) {
  const FieldDescriptor& field = *plan.field;
  switch (plan.cpp_type) {
    case FieldDescriptor::CPPTYPE_INT32:
      append_integer(field.default_value_int32(), out);
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      append_integer(field.default_value_int64(), out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      append_integer(field.default_value_uint32(), out);
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      append_integer(field.default_value_uint64(), out);
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_double(field.default_value_double(), out);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_double(static_cast<double>(field.default_value_float()), out);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += field.default_value_bool() ? "true" : "false";
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      append_quoted(field.default_value_enum()->name(), out);
      return true;
    case FieldDescriptor::CPPTYPE_STRING:
      if (plan.type == FieldDescriptor::TYPE_BYTES) {
        append_quoted(base64::encode(field.default_value_string()), out);
      } else {
        append_quoted(field.default_value_string(), out);
      }
      return true;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return message(*field.message_type(), {}, out);  // an empty message, its own defaults
  }
  return false;
}

// A map field: an object keyed by each entry's key, sorted, the last entry winning for a key as
// when protobuf parses the map.
bool Transcoder::map(const FieldPlan& field, std::size_t from, std::size_t to, std::string& out) {
  const Descriptor& entry_type = *field.field->message_type();
  const TypePlan& entry_plan = plan_of(entry_type, order_);
  const FieldPlan* key_plan = nullptr;
  const FieldPlan* value_plan = nullptr;
  for (const auto& entry_field : entry_plan.fields) {
    (entry_field.field->number() == 1 ? key_plan : value_plan) = &entry_field;
  }
  if (key_plan == nullptr || value_plan == nullptr) {
    return false;
  }
  std::map<std::string, std::string> entries;
  for (std::size_t i = from; i < to; ++i) {
    const Occurrence entry = stack_[i];
    if (entry.wire_type != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      return false;
    }
    std::optional<Occurrence> key;
    std::optional<Occurrence> value_found;
    FieldReader reader(entry.span);
    while (!reader.done()) {
      int entry_field = 0;
      Occurrence found{-1, WireFormatLite::WIRETYPE_VARINT, 0, {}};
      if (!reader.next(entry_field, found)) {
        return false;
      }
      if (entry_field != 1 && entry_field != 2) {
        continue;  // unknown to the entry type
      }
      if (found.wire_type != wire_type_of((entry_field == 1 ? key_plan : value_plan)->type)) {
        return false;
      }
      (entry_field == 1 ? key : value_found) = found;
    }
    // A key is shown bare (a string key as it is), a value as JSON; absent, each is its default.
    std::string key_text;
    if (key_plan->cpp_type == FieldDescriptor::CPPTYPE_STRING) {
      key_text = key ? key->span : std::string_view();
    } else if (key ? !value(*key_plan, key->number, key->span, key_text)
                   : !default_value(*key_plan, key_text)) {
      return false;
    }
    std::string value_text;
    if (value_found ? !value(*value_plan, value_found->number, value_found->span, value_text)
                    : !default_value(*value_plan, value_text)) {
      return false;
    }
    entries[std::move(key_text)] = std::move(value_text);
  }
  out += '{';
  bool first = true;
  for (const auto& [key, text] : entries) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_quoted(key, out);
    out += ':';
    out += text;
  }
  out += '}';
  return true;
}

}  // namespace

bool write_from_wire(const Descriptor& descriptor, std::string_view bytes, KeyOrder order,
                     std::string& out) {
  const std::size_t written = out.size();
  Transcoder transcoder(order);
  if (!transcoder.message(descriptor, bytes, out)) {
    out.resize(written);
    return false;
  }
  return true;
}

}  // namespace iof::wire::json
