// The election rule: the json.info_ child with the lowest sequence number leads.
#include "iof/discovery/leader_node.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using iof::discovery::leader_node;
using Names = std::vector<std::string>;

TEST_CASE("no children, no leader") {
  CHECK_FALSE(leader_node({}));
}

TEST_CASE("the only master leads") {
  CHECK(leader_node({"json.info_0000000007"}) == "json.info_0000000007");
}

TEST_CASE("the lowest sequence leads whatever the listing order") {
  CHECK(leader_node(Names{"json.info_0000000012", "json.info_0000000003",
                          "json.info_0000000009"}) == "json.info_0000000003");
  CHECK(leader_node(Names{"json.info_0000000003", "json.info_0000000012"}) ==
        "json.info_0000000003");
}

TEST_CASE("sequences compare as numbers, not as text") {
  CHECK(leader_node(Names{"json.info_10", "json.info_9"}) == "json.info_9");
  CHECK(leader_node(Names{"json.info_0000000100", "json.info_99"}) == "json.info_99");
}

TEST_CASE("equal sequences pick the smaller name, so the answer is stable") {
  CHECK(leader_node(Names{"json.info_7", "json.info_0000000007"}) == "json.info_0000000007");
  CHECK(leader_node(Names{"json.info_0000000007", "json.info_7"}) == "json.info_0000000007");
}

TEST_CASE("children that are not json.info_ masters are ignored") {
  // A lower sequence on an old protobuf "info_" node must not win.
  CHECK(leader_node(Names{"info_0000000001", "log_replicas", "json.info_0000000005"}) ==
        "json.info_0000000005");
  CHECK_FALSE(leader_node(Names{"log_replicas", "info_0000000000", "json.info", "json.info_",
                                "json.info_12a", "json.info_-0000000001", "json.info_+1",
                                "xjson.info_0000000001", "json.info_0000000001 "}));
}

TEST_CASE("a sequence too large for 64 bits is no member") {
  CHECK(leader_node(Names{"json.info_99999999999999999999", "json.info_0000000004"}) ==
        "json.info_0000000004");
  CHECK_FALSE(leader_node(Names{"json.info_99999999999999999999"}));
}
