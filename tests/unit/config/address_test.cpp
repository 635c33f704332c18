#include "iof/config/address.hpp"

#include <doctest/doctest.h>

using iof::config::is_host_port;
using iof::config::is_port;
using iof::config::split;

TEST_CASE("ports and host:port, as flags accept them") {
  CHECK(is_port("5050"));
  CHECK(is_port("65535"));
  CHECK_FALSE(is_port("65536"));
  CHECK_FALSE(is_port("0"));
  CHECK(is_port("0", true));
  CHECK_FALSE(is_port(""));
  CHECK_FALSE(is_port("50x"));
  CHECK_FALSE(is_port("-1"));
  CHECK(is_host_port("127.0.0.1:5050"));
  CHECK(is_host_port("master.example.com:5050"));
  CHECK_FALSE(is_host_port(":5050"));
  CHECK_FALSE(is_host_port("5050"));
  CHECK_FALSE(is_host_port("host:0"));
  CHECK(is_host_port("host:0", true));
}

TEST_CASE("split keeps empty pieces") {
  CHECK(split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string_view>{""});
}
