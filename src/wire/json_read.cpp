#include <algorithm>
#include <limits>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "iof/wire/base64.hpp"
#include "iof/wire/json.hpp"

#include "json_names.hpp"

namespace iof::wire::json {
namespace {

namespace bj = boost::json;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

Result<void> fill(Message& message, const bj::object& object);

// Sets a singular field or appends to a repeated one; stout accepts a lone value for a
// repeated field as a one-element list.
class FieldWriter {
 public:
  FieldWriter(Message& message, const FieldDescriptor& field)
      : message_(message), field_(field), reflection_(*message.GetReflection()) {}

  Result<void> apply(const bj::value& value) const {
    switch (value.kind()) {
      case bj::kind::object:
        return from_object(value.get_object());
      case bj::kind::array:
        return from_array(value.get_array());
      case bj::kind::string:
        return from_string(value.get_string());
      case bj::kind::int64:
      case bj::kind::uint64:
      case bj::kind::double_:
        return from_number(value);
      case bj::kind::bool_:
        return from_bool(value.get_bool());
      case bj::kind::null:
        return {};
    }
    return {};
  }

 private:
  bool repeated() const { return field_.is_repeated(); }
  Error not_expecting(std::string_view what) const {
    return Error{"Not expecting a JSON " + std::string(what) + " for field '" + field_.name() +
                 "'"};
  }

  Result<void> from_object(const bj::object& object) const {
    if (field_.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)
      return not_expecting("object");
    if (field_.is_map())
      return from_map(object);
    auto* child = repeated() ? reflection_.AddMessage(&message_, &field_)
                             : reflection_.MutableMessage(&message_, &field_);
    return fill(*child, object);
  }

  Result<void> from_map(const bj::object& object) const {
    const auto* entry_type = field_.message_type();
    for (const auto& [key, value] : object) {
      auto* entry = reflection_.AddMessage(&message_, &field_);
      if (auto result = FieldWriter(*entry, *entry_type->map_key()).apply(bj::string(key));
          !result) {
        return result;
      }
      if (auto result = FieldWriter(*entry, *entry_type->map_value()).apply(value); !result) {
        return result;
      }
    }
    return {};
  }

  Result<void> from_array(const bj::array& array) const {
    if (!repeated())
      return not_expecting("array");
    for (const auto& element : array) {
      if (auto result = apply(element); !result)
        return result;
    }
    return {};
  }

  Result<void> from_string(const bj::string& text) const {
    if (field_.type() == FieldDescriptor::TYPE_STRING) {
      // Copied once, straight into the message.
      if (repeated()) {
        reflection_.AddString(&message_, &field_, std::string(text));
      } else {
        reflection_.SetString(&message_, &field_, std::string(text));
      }
      return {};
    }
    if (field_.type() == FieldDescriptor::TYPE_ENUM) {
      return from_enum_name(text);
    }
    const std::string value(text.data(), text.size());
    switch (field_.type()) {
      case FieldDescriptor::TYPE_BYTES: {
        auto bytes = base64::decode(value);
        if (!bytes) {
          return Error{"Failed to base64 decode bytes field '" + field_.name() +
                       "': " + bytes.error().message};
        }
        if (repeated()) {
          reflection_.AddString(&message_, &field_, std::move(*bytes));
        } else {
          reflection_.SetString(&message_, &field_, std::move(*bytes));
        }
        return {};
      }
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return not_expecting("string");
      default:
        return from_quoted(value);
    }
  }

  Result<void> from_enum_name(std::string_view name) const {
    const auto* named = EnumValuesByName::of(*field_.enum_type()).find(name);
    const auto* enum_value = named == nullptr ? nullptr : named->item;
    if (enum_value == nullptr) {
      // The master drops names it does not know from optional and repeated fields, so that
      // newer peers can add values; a required enum cannot be left unset.
      if (field_.is_required()) {
        return Error{"Failed to find enum for '" + std::string(name) + "'"};
      }
      return {};
    }
    if (repeated()) {
      reflection_.AddEnum(&message_, &field_, enum_value);
    } else {
      reflection_.SetEnum(&message_, &field_, enum_value);
    }
    return {};
  }

  // Numbers and booleans may arrive quoted ("5", "true", "Infinity"); the quoted text is read as
  // JSON of the field's kind.
  Result<void> from_quoted(const std::string& value) const {
    const bool is_bool = field_.cpp_type() == FieldDescriptor::CPPTYPE_BOOL;
    const bool is_floating = field_.cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
                             field_.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT;
    if (is_floating && (value == "Infinity" || value == "-Infinity")) {
      const double infinity = std::numeric_limits<double>::infinity();
      return from_number(bj::value(value.front() == '-' ? -infinity : infinity));
    }
    const auto failure = [&](const std::string& reason) {
      return Error{"Failed to parse '" + value + "' as a JSON " + (is_bool ? "boolean" : "number") +
                   " for field '" + field_.name() + "': " + reason};
    };
    auto inner = parse(value);
    if (!inner)
      return failure(inner.error().message);
    if (is_bool ? !inner->is_bool() : !inner->is_number()) {
      return failure("Unexpected JSON type parsed");
    }
    return apply(*inner);
  }

