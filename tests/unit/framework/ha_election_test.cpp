// The HA election rule and the state znode's encoding: pure, no ZooKeeper.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/ha/election.hpp"
#include "iof/framework/ha/state_node.hpp"

namespace {

using iof::framework::Snapshot;
using iof::framework::ha::standing;

}  // namespace

TEST_CASE("ha: the lowest sequence leads and each other member watches the one before it") {
  // ZooKeeper lists children in no particular order; the tokens sort against the sequence.
  const std::vector<std::string> members{"member_ffff_0000000012", "member_0000_0000000003",
                                         "member_aaaa_0000000007", "stray", "member_bad_12"};
  const auto leader = standing(members, "member_0000_0000000003");
  REQUIRE(leader);
  CHECK(leader->leads);
  CHECK_FALSE(leader->predecessor);

  const auto middle = standing(members, "member_aaaa_0000000007");
  REQUIRE(middle);
  CHECK_FALSE(middle->leads);
  CHECK(middle->leader == "member_0000_0000000003");
  CHECK(middle->predecessor == "member_0000_0000000003");

  const auto last = standing(members, "member_ffff_0000000012");
  REQUIRE(last);
  CHECK(last->predecessor == "member_aaaa_0000000007");  // not the leader: no herd

  CHECK_FALSE(standing(members, "member_gone_0000000001"));  // expired: the server deleted it
  CHECK_FALSE(standing(members, "stray"));
}

TEST_CASE("ha: after a lost connection the member node is found again by its token") {
  const std::vector<std::string> members{"member_a1b2_0000000001", "member_c3d4_0000000002"};
  CHECK(iof::framework::ha::member_with_token(members, "c3d4") == "member_c3d4_0000000002");
  CHECK_FALSE(iof::framework::ha::member_with_token(members, "c3"));
  CHECK_FALSE(iof::framework::ha::member_with_token(members, "ffff"));
}

TEST_CASE("ha: the state of 10,000 tasks fits ZooKeeper's 1 MB znode and reads back whole") {
  Snapshot snapshot;
  snapshot.framework_id = "5e1f52c0-2a4e-4a6e-9b4c-3d4f7f3c9a10-0000";
  snapshot.next_task_id = 123'456;
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    iof::framework::Sleeper task;
    task.task_id.set_value(std::to_string(100'000 + i));
    task.slot = i;
    task.unavailability_start = i % 7 == 0 ? 1'767'225'600'000'000'000 + i : 0;
    const std::string agent = "8a1d6c7e-3f2b-4c5d-9e8f-0a1b2c3d4e5f-S" + std::to_string(i);
    (i % 50 == 0 ? snapshot.migrating : snapshot.sleepers).emplace(agent, std::move(task));
  }
  for (int i = 0; i < 64; ++i) {
    snapshot.lead_time.launches.push_back(std::chrono::milliseconds(400 + 13 * i));
    snapshot.lead_time.kills.push_back(std::chrono::milliseconds(100 + 7 * i));
  }
  const auto json_size = iof::framework::encode_snapshot(snapshot).size();
  const auto node = iof::framework::ha::encode_state_node(snapshot);
  REQUIRE(node.has_value());
  MESSAGE("10,000 tasks: " << json_size << " bytes of JSON, " << node->size()
                           << " bytes in the znode");
  CHECK(json_size > iof::framework::ha::max_state_node_bytes);  // why it is deflated
  CHECK(node->size() < iof::framework::ha::max_state_node_bytes);
  const auto back = iof::framework::ha::decode_state_node(*node);
  REQUIRE(back.has_value());
  REQUIRE(back->has_value());
  CHECK(**back == snapshot);
}

TEST_CASE("ha: an empty node is a first run, and damaged nodes are refused with the reason") {
  const auto empty = iof::framework::ha::decode_state_node("");
  REQUIRE(empty.has_value());
  CHECK_FALSE(empty->has_value());

  // An operator may seed the node with a state file's plain JSON.
  Snapshot seeded;
  seeded.framework_id = "fw";
  const auto plain = iof::framework::ha::decode_state_node(iof::framework::encode_snapshot(seeded));
  REQUIRE(plain.has_value());
  CHECK((*plain)->framework_id == "fw");

  auto truncated = iof::framework::ha::encode_state_node(seeded).value();
  truncated.resize(truncated.size() / 2);
  const auto broken = iof::framework::ha::decode_state_node(truncated);
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().message.find("zlib") != std::string::npos);
  CHECK_FALSE(iof::framework::ha::decode_state_node("\x78garbage").has_value());
  CHECK_FALSE(iof::framework::ha::decode_state_node("{\"version\":7}").has_value());
}
