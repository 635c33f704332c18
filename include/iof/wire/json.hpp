#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "iof/common/result.hpp"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

// JSON <-> protobuf exactly as a Mesos master converts them (stout): proto field names, enum
// names, base64 bytes, bare 64-bit integers, unset fields with explicit defaults written out.
namespace iof::wire::json {

enum class KeyOrder {
  // Field declaration order: the scheduler event stream and call bodies.
  declaration,
  // Keys sorted by name: master endpoints that render a JSON object model
  // (/master/maintenance/schedule and /status).
  sorted,
};

std::string write(const google::protobuf::Message& message, KeyOrder order = KeyOrder::declaration);
void write_to(const google::protobuf::Message& message, KeyOrder order, std::string& out);
// Appends the JSON of a message of type `descriptor` given as its protobuf serialization, without
// building the message. False, with `out` as it was, when the bytes are not a well-formed
// serialization of that type or hold what only reflection can tell (an unknown enum value).
bool write_serialized(const google::protobuf::Descriptor& descriptor, std::string_view bytes,
                      KeyOrder order, std::string& out);

// Doubles the way the master prints them: shortest round-trip digits, ".0" on integral values.
void append_double(double value, std::string& out);
void append_quoted(std::string_view text, std::string& out);

// A /metrics/snapshot body as libprocess writes it: one flat object, keys sorted, every value a
// double.
std::string write_metrics(const std::map<std::string, double>& metrics);

// Elements of the array at root[outer][inner], each handed to `take` as the protobuf
// serialization of a `type` message as soon as it is parsed, instead of being kept in the
// document (where that array is left empty). The bytes live only for the call. An element the
// transcoder does not convert (json_wire.hpp) sets `refused`, and nothing more is handed over.
// When a key on that path is repeated, `repeated_key` says so: elements of every array there were
// handed over, whichever value the document keeps.
struct Diversion {
  std::string_view outer;
  std::string_view inner;
  const google::protobuf::Descriptor& type;
  std::function<void(std::string_view)> take;
  bool refused = false;
  std::size_t arrays = 0;  // arrays found at the path
  bool repeated_key = false;
};

// Parses JSON text with correctly rounded numbers. The error reads like the master's:
// "syntax error at line N near: <rest of that line>".
Result<boost::json::value> parse(std::string_view text, Diversion* diversion = nullptr);

// Fills `message` from JSON with the master's rules: unknown keys and nulls are ignored,
// numbers and booleans may be quoted, required fields must end up set.
Result<void> to_message(const boost::json::value& json, google::protobuf::Message& message);

// parse() then to_message().
Result<void> read(std::string_view text, google::protobuf::Message& message);

}  // namespace iof::wire::json
