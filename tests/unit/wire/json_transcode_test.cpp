// The JSON writer reads a message's binary serialization instead of asking reflection about
// every field. Both ways must write the very same bytes: on random messages of every kind the
// scheduler API carries, and on messages protobuf keeps unknown fields for.
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include "iof/wire/json.hpp"

#include "json_plan.hpp"
#include "mesos/v1/mesos.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace {

namespace json = iof::wire::json;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class RandomFiller {
 public:
  explicit RandomFiller(std::uint64_t seed) : random_(seed) {}

  void fill(Message& message, int depth) {
    const auto& descriptor = *message.GetDescriptor();
    const auto& reflection = *message.GetReflection();
    for (int i = 0; i < descriptor.field_count(); ++i) {
      const FieldDescriptor& field = *descriptor.field(i);
      // Deep messages are left mostly empty, so that the whole stays small.
      if (chance(depth > 3 ? 0.1 : 0.45)) {
        continue;
      }
      if (field.is_repeated()) {
        const int count = static_cast<int>(random_() % 4);
        for (int n = 0; n < count; ++n) {
          put(message, reflection, field, depth);
          if (field.is_map()) {
            // A parsed map has each key once; Mesos maps are keyed by strings.
            Message& entry = *reflection.MutableRepeatedMessage(&message, &field, n);
            entry.GetReflection()->SetString(&entry, field.message_type()->map_key(),
                                             "key" + std::to_string(n) + text());
          }
        }
      } else {
        put(message, reflection, field, depth);
      }
    }
  }

 private:
  bool chance(double probability) {
    return std::uniform_real_distribution<>()(random_) > probability;
  }

  std::string text() {
    static const std::string alphabet = "ab*/:\"\\\n\t\x01\x1f\x7f é-_0";
    std::string out;
    const std::size_t length = random_() % 12;
    for (std::size_t i = 0; i < length; ++i) {
      out += alphabet[random_() % alphabet.size()];
    }
    return out;
  }

  double real() {
    switch (random_() % 8) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return -std::numeric_limits<double>::infinity();
      case 2:
        return -0.0;
      case 3:
        return 1e22;
      case 4:
        return 1.5e-7;
      default:
        return std::uniform_real_distribution<>(-1e6, 1e6)(random_);
    }
  }

  std::uint64_t integer() {
    switch (random_() % 4) {
      case 0:
        return 0;
      case 1:
        return ~std::uint64_t{0};  // all bits: -1 for the signed types
      case 2:
        return std::uint64_t{1} << 63;
      default:
        return random_() % 100000;
    }
  }

  const google::protobuf::EnumValueDescriptor* enum_value(const FieldDescriptor& field) {
    const auto& type = *field.enum_type();
    return type.value(static_cast<int>(random_() % static_cast<std::uint64_t>(type.value_count())));
  }

  // Sets a singular field, or adds an element to a repeated one: reflection's SetX and AddX
  // take the same arguments.
  void put(Message& m, const Reflection& r, const FieldDescriptor& f, int depth) {
    const bool add = f.is_repeated();
    switch (f.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        (r.*(add ? &Reflection::AddInt32 : &Reflection::SetInt32))(
            &m, &f, static_cast<std::int32_t>(integer()));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        (r.*(add ? &Reflection::AddInt64 : &Reflection::SetInt64))(
            &m, &f, static_cast<std::int64_t>(integer()));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        (r.*(add ? &Reflection::AddUInt32 : &Reflection::SetUInt32))(
            &m, &f, static_cast<std::uint32_t>(integer()));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        (r.*(add ? &Reflection::AddUInt64 : &Reflection::SetUInt64))(&m, &f, integer());
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        (r.*(add ? &Reflection::AddDouble : &Reflection::SetDouble))(&m, &f, real());
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        (r.*(add ? &Reflection::AddFloat : &Reflection::SetFloat))(&m, &f,
                                                                   static_cast<float>(real()));
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        (r.*(add ? &Reflection::AddBool : &Reflection::SetBool))(&m, &f, random_() % 2 == 0);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        (r.*(add ? &Reflection::AddEnum : &Reflection::SetEnum))(&m, &f, enum_value(f));
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        (r.*(add ? &Reflection::AddString : &Reflection::SetString))(&m, &f, text());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        fill(add ? *r.AddMessage(&m, &f) : *r.MutableMessage(&m, &f), depth + 1);
        break;
    }
  }

  std::mt19937_64 random_;
};

std::string by_reflection(const Message& message, json::KeyOrder order) {
  std::string out;
  json::write_by_reflection(message, order, out);
  return out;
}

template <typename Type>
void check_random(std::uint64_t seeds) {
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    Type message;
    RandomFiller(seed).fill(message, 0);
    for (const auto order : {json::KeyOrder::declaration, json::KeyOrder::sorted}) {
      INFO(Type::descriptor()->name(), " seed ", seed);
      REQUIRE(json::write(message, order) == by_reflection(message, order));
    }
  }
}

}  // namespace

