#include "iof/wire/recordio.hpp"

#include <algorithm>
#include <charconv>

namespace iof::wire::recordio {
namespace {

// A uint64 has at most 20 decimal digits; anything longer without a newline is not a header.
constexpr std::size_t max_header_digits = 20;

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 32)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    }
  }
  if (text.size() > 32)
    out += "...";
  return out;
}

}  // namespace

void encode_to(std::string_view record, std::string& out) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), record.size()).ptr;
  out.append(digits, end);
  out += '\n';
  out.append(record);
}

std::string encode(std::string_view record) {
  std::string out;
  out.reserve(record.size() + 12);
  encode_to(record, out);
  return out;
}

Decoder::Decoder(std::size_t max_record_bytes) : max_record_bytes_(max_record_bytes) {}

Result<void> Decoder::fail(std::string message) {
  failed_ = true;
  header_.clear();
  body_.clear();
  return Error{"RecordIO: " + std::move(message)};
}

Result<void> Decoder::finish_header() {
  const bool all_digits =
      !header_.empty() &&
      std::all_of(header_.begin(), header_.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::uint64_t length = 0;
  const auto [ptr, ec] =
      all_digits ? std::from_chars(header_.data(), header_.data() + header_.size(), length)
                 : std::from_chars_result{header_.data(), std::errc::invalid_argument};
  if (ec == std::errc::result_out_of_range) {
    return fail("record length '" + header_ + "' does not fit in 64 bits");
  }
  if (ec != std::errc() || ptr != header_.data() + header_.size()) {
    return fail("record length '" + printable(header_) + "' is not a decimal number");
  }
  if (length > max_record_bytes_) {
    return fail("record of " + header_ + " bytes exceeds the maximum of " +
                std::to_string(max_record_bytes_) + " bytes");
  }
  header_.clear();
  body_length_ = static_cast<std::size_t>(length);
  body_.clear();
  body_.reserve(body_length_);
  in_body_ = true;
  return {};
}

Result<void> Decoder::feed(std::string_view bytes, std::vector<std::string>& records) {
  if (failed_)
    return Error{"RecordIO: the stream already failed to decode"};
  while (!bytes.empty()) {
    if (!in_body_) {
      const auto newline = bytes.find('\n');
      const auto chunk = bytes.substr(0, newline);
      if (header_.size() + chunk.size() > max_header_digits) {
        return fail("record length '" + printable(header_ + std::string(chunk)) +
                    "' is not a decimal number of at most 20 digits");
      }
      header_.append(chunk);
      if (newline == std::string_view::npos)
        return {};
      bytes.remove_prefix(newline + 1);
      if (auto result = finish_header(); !result)
        return result;
    }
    const auto take = std::min(bytes.size(), body_length_ - body_.size());
    body_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (body_.size() == body_length_) {
      records.push_back(std::move(body_));
      body_ = std::string();
      in_body_ = false;
    }
  }
  return {};
}

}  // namespace iof::wire::recordio
