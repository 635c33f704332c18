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
#include "random_message.hpp"

namespace {

namespace json = iof::wire::json;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using iof::test::RandomFiller;

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
