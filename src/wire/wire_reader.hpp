// Reads protobuf's binary encoding field by field, refusing anything past the end of the bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace iof::wire {

enum WireType : std::uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// Reads a serialization, refusing anything past its end.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : at_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return at_ == end_; }

  bool read_varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ == end_) {
        return false;
      }
      const auto byte = static_cast<std::uint8_t>(*at_++);
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80u) == 0) {
        return true;
      }
    }
    return false;
  }

  bool read_fixed(std::size_t width, std::uint64_t& value) {
    if (static_cast<std::size_t>(end_ - at_) < width) {
      return false;
    }
    value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      value |= std::uint64_t{static_cast<std::uint8_t>(at_[i])} << (8 * i);
    }
    at_ += width;
    return true;
  }

  bool read_span(std::string_view& span) {
    std::uint64_t length = 0;
    if (!read_varint(length) || length > static_cast<std::uint64_t>(end_ - at_)) {
      return false;
    }
    span = std::string_view(at_, static_cast<std::size_t>(length));
    at_ += length;
    return true;
  }

  // A value of `wire_type` in whatever form that type has: the number, or the bytes.
  bool read_value(std::uint32_t wire_type, std::uint64_t& number, std::string_view& span) {
    switch (wire_type) {
      case varint:
        return read_varint(number);
      case fixed64:
        return read_fixed(8, number);
      case fixed32:
        return read_fixed(4, number);  // only to step over unknown fields
      case length_delimited:
        return read_span(span);
      default:
        return false;  // groups: none in Mesos messages
    }
  }

 private:
  const char* at_;
  const char* end_;
};

}  // namespace iof::wire
