#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "iof/wire/base64.hpp"
#include "iof/wire/json.hpp"

#include "json_plan.hpp"

namespace iof::wire::json {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Places shortest round-trip digits the way rapidjson's writer (the master's) lays them out:
// plain decimals for exponents up to 21, ".0" on integral values, otherwise "d.ddde±x".
void lay_out_digits(std::string_view digits, int exponent, std::string& out) {
  const int length = static_cast<int>(digits.size());
  const int point = exponent + 1;  // position of the decimal point after the first digit
  if (point >= length && point <= 21) {
    out.append(digits);
    out.append(static_cast<std::size_t>(point - length), '0');
    out += ".0";
  } else if (point > 0 && point <= 21) {
    out.append(digits.substr(0, static_cast<std::size_t>(point)));
    out += '.';
    out.append(digits.substr(static_cast<std::size_t>(point)));
  } else if (point > -6 && point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out.append(digits);
  } else {
    out += digits[0];
    if (length > 1) {
      out += '.';
      out.append(digits.substr(1));
    }
    out += 'e';
    out += std::to_string(exponent);
  }
}

// Whether a character of a JSON string must be escaped.
constexpr std::array<bool, 256> escaped_characters = [] {
  std::array<bool, 256> table{};
  for (std::size_t c = 0; c < 0x20; ++c)
    table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

void write_message(const Message& message, KeyOrder order, std::string& out);

// One value of `plan`'s field: the field itself, or its `index`th element when repeated.
void write_value(const Message& message, const Reflection& r, const FieldPlan& plan, int index,
                 KeyOrder order, std::string& out) {
  const FieldDescriptor* field = plan.field;
  const bool repeated = plan.repeated;
  switch (plan.cpp_type) {
    case FieldDescriptor::CPPTYPE_INT32:
      append_integer(
          repeated ? r.GetRepeatedInt32(message, field, index) : r.GetInt32(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      append_integer(
          repeated ? r.GetRepeatedInt64(message, field, index) : r.GetInt64(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      append_integer(
          repeated ? r.GetRepeatedUInt32(message, field, index) : r.GetUInt32(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      append_integer(
          repeated ? r.GetRepeatedUInt64(message, field, index) : r.GetUInt64(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_double(
          repeated ? r.GetRepeatedDouble(message, field, index) : r.GetDouble(message, field), out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_double(static_cast<double>(repeated ? r.GetRepeatedFloat(message, field, index)
                                                 : r.GetFloat(message, field)),
                    out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += (repeated ? r.GetRepeatedBool(message, field, index) : r.GetBool(message, field))
                 ? "true"
                 : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      append_quoted(
          (repeated ? r.GetRepeatedEnum(message, field, index) : r.GetEnum(message, field))->name(),
          out);
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const auto& text = repeated ? r.GetRepeatedStringReference(message, field, index, &scratch)
                                  : r.GetStringReference(message, field, &scratch);
      if (plan.type == FieldDescriptor::TYPE_BYTES) {
        append_quoted(base64::encode(text), out);
      } else {
        append_quoted(text, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      write_message(
          repeated ? r.GetRepeatedMessage(message, field, index) : r.GetMessage(message, field),
          order, out);
      break;
  }
}

// A map is a repeated entry message on the wire; JSON shows it as an object keyed by the entry
// key. Keys are sorted so that output does not depend on hash order.
void write_map(const Message& message, const Reflection& r, const FieldPlan& plan, KeyOrder order,
               std::string& out) {
  const auto* entry_type = plan.field->message_type();
  const FieldPlan key_plan = plan_field(*entry_type->map_key());
  const FieldPlan value_plan = plan_field(*entry_type->map_value());
  std::vector<std::pair<std::string, const Message*>> entries;
  for (int i = 0; i < r.FieldSize(message, plan.field); ++i) {
    const auto& entry = r.GetRepeatedMessage(message, plan.field, i);
    const auto& entry_reflection = *entry.GetReflection();
    std::string key;
    if (key_plan.cpp_type == FieldDescriptor::CPPTYPE_STRING) {
      key = entry_reflection.GetString(entry, key_plan.field);
    } else {
      write_value(entry, entry_reflection, key_plan, -1, order, key);
    }
    entries.emplace_back(std::move(key), &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out += '{';
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0)
      out += ',';
    append_quoted(entries[i].first, out);
    out += ':';
    write_value(*entries[i].second, *entries[i].second->GetReflection(), value_plan, -1, order,
                out);
  }
  out += '}';
}

void write_message(const Message& message, KeyOrder order, std::string& out) {
  // Looked up once per message: each lookup costs a once-flag check inside protobuf.
  const Reflection& reflection = *message.GetReflection();
  out += '{';
  bool first = true;
  for (const auto& plan : plan_of(*message.GetDescriptor(), order).fields) {
    const int size = plan.repeated ? reflection.FieldSize(message, plan.field) : 0;
    if (plan.repeated ? size == 0
                      : !plan.written_when_unset && !reflection.HasField(message, plan.field)) {
      continue;
    }
    if (!first)
      out += ',';
    first = false;
    out += plan.key;
    if (plan.map) {
      write_map(message, reflection, plan, order, out);
    } else if (plan.repeated) {
      out += '[';
      for (int i = 0; i < size; ++i) {
        if (i > 0)
          out += ',';
        write_value(message, reflection, plan, i, order, out);
      }
      out += ']';
    } else {
      write_value(message, reflection, plan, -1, order, out);
    }
  }
  out += '}';
}

}  // namespace

void append_double(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    // The master's writer is patched to quote infinities, but not NaN.
    out += value < 0 ? "\"-Infinity\"" : "\"Infinity\"";
    return;
  }
  if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  // Scientific form gives the shortest digits and the exponent separately: "-1.234e+05".
  char buffer[40];
  const auto end =
      std::to_chars(std::begin(buffer), std::end(buffer), value, std::chars_format::scientific).ptr;
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const auto e = text.find('e');
  char digit_buffer[40];
  std::size_t digit_count = 0;
  for (char c : text.substr(0, e)) {
    if (c != '.')
      digit_buffer[digit_count++] = c;
  }
  const std::string_view digits(digit_buffer, digit_count);
  int exponent = 0;
  auto exponent_text = text.substr(e + 1);
  if (exponent_text.front() == '+')
    exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  lay_out_digits(digits, exponent, out);
}

void append_quoted(std::string_view text, std::string& out) {
  constexpr char hex[] = "0123456789ABCDEF";
  out += '"';
  // Runs of characters that need no escape, nearly all text, are appended at once.
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!escaped_characters[c]) {
      continue;
    }
    out.append(text.substr(run_start, i - run_start));
    run_start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
  }
  out.append(text.substr(run_start));
  out += '"';
}

void write_by_reflection(const Message& message, KeyOrder order, std::string& out) {
  write_message(message, order, out);
}

void write_to(const Message& message, KeyOrder order, std::string& out) {
  // Serialising and reading the bytes back field by field is several times quicker than asking
  // reflection about every declared field; reflection stays for what the bytes cannot tell
  // plainly (an enum value the type does not know, kept among unknown fields).
  std::string serialized;
  const bool serialized_ok = message.SerializePartialToString(&serialized);
  // JSON runs to about twice the binary size. Reserving that at once spares growing a large
  // output by copies; pages reserved and never written cost nothing.
  out.reserve(out.size() + 3 * serialized.size());
  if (serialized_ok && write_from_wire(*message.GetDescriptor(), serialized, order, out)) {
    return;
  }
  write_message(message, order, out);
}

bool write_serialized(const google::protobuf::Descriptor& descriptor, std::string_view bytes,
                      KeyOrder order, std::string& out) {
  return write_from_wire(descriptor, bytes, order, out);
}

std::string write(const Message& message, KeyOrder order) {
  std::string out;
  write_to(message, order, out);
  return out;
}

std::string write_metrics(const std::map<std::string, double>& metrics) {
  std::string out = "{";
  for (const auto& [name, value] : metrics) {
    if (out.size() > 1) {
      out += ',';
    }
    append_quoted(name, out);
    out += ':';
    append_double(value, out);
  }
  return out + "}";
}

}  // namespace iof::wire::json
