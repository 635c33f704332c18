// The JSON offers path turns each offer into protobuf bytes as it is parsed (json_wire.hpp)
// instead of converting a document with to_message(). On random messages of every kind, and on
// their JSON bent into the shapes to_message() takes or refuses, whatever the transcoder converts
// must be byte for byte what to_message() makes of it, and whatever to_message() refuses (but for
// a missing required field, which the reader checks after parsing) the transcoder must refuse.
#include <optional>
#include <random>
#include <string>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "random_message.hpp"

namespace {

namespace json = iof::wire::json;
namespace bj = boost::json;
using google::protobuf::Descriptor;
using iof::test::RandomFiller;

// The element's bytes as the offers reader gets them; nullopt when the transcoder refused it.
std::optional<std::string> transcode(const Descriptor& type, const std::string& element) {
  std::optional<std::string> bytes;
  json::Diversion diversion{"a", "b", type,
                            [&](std::string_view taken) { bytes = std::string(taken); }};
  const auto document = json::parse(R"({"a":{"b":[)" + element + "]}}", &diversion);
  REQUIRE(document.has_value());
  CHECK(diversion.arrays == 1);
  if (diversion.refused) {
    CHECK_FALSE(bytes.has_value());
    return std::nullopt;
  }
  REQUIRE(bytes.has_value());
  return bytes;
}

struct Tally {
  int converted = 0;
  int refused = 0;
};

template <typename Type>
void check_element(const std::string& element, Tally& tally) {
  INFO(Type::descriptor()->name(), ": ", element);
  const auto parsed = json::parse(element);
  if (!parsed) {
    return;  // not JSON (random text is not always UTF-8): the whole document fails to parse
  }
  Type reference;
  const auto converted = json::to_message(*parsed, reference);
  const auto bytes = transcode(*Type::descriptor(), element);
  if (!bytes) {
    ++tally.refused;
    return;
  }
  ++tally.converted;
  if (!converted) {
    REQUIRE(converted.error().message.starts_with("Missing required fields"));
  }
  Type transcoded;
  REQUIRE(transcoded.ParsePartialFromString(*bytes));
  CHECK(transcoded.IsInitialized() == reference.IsInitialized());
  CHECK(transcoded.SerializePartialAsString() == reference.SerializePartialAsString());
}

// One random change somewhere in the document: the shapes to_message() has rules for.
class Bender {
 public:
  explicit Bender(std::uint64_t seed) : random_(seed) {}

  void bend(bj::value& value, int depth = 0) {
    if (value.is_object()) {
      auto& object = value.as_object();
      if (object.empty() || one_in(4)) {
        object["zz_unknown"] = bj::parse(R"({"x":[1,{"y":null},"z"],"w":{}})");
        return;
      }
      auto member = object.begin() + static_cast<long>(random_() % object.size());
      if (depth < 6 && one_in(2)) {
        bend(member->value(), depth + 1);
      } else {
        replace(member->value());
      }
    } else if (value.is_array() && !value.as_array().empty()) {
      auto& array = value.as_array();
      bend(array[random_() % array.size()], depth + 1);
    } else {
      replace(value);
    }
  }

 private:
  bool one_in(std::uint64_t n) { return random_() % n == 0; }

  void replace(bj::value& value) {
    switch (random_() % 12) {
      case 0:
        value = nullptr;
        break;
      case 1:
        value = bj::array{value};  // a lone value for a list, or a list for a single value
        break;
      case 2:
        if (value.is_array() && !value.as_array().empty()) {
          value = bj::value(value.as_array()[0]);
        } else {
          value = bj::array{bj::array{value}};  // a list within a list
        }
        break;
      case 3:
        value = bj::serialize(value);  // quoted
        break;
      case 4:
        value = 1.5;
        break;
      case 5:
        value = -1;
        break;
      case 6:
        value = std::uint64_t{18446744073709551615ULL};
        break;
      case 7:
        value = "NOT_A_NAME";
        break;
      case 8:
        value = true;
        break;
      case 9:
        value = bj::object{};
        break;
      case 10:
        value = "aGVsbG8=";  // base64, or a string where it does not belong
        break;
      default:
        value = bj::array{};
        break;
    }
  }

