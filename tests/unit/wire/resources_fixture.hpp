#pragma once

#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

// What the resource tests share: resources written in Mesos's text form.
namespace iof::wire::test {

// Parsed, or the test stops with the parser's message.
inline std::vector<mesos::v1::Resource> resources(std::string_view text) {
  auto parsed = text::parse_resources(text);
  INFO(text);
  REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
  return *parsed;
}

}  // namespace iof::wire::test