  template <class T>
  static T number_as(const bj::value& value) {
    switch (value.kind()) {
      case bj::kind::int64:
        return static_cast<T>(value.get_int64());
      case bj::kind::uint64:
        return static_cast<T>(value.get_uint64());
      default:
        return static_cast<T>(value.get_double());
    }
  }

  Result<void> from_number(const bj::value& value) const {
    auto* m = &message_;
    const auto* f = &field_;
    const auto& r = reflection_;
    switch (field_.cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
        repeated() ? r.AddDouble(m, f, number_as<double>(value))
                   : r.SetDouble(m, f, number_as<double>(value));
        return {};
      case FieldDescriptor::CPPTYPE_FLOAT:
        repeated() ? r.AddFloat(m, f, number_as<float>(value))
                   : r.SetFloat(m, f, number_as<float>(value));
        return {};
      case FieldDescriptor::CPPTYPE_INT64:
        repeated() ? r.AddInt64(m, f, number_as<std::int64_t>(value))
                   : r.SetInt64(m, f, number_as<std::int64_t>(value));
        return {};
      case FieldDescriptor::CPPTYPE_UINT64:
        repeated() ? r.AddUInt64(m, f, number_as<std::uint64_t>(value))
                   : r.SetUInt64(m, f, number_as<std::uint64_t>(value));
        return {};
      case FieldDescriptor::CPPTYPE_INT32:
        repeated() ? r.AddInt32(m, f, number_as<std::int32_t>(value))
                   : r.SetInt32(m, f, number_as<std::int32_t>(value));
        return {};
      case FieldDescriptor::CPPTYPE_UINT32:
        repeated() ? r.AddUInt32(m, f, number_as<std::uint32_t>(value))
                   : r.SetUInt32(m, f, number_as<std::uint32_t>(value));
        return {};
      default:
        return not_expecting("number");
    }
  }

  Result<void> from_bool(bool value) const {
    if (field_.cpp_type() != FieldDescriptor::CPPTYPE_BOOL)
      return not_expecting("boolean");
    repeated() ? reflection_.AddBool(&message_, &field_, value)
               : reflection_.SetBool(&message_, &field_, value);
    return {};
  }

  Message& message_;
  const FieldDescriptor& field_;
  const google::protobuf::Reflection& reflection_;
};

Result<void> apply_member(Message& message, const FieldsByName& fields,
                          const bj::key_value_pair& member) {
  const auto* field = fields.find(member.key());
  if (field == nullptr)
    return {};  // unknown keys are ignored, for forward compatibility
  return FieldWriter(message, *field->item).apply(member.value());
}

Result<void> fill(Message& message, const bj::object& object) {
  const auto& descriptor = *message.GetDescriptor();
  const FieldsByName& fields = FieldsByName::of(descriptor);
  // Distinct fields come out the same whatever order they are set in, unless two members of a
  // oneof are given (the last set wins). So without a oneof the keys are walked as they come,
  // which spares sorting every object of a large event.
  Result<void> unsorted;
  if (descriptor.oneof_decl_count() == 0) {
    for (const auto& member : object) {
      unsorted = apply_member(message, fields, member);
      if (!unsorted)
        break;
    }
    if (unsorted)
      return {};
  }
  // The master walks keys in sorted order, which decides which error is reported first. A
  // member's error depends on its value alone, so walking again in that order finds it.
  std::vector<const bj::key_value_pair*> members;
  members.reserve(object.size());
  for (const auto& member : object)
    members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  for (const auto* member : members) {
    if (auto result = apply_member(message, fields, *member); !result)
      return result;
  }
  return unsorted;
}

}  // namespace

Result<void> to_message(const boost::json::value& json, Message& message) {
  if (!json.is_object())
    return Error{"Expecting a JSON object"};
  if (auto result = fill(message, json.get_object()); !result)
    return result;
  if (!message.IsInitialized()) {
    return Error{"Missing required fields: " + message.InitializationErrorString()};
  }
  return {};
}

Result<void> read(std::string_view text, Message& message) {
  auto json = parse(text);
  if (!json)
    return json.error();
  return to_message(*json, message);
}

}  // namespace iof::wire::json
