// The JSON codec against what a real mesos-master wrote (tests/golden/real-master).
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"
#include "iof/wire/recordio.hpp"

#include "golden.hpp"
#include "mesos/v1/maintenance/maintenance.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace json = iof::wire::json;
namespace recordio = iof::wire::recordio;
using iof::test::golden;
using iof::test::http_body;

namespace {

std::vector<std::string> records_of(std::string_view stream) {
  recordio::Decoder decoder;
  std::vector<std::string> records;
  REQUIRE(decoder.feed(stream, records));
  REQUIRE(decoder.at_record_boundary());
  return records;
}

template <class Message>
Message read_json(std::string_view text) {
  Message message;
  const auto result = json::read(text, message);
  INFO(text);
  REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  return message;
}

}  // namespace

TEST_CASE("a real JSON subscribe stream decodes at every split point") {
  const auto stream = http_body(golden("real-master/json-subscribe.txt"));
  const auto whole = records_of(stream);
  REQUIRE(whole.size() == 5);
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    recordio::Decoder decoder;
    std::vector<std::string> records;
    REQUIRE(decoder.feed(std::string_view(stream).substr(0, cut), records));
    REQUIRE(decoder.feed(std::string_view(stream).substr(cut), records));
    REQUIRE(records == whole);
  }
}

TEST_CASE("every event of a real JSON stream reads and writes back byte for byte") {
  const auto records = records_of(http_body(golden("real-master/json-subscribe.txt")));
  std::vector<mesos::v1::scheduler::Event::Type> types;
  for (const auto& record : records) {
    const auto event = read_json<mesos::v1::scheduler::Event>(record);
    types.push_back(event.type());
    CHECK(json::write(event) == record);
  }
  using Event = mesos::v1::scheduler::Event;
  CHECK(types == std::vector{Event::SUBSCRIBED, Event::HEARTBEAT, Event::OFFERS,
                             Event::INVERSE_OFFERS, Event::HEARTBEAT});
}

TEST_CASE("the real offers carry what the framework decides on") {
  const auto records = records_of(http_body(golden("real-master/json-subscribe.txt")));
  const auto event = read_json<mesos::v1::scheduler::Event>(records[2]);
  REQUIRE(event.offers().offers_size() == 3);
  const auto& draining = event.offers().offers(1);
  CHECK(draining.hostname() == "agent2");
  CHECK(draining.url().address().ip() == "127.0.0.3");
  CHECK(draining.unavailability().start().nanoseconds() == 1795533421000000000);
  CHECK(draining.unavailability().duration().nanoseconds() == 3600000000000);
  CHECK(draining.resources(1).name() == "cpus");
  CHECK(draining.resources(1).scalar().value() == 2.0);
  CHECK(draining.resources(1).role() == "*");
  CHECK_FALSE(draining.resources(1).has_allocation_info());
  CHECK_FALSE(event.offers().offers(0).has_unavailability());

  const auto inverse = read_json<mesos::v1::scheduler::Event>(records[3]);
  REQUIRE(inverse.inverse_offers().inverse_offers_size() == 1);
  CHECK(inverse.inverse_offers().inverse_offers(0).agent_id().value() ==
        draining.agent_id().value());
  CHECK(inverse.inverse_offers().inverse_offers(0).resources_size() == 0);
}

TEST_CASE("events from the JSON probe transcript round-trip byte for byte") {
  const auto records = iof::test::decoded_records(golden("real-master/json-probe.decoded.txt"));
  REQUIRE(records.size() == 7);
  for (const auto& record : records) {
    CHECK(record.text.size() == record.wire_bytes);
    CHECK(json::write(read_json<mesos::v1::scheduler::Event>(record.text)) == record.text);
  }
}

TEST_CASE("calls a JSON client sends are read as the master reads them") {
  const auto requests = iof::test::decoded_requests(golden("real-master/json-probe.decoded.txt"));
  using Call = mesos::v1::scheduler::Call;
  const auto subscribe = read_json<Call>(requests.at(0).text);
  CHECK(subscribe.type() == Call::SUBSCRIBE);
  CHECK(subscribe.subscribe().framework_info().user() == "root");
  CHECK(subscribe.subscribe().framework_info().name() == "probe");
  CHECK_FALSE(subscribe.subscribe().framework_info().has_failover_timeout());

  const auto revive = read_json<Call>(requests.at(1).text);
  CHECK(revive.type() == Call::REVIVE);
  CHECK(revive.framework_id().value() == "9bb5ef83-7767-42da-a174-28e30947f6e6-0001");

  // `{}` is a valid Call with no type: the master's validation, not the codec, rejects it.
  const auto empty = read_json<Call>("{}");
  CHECK_FALSE(empty.has_type());
}

TEST_CASE("a maintenance schedule reads as posted and writes with the master's sorted keys") {
  const auto posted = golden("real-master/demo-maintenance-schedule.json");
  const auto posted_text = posted.substr(0, posted.find_last_not_of('\n') + 1);
  const auto schedule = read_json<mesos::v1::maintenance::Schedule>(posted_text);
  REQUIRE(schedule.windows_size() == 1);
  CHECK(schedule.windows(0).machine_ids(0).hostname() == "agent2");
  CHECK(json::write(schedule) == posted_text);
  CHECK(json::write(schedule, json::KeyOrder::sorted) ==
        http_body(golden("real-master/demo-maintenance-schedule-get.txt")));
}

TEST_CASE("maintenance status bodies round-trip with sorted keys") {
  for (const auto* name :
       {"real-master/demo-maintenance-status-1.txt", "real-master/demo-maintenance-status-2.txt"}) {
    CAPTURE(name);
    const auto body = http_body(golden(name));
    const auto status = read_json<mesos::v1::maintenance::ClusterStatus>(body);
    CHECK(status.draining_machines_size() == 1);
    CHECK(json::write(status, json::KeyOrder::sorted) == body);
  }
  const auto status = read_json<mesos::v1::maintenance::ClusterStatus>(
      http_body(golden("real-master/demo-maintenance-status-2.txt")));
  CHECK(status.draining_machines(0).statuses(0).status() ==
        mesos::v1::allocator::InverseOfferStatus::ACCEPT);
  CHECK(json::write(mesos::v1::maintenance::ClusterStatus(), json::KeyOrder::sorted) == "{}");
}
