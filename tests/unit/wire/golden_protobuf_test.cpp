// The protobuf definitions against what a real mesos-master and Mesos's own example framework
// put on the wire. The capture shows each message decoded to text plus its exact byte size;
// re-encoding the text with our .proto files must give the same size, which pins every field
// number, wire type and nested message involved.
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>

#include "iof/wire/codec.hpp"
#include "iof/wire/json.hpp"

#include "golden.hpp"
#include "mesos/v1/scheduler/scheduler.pb.h"

namespace json = iof::wire::json;
using iof::test::golden;
using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

template <class Message>
Message from_text(const std::string& text) {
  Message message;
  // The example framework sets the deprecated FrameworkInfo.role; that is expected here.
  google::protobuf::LogSilencer quiet;
  google::protobuf::TextFormat::Parser parser;
  INFO(text);
  REQUIRE(parser.ParseFromString(text, &message));
  return message;
}

}  // namespace

TEST_CASE("every event the real master streamed re-encodes to its captured size") {
  const auto records = iof::test::decoded_records(golden("real-master/demo-fw-master.decoded.txt"));
  REQUIRE(records.size() == 17);
  std::set<Event::Type> types;
  for (const auto& record : records) {
    const auto event = from_text<Event>(record.text);
    types.insert(event.type());
    INFO(record.text);
    CHECK(event.ByteSizeLong() == record.wire_bytes);
  }
  CHECK(types == std::set{Event::SUBSCRIBED, Event::HEARTBEAT, Event::OFFERS, Event::UPDATE,
                          Event::INVERSE_OFFERS});
}

TEST_CASE("every call the example framework sent re-encodes to its Content-Length") {
  const auto requests =
      iof::test::decoded_requests(golden("real-master/demo-fw-master.decoded.txt"));
  std::set<Call::Type> types;
  for (const auto& request : requests) {
    const auto call = from_text<Call>(request.text);
    types.insert(call.type());
    INFO(request.text);
    CHECK(call.ByteSizeLong() == request.wire_bytes);
  }
  CHECK(types == std::set{Call::SUBSCRIBE, Call::ACCEPT, Call::ACKNOWLEDGE,
                          Call::ACCEPT_INVERSE_OFFERS, Call::KILL, Call::DECLINE});
}

TEST_CASE("protobuf and JSON encodings carry the same event") {
  const auto records = iof::test::decoded_records(golden("real-master/demo-fw-master.decoded.txt"));
  for (const auto& record : records) {
    const auto event = from_text<Event>(record.text);
    Event from_protobuf;
    REQUIRE(iof::wire::decode(iof::wire::encode(event, iof::wire::ContentType::protobuf),
                              iof::wire::ContentType::protobuf, from_protobuf));
    Event from_json;
    const auto text = iof::wire::encode(event, iof::wire::ContentType::json);
    REQUIRE(iof::wire::decode(text, iof::wire::ContentType::json, from_json));
    CHECK(from_protobuf.SerializeAsString() == event.SerializeAsString());
    CHECK(json::write(from_json) == text);
  }
}

TEST_CASE("the real update's uuid is written as padded base64 and acknowledged verbatim") {
  const auto records = iof::test::decoded_records(golden("real-master/demo-fw-master.decoded.txt"));
  const auto update = from_text<Event>(records.at(3).text);
  REQUIRE(update.type() == Event::UPDATE);
  const auto& uuid = update.update().status().uuid();
  CHECK(uuid.size() == 16);
  const auto text = json::write(update);
  CHECK(text.find(R"("uuid":"THzFJMPcTDq8q1csCH/tRQ==")") != std::string::npos);

  const auto requests =
      iof::test::decoded_requests(golden("real-master/demo-fw-master.decoded.txt"));
  const auto ack = from_text<Call>(requests.at(2).text);
  REQUIRE(ack.type() == Call::ACKNOWLEDGE);
  CHECK(ack.acknowledge().uuid() == uuid);
}

TEST_CASE("protobuf decoding rejects garbage and missing required fields with clear errors") {
  Event event;
  const auto garbage = iof::wire::decode("\xff\xff\xff", iof::wire::ContentType::protobuf, event);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message == "Failed to parse body into Event protobuf");

  // An UPDATE whose status lacks the required task_id and state.
  const std::string partial("\x08\x04\x2a\x02\x0a\x00", 6);
  const auto missing = iof::wire::decode(partial, iof::wire::ContentType::protobuf, event);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message ==
        "Missing required fields: update.status.task_id, update.status.state");
}