  std::mt19937_64 random_;
};

// The same key twice in the outermost object: which one counts is to_message()'s business.
std::string with_repeated_key(const bj::object& object, std::mt19937_64& random) {
  const auto& first = *object.begin();
  const bj::value again = random() % 2 == 0 ? bj::value(nullptr) : first.value();
  const std::string text = bj::serialize(object);
  return "{" + bj::serialize(bj::string(first.key())) + ":" + bj::serialize(again) + "," +
         text.substr(1);
}

template <typename Type>
Tally check_type(std::uint64_t seeds) {
  Tally tally;
  std::mt19937_64 random(seeds);
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    Type message;
    RandomFiller(seed).fill(message, 0);
    const std::string text = json::write(message);
    check_element<Type>(text, tally);
    boost::system::error_code not_json;
    const bj::value whole = bj::parse(text, not_json);
    if (not_json) {
      continue;  // random text is not always UTF-8
    }
    for (int round = 0; round < 4; ++round) {
      bj::value bent = whole;
      Bender(seed * 8 + static_cast<std::uint64_t>(round)).bend(bent);
      check_element<Type>(bj::serialize(bent), tally);
    }
    if (!whole.as_object().empty()) {
      check_element<Type>(with_repeated_key(whole.as_object(), random), tally);
    }
  }
  return tally;
}

}  // namespace

TEST_CASE("transcoded JSON is what to_message() makes of it, on random and bent messages") {
  const Tally offers = check_type<mesos::v1::Offer>(400);
  // Most offers convert, so the fast path is what runs; their bent copies are often refused.
  CHECK(offers.converted > 250);
  CHECK(offers.refused > 150);
  check_type<mesos::v1::Resource>(300);          // a map of scalars
  check_type<mesos::v1::TaskInfo>(300);          // bytes
  check_type<mesos::v1::FrameworkInfo>(300);     // a map of messages
  check_type<mesos::v1::scheduler::Event>(200);  // oneofs, deep within
  check_type<mesos::v1::scheduler::Call>(200);
}

TEST_CASE("the transcoder refuses what to_message() judges differently or fails") {
  const auto offer_with = [](const std::string& members) {
    return R"({"id":{"value":"o"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},)"
           R"("hostname":"h")" +
           members + "}";
  };
  const Descriptor& type = *mesos::v1::Offer::descriptor();
  // Taken: the master's own shapes, a lone value for a list, nulls and unknown keys.
  for (const std::string members :
       {"", R"(,"resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":2.5}}])",
        R"(,"resources":{"name":"cpus","type":"SCALAR","scalar":{"value":2}})",
        R"(,"url":null,"nope":[[1],{"a":{}}],"resources":[null])"}) {
    CAPTURE(members);
    CHECK(transcode(type, offer_with(members)).has_value());
  }
  // Refused: not an object, a quoted number, a fraction for an integer, a list within a list,
  // a repeated key, a list for a single value, a number for a string, an unknown name for a
  // required enum.
  for (const std::string& element :
       {std::string("null"), std::string("[]"), std::string("\"x\""),
        offer_with(R"(,"url":{"scheme":"http","address":{"port":"5051"}})"),
        offer_with(R"(,"url":{"scheme":"http","address":{"port":5051.5}})"),
        offer_with(R"(,"resources":[[{"name":"cpus","type":"SCALAR"}]])"),
        offer_with(R"(,"hostname":"again")"), offer_with(R"(,"url":[{"scheme":"http"}])"),
        offer_with(R"(,"url":{"scheme":5})"),
        offer_with(R"(,"resources":[{"name":"cpus","type":"NO_SUCH_TYPE"}])")}) {
    CAPTURE(element);
    CHECK_FALSE(transcode(type, element).has_value());
  }
  // Nesting: its frames are kept in place, 32 deep at most; deeper goes to to_message().
  const auto nested = [](int depth) {
    std::string value = "1";
    for (int i = 0; i < depth; ++i) {
      value = R"({"a":)" + value + "}";
    }
    return R"(,"nope":)" + value;
  };
  CHECK(transcode(type, offer_with(nested(30))).has_value());
  CHECK_FALSE(transcode(type, offer_with(nested(40))).has_value());
}
