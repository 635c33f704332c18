// Resource arithmetic: scalar totals, containment, sums and differences, as a master does them.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/resources.hpp"

#include "resources_fixture.hpp"

namespace text = iof::wire::text;
using iof::wire::test::resources;
using mesos::v1::Resource;

TEST_CASE("scalar sums one name over every role in fixed point") {
  struct Row {
    std::string resources;
    std::string name;
    double total;
  };
  const std::vector<Row> rows{
      {"cpus:2;mem:1024", "cpus", 2},
      {"cpus:2;mem:1024", "mem", 1024},
      {"cpus(web):1.5;cpus:0.25", "cpus", 1.75},
      {"cpus:0.12345;mem:1", "cpus", 0.123},
      {"cpus:1", "gpus", 0},
      {"ports:[1-10]", "ports", 0},
      {"", "cpus", 0},
  };
  for (const auto& row : rows) {
    INFO(row.resources);
    CHECK(text::scalar(resources(row.resources), row.name) == row.total);
  }

  // Each addend is rounded to three decimals before adding.
  Resource tiny;
  tiny.set_name("cpus");
  tiny.set_type(mesos::v1::Value::SCALAR);
  tiny.mutable_scalar()->set_value(0.0004);
  CHECK(text::scalar({tiny, tiny, tiny}, "cpus") == 0);
}

TEST_CASE("contains decides whether wanted resources fit held ones") {
  struct Row {
    std::string have;
    std::string want;
    bool fits;
  };
  const std::vector<Row> rows{
      {"cpus:2;mem:1024", "cpus:0.2;mem:32", true},
      {"cpus:0.2;mem:32", "cpus:0.2;mem:32", true},
      {"cpus:0.1;mem:1024", "cpus:0.2;mem:32", false},
      {"cpus:2", "cpus:0.2;mem:32", false},
      {"cpus:0.2", "cpus:0.2004", true},   // Equal to three decimals.
      {"cpus:0.2", "cpus:0.2006", false},  // 0.201 > 0.2.
      {"cpus:1;cpus:1", "cpus:2", true},
      {"cpus:1", "", true},
      {"", "cpus:1", false},
      {"", "", true},
      {"mem:1", "disk:1", false},
      {"ports:[31000-32000]", "ports:[31000-31005,31010-31010]", true},
      {"ports:[1-10,20-30]", "ports:[9-21]", false},
      {"ports:[1-10,11-20]", "ports:[5-15]", true},
      {"ports:[1-10]", "ports:[10-11]", false},
      {"names:{a,b}", "names:{b}", true},
      {"names:{a,b}", "names:{b,a}", true},
      {"names:{a,b}", "names:{c}", false},
      // Roles must match; the framework strips them when any role will do.
      {"cpus(web):2", "cpus:1", false},
      {"cpus:2", "cpus(web):1", false},
      {"cpus(web):2;cpus:1", "cpus(web):1;cpus:1", true},
      {"cpus(web):2", "cpus(web):1", true},
  };
  for (const auto& row : rows) {
    INFO(row.have << " >= " << row.want);
    CHECK(text::contains(resources(row.have), resources(row.want)) == row.fits);
  }
}

TEST_CASE("contains ignores allocation_info and reads either reservation format") {
  auto offered = resources("cpus:2;mem:1024;cpus(web):1");
  for (auto& resource : offered) {
    resource.mutable_allocation_info()->set_role("web");
  }
  const auto task = resources("cpus:0.2;mem:32");
  CHECK(text::contains(offered, task));
  CHECK_FALSE(text::contains(task, offered));

  // Post-refinement: `reservations` set, `role` unset.
  Resource reserved;
  reserved.set_name("cpus");
  reserved.set_type(mesos::v1::Value::SCALAR);
  reserved.mutable_scalar()->set_value(1);
  auto* reservation = reserved.add_reservations();
  reservation->set_type(Resource::ReservationInfo::STATIC);
  reservation->set_role("web");
  CHECK(text::contains(offered, {reserved}));
  CHECK(text::contains({reserved}, resources("cpus(web):1")));
  CHECK_FALSE(text::contains({reserved}, resources("cpus:1")));
}

TEST_CASE("contains merges wanted resources and drops invalid ones like Mesos") {
  Resource half;
  half.set_name("cpus");
  half.set_type(mesos::v1::Value::SCALAR);
  half.mutable_scalar()->set_value(0.6);
  CHECK_FALSE(text::contains(resources("cpus:1"), {half, half}));
  CHECK(text::contains(resources("cpus:1.2"), {half, half}));

  // mesos::Resources drops an invalid resource on construction, so it never fails to fit.
  Resource negative = half;
  negative.mutable_scalar()->set_value(-1);
  CHECK(text::contains(resources("mem:1"), {negative}));
  Resource reversed;
  reversed.set_name("ports");
  reversed.set_type(mesos::v1::Value::RANGES);
  auto* range = reversed.mutable_ranges()->add_range();
  range->set_begin(10);
  range->set_end(1);
  CHECK(text::contains({}, {reversed}));
}

TEST_CASE("resource sums merge by kind and differences refuse what is not held") {
  const auto have = *text::parse_resources("cpus:2;mem:1024;ports:[31000-32000]");
  const auto take = *text::parse_resources("cpus:0.2;ports:[31000-31009]");
  const auto left = text::difference(have, take);
  REQUIRE(left.has_value());
  CHECK(text::format_resources(*left) == "cpus:1.8; mem:1024; ports:[31010-32000]");
  CHECK(text::format_resources(text::sum(*left, take)) == "cpus:2; mem:1024; ports:[31000-32000]");
  const auto too_much = text::difference(take, have);
  REQUIRE_FALSE(too_much.has_value());
  CHECK(too_much.error().message.find("is not held") != std::string::npos);
}
