#include "iof/wire/base64.hpp"

#include <string>

#include <doctest/doctest.h>

namespace base64 = iof::wire::base64;

TEST_CASE("base64 encodes with the standard alphabet and padding") {
  CHECK(base64::encode("") == "");
  CHECK(base64::encode("f") == "Zg==");
  CHECK(base64::encode("fo") == "Zm8=");
  CHECK(base64::encode("foo") == "Zm9v");
  CHECK(base64::encode("foob") == "Zm9vYg==");
  CHECK(base64::encode(std::string("\xfb\xff\xbf", 3)) == "+/+/");
}

TEST_CASE("base64 round-trips every byte value") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t length = 0; length <= all.size(); length += 17) {
    const auto bytes = all.substr(0, length);
    CHECK(base64::decode(base64::encode(bytes)).value() == bytes);
  }
}

TEST_CASE("base64 decoding skips whitespace and stops at padding, like the master") {
  CHECK(base64::decode("Zm9v\nYg==").value() == "foob");
  CHECK(base64::decode(" Zm 9v ").value() == "foo");
  CHECK(base64::decode("Zm8=ignored").value() == "fo");
  CHECK(base64::decode("Zm8").value() == "fo");
}

TEST_CASE("base64 rejects characters outside the alphabet") {
  const auto result = base64::decode("Zm9v!");
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "Invalid character '!'");
  CHECK_FALSE(base64::decode("Zm9v-_"));
}
