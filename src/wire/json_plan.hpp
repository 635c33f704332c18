// How the JSON writer lays out each message type, worked out once per type, and the two ways it
// writes a message: from reflection, and from the binary serialization. Internal to the wire
// layer; tests hold the two against each other.
#pragma once

#include <charconv>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "iof/wire/json.hpp"

namespace iof::wire::json {

// How one field is written.
struct FieldPlan {
  const google::protobuf::FieldDescriptor* field;
  std::string key;  // the quoted name and its colon
  google::protobuf::FieldDescriptor::CppType cpp_type;
  google::protobuf::FieldDescriptor::Type type;
  bool repeated;
  bool map;
  // Written even when unset: an explicit default, as stout does, unless deprecated.
  bool written_when_unset;
};

// A message type's fields in output order, and where each field number sits in it.
struct TypePlan {
  std::vector<FieldPlan> fields;
  // -1 where no field has the number; empty when the numbers are too large to table, and the
  // type is then not read from bytes.
  std::vector<int> position_by_number;
};

FieldPlan plan_field(const google::protobuf::FieldDescriptor& field);
// Cached per thread; walking the descriptor, sorting names and escaping keys for every message
// of a 50,000-offer event cost more than writing the values.
const TypePlan& plan_of(const google::protobuf::Descriptor& descriptor, KeyOrder order);

template <typename Integer>
void append_integer(Integer value, std::string& out) {
  char buffer[24];
  const auto end = std::to_chars(std::begin(buffer), std::end(buffer), value).ptr;
  out.append(buffer, end);
}

void write_by_reflection(const google::protobuf::Message& message, KeyOrder order,
                         std::string& out);
// Appends the JSON of the message of type `descriptor` serialized as `bytes`. False, with `out`
// as it was, when the bytes are not a well-formed serialization of that type.
bool write_from_wire(const google::protobuf::Descriptor& descriptor, std::string_view bytes,
                     KeyOrder order, std::string& out);

}  // namespace iof::wire::json
