#include "iof/wire/base64.hpp"

#include <array>
#include <cstdint>

namespace iof::wire::base64 {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> decoding_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table)
    entry = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}

constexpr auto sextet_of = decoding_table();

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += alphabet[group >> 18 & 0x3f];
    out += alphabet[group >> 12 & 0x3f];
    out += alphabet[group >> 6 & 0x3f];
    out += alphabet[group & 0x3f];
  }
  const auto rest = bytes.size() - i;
  if (rest > 0) {
    auto group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2)
      group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += alphabet[group >> 18 & 0x3f];
    out += alphabet[group >> 12 & 0x3f];
    out += rest == 2 ? alphabet[group >> 6 & 0x3f] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=')
      break;
    if (is_space(c))
      continue;
    const auto sextet = sextet_of[static_cast<unsigned char>(c)];
    if (sextet < 0)
      return Error{std::string("Invalid character '") + c + "'"};
    group = group << 6 | static_cast<std::uint32_t>(sextet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(group >> bits & 0xff);
    }
  }
  // Error is constructible from a string too, so the value must be named explicitly.
  return Result<std::string>(boost::system::in_place_value, std::move(out));
}

}  // namespace iof::wire::base64
