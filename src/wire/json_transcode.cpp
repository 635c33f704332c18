// The JSON writer's fast path: the message's binary serialization read field by field, in one
// pass, instead of asking reflection whether each field of each message type is set. Only the
// fields present cost anything, which on a 50,000-offer event is a fraction of those declared.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>

#include "iof/wire/base64.hpp"

#include "json_plan.hpp"
#include "wire_reader.hpp"

namespace iof::wire::json {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using wire::WireReader;
using wire::WireType;

// One field value found in a message.
struct Occurrence {
  int position;  // of its field in the type's output order
  std::uint32_t wire_type;
  std::uint64_t number;
  std::string_view span;
};

// The wire type a field of `type` is written with. Types no Mesos message uses (zigzag, fixed
// width, float, groups) are left to reflection: `value` refuses them.
WireType wire_type_of(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_DOUBLE:
      return fixed64;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return length_delimited;
    default:
      return varint;
  }
}

class Transcoder {
 public:
  explicit Transcoder(KeyOrder order) : order_(order) {}

  bool message(const Descriptor& descriptor, std::string_view bytes, std::string& out);

 private:
  bool fields(const Descriptor& descriptor, std::string_view bytes, std::string& out);
  bool value(const FieldPlan& plan, std::uint64_t number, std::string_view span, std::string& out);
  bool map(const FieldPlan& plan, std::size_t from, std::size_t to, std::string& out);
  static bool default_value(const FieldPlan& plan, std::string& out);

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
  const std::size_t base = stack_.size();
  WireReader reader(bytes);
  bool in_order = true;
  while (!reader.done()) {
    std::uint64_t tag = 0;
    Occurrence found{-1, 0, 0, {}};
    if (!reader.read_varint(tag) || tag >> 3 == 0 || tag >> 3 > 0x1fffffff) {
      return false;
    }
    found.wire_type = static_cast<std::uint32_t>(tag & 7);
    if (!reader.read_value(found.wire_type, found.number, found.span)) {
      return false;
    }
    const auto number = static_cast<std::size_t>(tag >> 3);
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
      return false;  // see wire_type_of
  }
}

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
      return false;  // messages have no explicit default
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
    if (entry.wire_type != length_delimited) {
      return false;
    }
    std::optional<std::pair<std::uint64_t, std::string_view>> key;
    std::optional<std::pair<std::uint64_t, std::string_view>> value_found;
    WireReader reader(entry.span);
    while (!reader.done()) {
      std::uint64_t tag = 0;
      std::uint64_t number = 0;
      std::string_view span;
      if (!reader.read_varint(tag) || !reader.read_value(tag & 7, number, span)) {
        return false;
      }
      const std::uint64_t entry_field = tag >> 3;
      if (entry_field != 1 && entry_field != 2) {
        continue;  // unknown to the entry type
      }
      if ((tag & 7) != wire_type_of((entry_field == 1 ? key_plan : value_plan)->type)) {
        return false;
      }
      (entry_field == 1 ? key : value_found) = std::pair{number, span};
    }
    std::string key_text;
    if (!key) {
      if (key_plan->cpp_type != FieldDescriptor::CPPTYPE_STRING) {
        key_text = "0";
        if (key_plan->cpp_type == FieldDescriptor::CPPTYPE_BOOL) {
          key_text = "false";
        }
      }
    } else if (key_plan->cpp_type == FieldDescriptor::CPPTYPE_STRING) {
      key_text = key->second;
    } else if (!value(*key_plan, key->first, key->second, key_text)) {
      return false;
    }
    std::string value_text;
    if (value_found) {
      if (!value(*value_plan, value_found->first, value_found->second, value_text)) {
        return false;
      }
    } else if (value_plan->cpp_type == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!message(*value_plan->field->message_type(), {}, value_text)) {
        return false;
      }
    } else if (!default_value(*value_plan, value_text)) {
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
