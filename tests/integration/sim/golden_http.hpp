#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "golden.hpp"
#include "http_client.hpp"

// The HTTP responses in the real-master transcripts, parsed like live ones.
namespace iof::test {

// The `index`th response ("HTTP/1.1 ..." up to its Content-Length) in a golden file.
inline HttpResponse golden_response(std::string_view name, std::size_t index = 0) {
  const std::string_view file = golden(name);
  std::size_t at = 0;
  for (std::size_t i = 0;; ++i) {
    at = file.find("HTTP/1.1 ", at);
    if (at == std::string_view::npos) {
      throw std::runtime_error("no response #" + std::to_string(index) + " in " +
                               std::string(name));
    }
    if (i == index) {
      break;
    }
    ++at;
  }
  const auto head_end = file.find("\r\n\r\n", at);
  HttpResponse response = parse_response_head(file.substr(at, head_end - at));
  if (auto length = response.header("Content-Length")) {
    response.body = std::string(file.substr(head_end + 4, std::stoul(*length)));
  }
  return response;
}

// Replaces every occurrence of `from` with `to`.
inline std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A live response like a recorded one: same status line, same headers in the same order with
// the same values (the per-response Date and Mesos-Stream-Id aside), same body.
inline void check_like(const HttpResponse& actual, const HttpResponse& expected) {
  CHECK(actual.status_line == expected.status_line);
  CHECK(actual.header_names() == expected.header_names());
  for (const auto& [name, value] : expected.headers) {
    if (name != "Date" && name != "Mesos-Stream-Id") {
      CHECK_MESSAGE(actual.header(name) == value, name);
    }
  }
  CHECK(actual.body == expected.body);
}

}  // namespace iof::test
