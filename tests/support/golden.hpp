#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// Access to the transcripts recorded from a real mesos-master (tests/golden/real-master), which
// are embedded in the test binary, and parsers for their formats.
namespace iof::test {

// The file's bytes; throws if the name is not embedded.
std::string_view golden(std::string_view name);

// The body of a raw HTTP/1.1 response ("HTTP/1.1 200 OK\r\n...\r\n\r\n<body>"), with chunked
// transfer coding removed when the response uses it.
std::string http_body(std::string_view raw_response);

// A protobuf or JSON message shown in a decoded transcript, with the size the capture gave it:
// the record length for stream records, Content-Length for requests.
struct DecodedMessage {
  std::string heading;  // "POST /master/api/v1/scheduler" or "record"
  std::size_t wire_bytes = 0;
  std::string text;  // protobuf text format or JSON
};

// "-- record (N bytes)" blocks of every stream in the transcript, in order.
std::vector<DecodedMessage> decoded_records(std::string_view transcript);

// ">> POST ..." requests that carry a body.
std::vector<DecodedMessage> decoded_requests(std::string_view transcript);

}  // namespace iof::test
