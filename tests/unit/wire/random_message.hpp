// Random messages of any type, every field kind and awkward values included (NaN, infinities,
// -0, control characters, all-ones integers), for tests that hold two conversions against each
// other.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace iof::test {

class RandomFiller {
  using FieldDescriptor = google::protobuf::FieldDescriptor;
  using Message = google::protobuf::Message;
  using Reflection = google::protobuf::Reflection;

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

}  // namespace iof::test
