#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>

#include "iof/wire/base64.hpp"
#include "iof/wire/json.hpp"

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

void append_integer(auto value, std::string& out) {
  char buffer[24];
  const auto end = std::to_chars(std::begin(buffer), std::end(buffer), value).ptr;
  out.append(buffer, end);
}

bool emitted(const Message& message, const Reflection& reflection, const FieldDescriptor& field) {
  if (field.is_repeated())
    return reflection.FieldSize(message, &field) > 0;
  if (reflection.HasField(message, &field))
    return true;
  return field.has_default_value() && !field.options().deprecated();
}

std::vector<const FieldDescriptor*> fields_to_write(const Message& message, KeyOrder order) {
  const auto& descriptor = *message.GetDescriptor();
  const auto& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const auto* field = descriptor.field(i);
    if (emitted(message, reflection, *field))
      fields.push_back(field);
  }
  if (order == KeyOrder::sorted) {
    std::sort(fields.begin(), fields.end(),
              [](const auto* a, const auto* b) { return a->name() < b->name(); });
  }
  return fields;
}

void write_message(const Message& message, KeyOrder order, std::string& out);

void write_value(const Message& message, const FieldDescriptor& field, int index, KeyOrder order,
                 std::string& out) {
  const auto& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      append_integer(
          repeated ? r.GetRepeatedInt32(message, &field, index) : r.GetInt32(message, &field), out);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      append_integer(
          repeated ? r.GetRepeatedInt64(message, &field, index) : r.GetInt64(message, &field), out);
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      append_integer(
          repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field),
          out);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      append_integer(
          repeated ? r.GetRepeatedUInt64(message, &field, index) : r.GetUInt64(message, &field),
          out);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_double(
          repeated ? r.GetRepeatedDouble(message, &field, index) : r.GetDouble(message, &field),
          out);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_double(static_cast<double>(repeated ? r.GetRepeatedFloat(message, &field, index)
                                                 : r.GetFloat(message, &field)),
                    out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += (repeated ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field))
                 ? "true"
                 : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      append_quoted(
          (repeated ? r.GetRepeatedEnum(message, &field, index) : r.GetEnum(message, &field))
              ->name(),
          out);
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const auto& text = repeated ? r.GetRepeatedStringReference(message, &field, index, &scratch)
                                  : r.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        append_quoted(base64::encode(text), out);
      } else {
        append_quoted(text, out);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      write_message(
          repeated ? r.GetRepeatedMessage(message, &field, index) : r.GetMessage(message, &field),
          order, out);
      break;
  }
}

// A map is a repeated entry message on the wire; JSON shows it as an object keyed by the entry
// key. Keys are sorted so that output does not depend on hash order.
void write_map(const Message& message, const FieldDescriptor& field, KeyOrder order,
               std::string& out) {
  const auto& r = *message.GetReflection();
  const auto* key_field = field.message_type()->map_key();
  const auto* value_field = field.message_type()->map_value();
  std::vector<std::pair<std::string, const Message*>> entries;
  for (int i = 0; i < r.FieldSize(message, &field); ++i) {
    const auto& entry = r.GetRepeatedMessage(message, &field, i);
    std::string key;
    if (key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      key = entry.GetReflection()->GetString(entry, key_field);
    } else {
      write_value(entry, *key_field, -1, order, key);
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
    write_value(*entries[i].second, *value_field, -1, order, out);
  }
  out += '}';
}

void write_message(const Message& message, KeyOrder order, std::string& out) {
  const auto& reflection = *message.GetReflection();
  out += '{';
  bool first = true;
  for (const auto* field : fields_to_write(message, order)) {
    if (!first)
      out += ',';
    first = false;
    append_quoted(field->name(), out);
    out += ':';
    if (field->is_map()) {
      write_map(message, *field, order, out);
    } else if (field->is_repeated()) {
      out += '[';
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        if (i > 0)
          out += ',';
        write_value(message, *field, i, order, out);
      }
      out += ']';
    } else {
      write_value(message, *field, -1, order, out);
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
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.')
      digits += c;
  }
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
  for (char c : text) {
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
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += hex[static_cast<unsigned char>(c) >> 4];
          out += hex[static_cast<unsigned char>(c) & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void write_to(const Message& message, KeyOrder order, std::string& out) {
  write_message(message, order, out);
}

std::string write(const Message& message, KeyOrder order) {
  std::string out;
  write_message(message, order, out);
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
