// Resources printed as Mesos prints a Resources object.
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

namespace text = iof::wire::text;
using mesos::v1::Resource;

TEST_CASE("resources print as a Mesos Resources object, allocations and reservations included") {
  auto parsed = text::parse_resources("cpus:2;mem(web):1024;ports:[31000-32000]");
  REQUIRE(parsed.has_value());
  CHECK(text::format_resources(*parsed) ==
        "cpus:2; mem(reservations: [(STATIC,web)]):1024; ports:[31000-32000]");
  std::vector<Resource> allocated = *text::parse_resources("cpus:0.2");
  allocated[0].mutable_allocation_info()->set_role("*");
  CHECK(text::format_resources(allocated) == "cpus(allocated: *):0.2");
  CHECK(text::format_resources({}).empty());
  const auto values = *text::parse_resources("ports:[1-2,4-5];zones:{a,b}");
  CHECK(text::format_value(values[0]) == "[1-2, 4-5]");
  CHECK(text::format_value(values[1]) == "{a, b}");
}
