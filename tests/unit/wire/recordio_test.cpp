#include "iof/wire/recordio.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace recordio = iof::wire::recordio;

namespace {

// Records chosen to trip a careless decoder: empty, binary with newlines and digits, and long.
const std::vector<std::string> sample_records{R"({"type":"SUBSCRIBED"})", "",
                                              std::string("12\n\0\n34", 7), std::string(300, 'x'),
                                              R"({"type":"HEARTBEAT"})"};

std::string sample_stream() {
  std::string stream;
  for (const auto& record : sample_records)
    recordio::encode_to(record, stream);
  return stream;
}

std::vector<std::string> decode_in_pieces(const std::string& stream,
                                          const std::vector<std::size_t>& cuts) {
  recordio::Decoder decoder;
  std::vector<std::string> records;
  std::size_t from = 0;
  for (auto cut : cuts) {
    REQUIRE(decoder.feed(std::string_view(stream).substr(from, cut - from), records));
    from = cut;
  }
  REQUIRE(decoder.feed(std::string_view(stream).substr(from), records));
  CHECK(decoder.at_record_boundary());
  return records;
}

}  // namespace

TEST_CASE("recordio encodes the decimal length, a newline and the bytes") {
  CHECK(recordio::encode(R"({"type":"HEARTBEAT"})") == "20\n{\"type\":\"HEARTBEAT\"}");
  CHECK(recordio::encode("") == "0\n");
}

TEST_CASE("recordio decodes a multi-record stream split at every single point") {
  const auto stream = sample_stream();
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    CAPTURE(cut);
    CHECK(decode_in_pieces(stream, {cut}) == sample_records);
  }
}

TEST_CASE("recordio decodes a stream split at every pair of points") {
  const auto stream = sample_stream();
  for (std::size_t first = 0; first <= stream.size(); first += 3) {
    for (std::size_t second = first; second <= stream.size(); second += 5) {
      CAPTURE(first);
      CAPTURE(second);
      CHECK(decode_in_pieces(stream, {first, second}) == sample_records);
    }
  }
}

TEST_CASE("recordio decodes a stream fed one byte at a time") {
  const auto stream = sample_stream();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i)
    cuts.push_back(i);
  CHECK(decode_in_pieces(stream, cuts) == sample_records);
}

TEST_CASE("recordio reports a partial record as not at a boundary") {
  recordio::Decoder decoder;
  std::vector<std::string> records;
  REQUIRE(decoder.feed("5\nab", records));
  CHECK(records.empty());
  CHECK_FALSE(decoder.at_record_boundary());
  REQUIRE(decoder.feed("cde", records));
  CHECK(records == std::vector<std::string>{"abcde"});
  CHECK(decoder.at_record_boundary());
}

TEST_CASE("recordio rejects a non-numeric length and stays failed") {
  struct Row {
    std::string input;
    std::string expected_error;
  };
  const std::vector<Row> rows{
      {"abc\n", "RecordIO: record length 'abc' is not a decimal number"},
      {"\n", "RecordIO: record length '' is not a decimal number"},
      {"-5\nhello", "RecordIO: record length '-5' is not a decimal number"},
      {" 5\nhello", "RecordIO: record length ' 5' is not a decimal number"},
      {"5\r\nhello", "RecordIO: record length '5\\x0d' is not a decimal number"},
      {"12345678901234567890123",
       "RecordIO: record length '12345678901234567890123' is not a "
       "decimal number of at most 20 digits"},
      {"99999999999999999999\n",
       "RecordIO: record length '99999999999999999999' does not fit in 64 bits"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.input);
    recordio::Decoder decoder;
    std::vector<std::string> records;
    const auto result = decoder.feed(row.input, records);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == row.expected_error);
    CHECK(decoder.failed());
    CHECK_FALSE(decoder.at_record_boundary());
    const auto again = decoder.feed("2\nok", records);
    REQUIRE_FALSE(again);
    CHECK(again.error().message == "RecordIO: the stream already failed to decode");
    CHECK(records.empty());
  }
}

TEST_CASE("recordio keeps records decoded before a malformed header") {
  recordio::Decoder decoder;
  std::vector<std::string> records;
  CHECK_FALSE(decoder.feed("2\nokx\n", records));
  CHECK(records == std::vector<std::string>{"ok"});
}

TEST_CASE("recordio rejects a record over the configured maximum before buffering it") {
  recordio::Decoder decoder(16);
  std::vector<std::string> records;
  REQUIRE(decoder.feed("16\n0123456789abcdef", records));
  CHECK(records.size() == 1);
  const auto result = decoder.feed("17\n", records);
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "RecordIO: record of 17 bytes exceeds the maximum of 16 bytes");
}