TEST_CASE("the JSON of random messages read from their bytes is the JSON reflection writes") {
  check_random<mesos::v1::scheduler::Event>(300);
  check_random<mesos::v1::scheduler::Call>(300);
  check_random<mesos::v1::Offer>(300);
  check_random<mesos::v1::TaskInfo>(300);
  check_random<mesos::v1::FrameworkInfo>(300);  // a map of messages
  check_random<mesos::v1::Resource>(300);       // a map of scalars
}

TEST_CASE("the bytes path is taken, and refuses what it cannot read") {
  mesos::v1::Offer offer;
  RandomFiller(7).fill(offer, 0);
  const std::string bytes = offer.SerializePartialAsString();
  std::string out = "prefix";
  REQUIRE(json::write_from_wire(*offer.GetDescriptor(), bytes, json::KeyOrder::declaration, out));
  CHECK(out == "prefix" + by_reflection(offer, json::KeyOrder::declaration));
  for (std::size_t cut = 1; cut < bytes.size(); cut += 7) {
    out = "prefix";
    if (!json::write_from_wire(*offer.GetDescriptor(), bytes.substr(0, cut),
                               json::KeyOrder::declaration, out)) {
      CHECK(out == "prefix");
    }
  }
}

TEST_CASE("unknown fields and unknown enum values read from a newer master are left out") {
  mesos::v1::TaskStatus status;
  status.mutable_task_id()->set_value("t");
  status.set_state(mesos::v1::TASK_RUNNING);
  std::string bytes = status.SerializeAsString();
  bytes += std::string("\xa0\x1f\x05", 3);  // field 500, varint 5: unknown to TaskStatus
  bytes += std::string("\x10\x63", 2);      // field 2 (state), value 99: no such TaskState
  mesos::v1::TaskStatus parsed;
  REQUIRE(parsed.ParseFromString(bytes));
  REQUIRE(parsed.state() == mesos::v1::TASK_RUNNING);
  CHECK(json::write(parsed) == by_reflection(parsed, json::KeyOrder::declaration));
  CHECK(json::write(parsed).find("99") == std::string::npos);
  CHECK(json::write(parsed).find("500") == std::string::npos);
}

TEST_CASE("random bytes are read or refused, never past their end") {
  std::mt19937_64 random(11);
  const google::protobuf::Descriptor* types[] = {mesos::v1::scheduler::Event::descriptor(),
                                                 mesos::v1::Offer::descriptor(),
                                                 mesos::v1::FrameworkInfo::descriptor()};
  mesos::v1::Offer offer;
  RandomFiller(3).fill(offer, 0);
  const std::string valid = offer.SerializePartialAsString();
  for (int round = 0; round < 3000; ++round) {
    // Pure noise, or a valid offer with a few bytes changed: deeper into the reader.
    std::string bytes = valid;
    if (round % 2 == 0) {
      bytes.resize(random() % 200);
      for (auto& byte : bytes) {
        byte = static_cast<char>(random());
      }
    } else {
      for (int flips = 0; flips < 3; ++flips) {
        bytes[random() % bytes.size()] = static_cast<char>(random());
      }
    }
    std::string out = "kept";
    const bool written =
        json::write_from_wire(*types[round % 3], bytes, json::KeyOrder::declaration, out);
    CHECK((written ? out.starts_with("kept{") && out.ends_with("}") : out == "kept"));
  }
}

TEST_CASE("messages nested past protobuf's limit are left to reflection") {
  // DescriptorProto nests itself; 150 levels is past the 100 protobuf's parser allows.
  google::protobuf::DescriptorProto outer;
  auto* level = &outer;
  for (int depth = 0; depth < 150; ++depth) {
    level->set_name("level" + std::to_string(depth));
    level = level->add_nested_type();
  }
  std::string out;
  CHECK_FALSE(json::write_from_wire(*outer.GetDescriptor(), outer.SerializePartialAsString(),
                                    json::KeyOrder::declaration, out));
  CHECK(out.empty());
  CHECK(json::write(outer) == by_reflection(outer, json::KeyOrder::declaration));
}

TEST_CASE("a type numbering its fields past the table is written by reflection") {
  google::protobuf::FileDescriptorProto file;
  file.set_name("large_numbers.proto");
  file.set_package("probe");
  auto& type = *file.add_message_type();
  type.set_name("LargeNumbers");
  auto& field = *type.add_field();
  field.set_name("far");
  field.set_number(100000);
  field.set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  field.set_type(google::protobuf::FieldDescriptorProto::TYPE_INT32);
  google::protobuf::DescriptorPool pool;
  const auto* built = pool.BuildFile(file);
  REQUIRE(built != nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> message(factory.GetPrototype(built->message_type(0))->New());
  message->GetReflection()->SetInt32(message.get(), built->message_type(0)->field(0), 7);

  std::string out;
  CHECK_FALSE(json::write_from_wire(*message->GetDescriptor(), message->SerializePartialAsString(),
                                    json::KeyOrder::declaration, out));
  CHECK(json::write(*message) == R"({"far":7})");
}
