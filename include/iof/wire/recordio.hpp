#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

// RecordIO framing as Mesos streams events: "<decimal length>\n<bytes>", nothing else.
namespace iof::wire::recordio {

// Big enough for an OFFERS event from a 10,000-agent cluster; small enough that a corrupt
// length cannot make us allocate the machine's memory.
inline constexpr std::size_t default_max_record_bytes = 64u * 1024u * 1024u;

std::string encode(std::string_view record);
void encode_to(std::string_view record, std::string& out);

// Incremental decoder: accepts the stream split at any byte. After an error it stays failed,
// as the stream can no longer be framed.
class Decoder {
 public:
  explicit Decoder(std::size_t max_record_bytes = default_max_record_bytes);

  // Appends every record completed by `bytes` to `records`.
  Result<void> feed(std::string_view bytes, std::vector<std::string>& records);

  bool failed() const { return failed_; }
  // True between records: an end of stream here loses nothing.
  bool at_record_boundary() const { return !failed_ && header_.empty() && !in_body_; }

 private:
  Result<void> fail(std::string message);
  Result<void> finish_header();

  std::size_t max_record_bytes_;
  std::string header_;
  std::string body_;
  std::size_t body_length_ = 0;
  bool in_body_ = false;
  bool failed_ = false;
};

}  // namespace iof::wire::recordio
