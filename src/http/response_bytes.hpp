#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "iof/http/message.hpp"

// Byte-level pieces of a response, kept apart from the Asio/Beast translation unit so that they
// compile quickly and stay easy to read.
namespace iof::http::detail {

// RFC 7231 IMF-fixdate of the current system time: "Tue, 24 Nov 2026 15:17:22 GMT".
std::string http_date();

// Status line and headers up to the blank line. With a content length: Date, the handler's
// headers, Content-Length. Without: Date, Transfer-Encoding: chunked, the handler's headers, which
// is the order a real Mesos master uses on its event stream.
std::string response_head(unsigned status, const std::vector<Header>& headers,
                          std::optional<std::size_t> content_length);

// "1c4\r\n": the size line that opens one chunk of a chunked body.
std::string chunk_size_line(std::size_t size);

}  // namespace iof::http::detail
