// The protobuf event reader that parses an OFFERS event one offer at a time: it must come to
// exactly what parsing the whole event and summarising each offer comes to, and refuse exactly
// the bytes protobuf refuses.
#include "iof/framework/session/offers_reader.hpp"

#include <random>
#include <string>

#include <doctest/doctest.h>
#include <google/protobuf/util/message_differencer.h>

#include "iof/wire/json.hpp"

namespace iof::framework {

namespace {

namespace v1 = mesos::v1;
using v1::scheduler::Event;

// What the framework did before the reader: the whole event parsed, then summarised.
Result<session::ReadEvent> whole_parse(const std::string& bytes, const OfferReading& reading) {
  session::ReadEvent out;
  Event parsed;
  if (!parsed.ParsePartialFromString(bytes)) {
    return Error{"Failed to parse body into Event protobuf"};
  }
  if (!parsed.IsInitialized()) {
    return Error{"Missing required fields: " + parsed.InitializationErrorString()};
  }
  if (parsed.type() == Event::OFFERS) {
    out.offers.emplace();
    for (const auto& offer : parsed.offers().offers()) {
      out.offers->push_back(reading.summarize(offer));
    }
  }
  parsed.clear_offers();
  out.event = std::move(parsed);
  return out;
}

void add_scalar(v1::Offer& offer, const char* name, double amount, const std::string& role,
                bool allocated, bool reserved) {
  auto* resource = offer.add_resources();
  resource->set_name(name);
  resource->set_type(v1::Value::SCALAR);
  resource->mutable_scalar()->set_value(amount);
  if (!role.empty()) {
    resource->set_role(role);
  }
  if (allocated) {
    resource->mutable_allocation_info()->set_role("*");
  }
  if (reserved) {
    auto* reservation = resource->add_reservations();
    reservation->set_type(v1::Resource::ReservationInfo::STATIC);
    reservation->set_role("ops");
  }
}

// Offers of every shape the policies look at: scalars that fit or not, reserved or allocated,
// ports or none, attributes of each type, windows with and without a duration.
Event random_offers(std::mt19937& random, int count) {
  const auto chance = [&random](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(random) < percent;
  };
  Event event;
  event.set_type(Event::OFFERS);
  for (int i = 0; i < count; ++i) {
    v1::Offer& offer = *event.mutable_offers()->add_offers();
    offer.mutable_id()->set_value("offer-" + std::to_string(random()));
    offer.mutable_framework_id()->set_value("framework");
    offer.mutable_agent_id()->set_value("agent-" + std::to_string(random() % 50));
    offer.set_hostname("host" + std::to_string(i));
    offer.mutable_url()->set_scheme("http");
    offer.mutable_url()->mutable_address()->set_port(5051);
    offer.mutable_allocation_info()->set_role("*");
    const bool allocated = chance(50);
    add_scalar(offer, "cpus", chance(80) ? 4.0 : 0.1, chance(50) ? "*" : "", allocated, chance(15));
    add_scalar(offer, "mem", chance(80) ? 4096.0 : 8.0, "", allocated, chance(15));
    if (chance(60)) {
      add_scalar(offer, "disk", 1000.0, "", allocated, false);
    }
    if (chance(70)) {
      auto* ports = offer.add_resources();
      ports->set_name("ports");
      ports->set_type(v1::Value::RANGES);
      const auto ranges = std::uniform_int_distribution<int>(1, 3)(random);
      for (int r = 0; r < ranges; ++r) {
        auto* range = ports->mutable_ranges()->add_range();
        const auto begin =
            std::uint64_t{31000} + 100 * static_cast<std::uint64_t>(r) + random() % 50;
        range->set_begin(begin);
        range->set_end(begin + random() % 3);
      }
    }
    if (chance(70)) {
      auto* rack = offer.add_attributes();
      rack->set_name("rack");
      rack->set_type(v1::Value::TEXT);
      rack->mutable_text()->set_value("r" + std::to_string(random() % 5));
    }
    if (chance(40)) {
      auto* zone = offer.add_attributes();
      zone->set_name("zone");
      zone->set_type(v1::Value::SCALAR);
      zone->mutable_scalar()->set_value(static_cast<double>(random() % 3) + 0.5);
    }
    if (chance(30)) {
      auto* window = offer.mutable_unavailability();
      window->mutable_start()->set_nanoseconds(static_cast<std::int64_t>(random()) * 1000);
      if (chance(50)) {
        window->mutable_duration()->set_nanoseconds(3'600'000'000'000);
      }
    }
  }
  return event;
}

OfferReading random_reading(std::mt19937& random) {
  OfferReading reading;
  reading.role = "*";
  reading.task.cpus = 1;
  reading.task.mem = 128;
  reading.task.disk = random() % 2 == 0 ? 0 : 10;
  for (auto ports = random() % 3; ports > 0; --ports) {
    reading.task.port_names.emplace_back(ports == 1 ? "http" : "");
  }
  const char* spread[] = {"", "rack", "zone"};
  reading.spread_by = spread[random() % 3];
  reading.literal_fit = random() % 4 == 0;
  return reading;
}

void check_same(const std::string& bytes, const OfferReading& reading) {
  const auto read = session::read_protobuf_event(bytes, reading);
  const auto whole = whole_parse(bytes, reading);
  // Where both fail they may name different faults: the reader stops at the first offer that
  // is incomplete, the whole parse lists every one.
  REQUIRE(read.has_value() == whole.has_value());
  if (!read.has_value()) {
    return;
  }
  CHECK(google::protobuf::util::MessageDifferencer::Equals(read->event, whole->event));
  REQUIRE(read->offers.has_value() == whole->offers.has_value());
  if (read->offers) {
    CHECK(*read->offers == *whole->offers);
  }
}

// JSON: the reader against converting the whole event, results and error texts alike.
void check_same_json(const std::string& text, const OfferReading& reading) {
  const auto read = session::read_json_event(text, reading);
  session::ReadEvent whole;
  const auto converted = wire::json::read(text, whole.event);
  REQUIRE(read.has_value() == converted.has_value());
  if (!converted.has_value()) {
    CHECK(read.error().message == converted.error().message);
    return;
  }
  if (whole.event.type() == Event::OFFERS) {
    whole.offers.emplace();
    for (const auto& offer : whole.event.offers().offers()) {
      whole.offers->push_back(reading.summarize(offer));
    }
  }
  whole.event.clear_offers();
  CHECK(google::protobuf::util::MessageDifferencer::Equals(read->event, whole.event));
  REQUIRE(read->offers.has_value() == whole.offers.has_value());
  if (read->offers) {
    CHECK(*read->offers == *whole.offers);
  }
}

}  // namespace

TEST_CASE("offers reader: random JSON OFFERS events read one offer at a time as the whole") {
  std::mt19937 random(23);
  std::size_t offers = 0;
  for (int round = 0; round < 200; ++round) {
    const OfferReading reading = random_reading(random);
    const Event event = random_offers(random, static_cast<int>(random() % 12));
    const std::string text = wire::json::write(event);
    check_same_json(text, reading);
    const auto read = session::read_json_event(text, reading);
    REQUIRE(read.has_value());
    REQUIRE(read->offers.has_value());
    offers += read->offers->size();
  }
  CHECK(offers > 800);
}

TEST_CASE("offers reader: JSON shapes the parser does not hand over are read as the whole") {
  std::mt19937 random(29);
  const OfferReading reading = random_reading(random);
  const std::string one = wire::json::write(random_offers(random, 1).offers().offers(0));
  const std::string two = wire::json::write(random_offers(random, 1).offers().offers(0));
  const std::vector<std::string> texts{
      // A lone offer for the list, as stout accepts it.
      R"({"type":"OFFERS","offers":{"offers":)" + one + "}}",
      // A null, a string and an empty object among the offers.
      R"({"type":"OFFERS","offers":{"offers":[)" + one + ",null," + two + "]}}",
      R"({"type":"OFFERS","offers":{"offers":[)" + one + R"(,"x"]}})",
      R"({"type":"OFFERS","offers":{"offers":[{}]}})",
      // Repeated keys on the path, whichever the document keeps.
      R"({"type":"OFFERS","offers":{"offers":[)" + one + R"(]},"offers":null})",
      R"({"type":"OFFERS","offers":{"offers":[)" + one + R"(],"offers":[)" + two + "]}}",
      R"({"offers":null,"type":"OFFERS","offers":{"offers":[)" + two + "]}}",
      // The same path elsewhere, and arrays within arrays.
      R"({"type":"HEARTBEAT","update":{"offers":[)" + one + "]}}",
      R"({"type":"OFFERS","offers":[{"offers":[)" + one + "]}]}",
      R"({"type":"OFFERS","offers":{"offers":[[)" + one + "]]}}",
      // Errors before and after the offers in key order, and no offers at all.
      R"({"type":"NOPE","offers":{"offers":[)" + one + "]}}",
      R"({"error":{"message":3.5e999},"offers":{"offers":[)" + one + "]}}",
      R"({"type":"OFFERS","offers":{"offers":[]}})",
      R"({"type":"OFFERS"})",
      R"({"type":"OFFERS","offers":null})",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    check_same_json(text, reading);
  }
  // An offer without its agent id: the whole conversion's message, path and all.
  Event event = random_offers(random, 3);
  event.mutable_offers()->mutable_offers(2)->clear_agent_id();
  const auto read = session::read_json_event(wire::json::write(event), reading);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message == "Missing required fields: offers.offers[2].agent_id");
}

TEST_CASE("offers reader: cut and damaged JSON fails as the whole conversion fails") {
  std::mt19937 random(31);
  const OfferReading reading = random_reading(random);
  const std::string text = wire::json::write(random_offers(random, 2));
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    CAPTURE(cut);
    check_same_json(text.substr(0, cut), reading);
  }
  const std::string alphabet = "{}[],:\"0a-.e ";
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = text;
    damaged[random() % damaged.size()] = alphabet[random() % alphabet.size()];
    CAPTURE(damaged);
    check_same_json(damaged, reading);
  }
}

TEST_CASE("offers reader: random OFFERS events read one offer at a time as the whole parse") {
  std::mt19937 random(17);
  std::size_t fitting = 0;
  std::size_t windows = 0;
  for (int round = 0; round < 300; ++round) {
    const OfferReading reading = random_reading(random);
    const Event event = random_offers(random, static_cast<int>(random() % 12));
    const auto read = session::read_protobuf_event(event.SerializeAsString(), reading);
    REQUIRE(read.has_value());
    REQUIRE(read->offers.has_value());
    REQUIRE(read->offers->size() == static_cast<std::size_t>(event.offers().offers_size()));
    for (std::size_t i = 0; i < read->offers->size(); ++i) {
      const auto& summary = (*read->offers)[i];
      CHECK(summary == reading.summarize(event.offers().offers(static_cast<int>(i))));
      fitting += summary.holds_task ? 1 : 0;
      windows += summary.has_window ? 1 : 0;
    }
    CHECK(read->event.type() == Event::OFFERS);
    CHECK(read->event.offers().offers_size() == 0);
  }
  // The shapes cover both answers of what the policies ask.
  CHECK(fitting > 100);
  CHECK(windows > 100);
}

TEST_CASE("offers reader: other events are parsed as protobuf parses them") {
  Event update;
  update.set_type(Event::UPDATE);
  auto* status = update.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value("t1");
  status->mutable_agent_id()->set_value("a1");
  status->set_state(v1::TASK_RUNNING);
  status->set_uuid(std::string("\0\1\2\3", 4));
  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value("fw");
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  Event empty_offers;
  empty_offers.set_type(Event::OFFERS);
  empty_offers.mutable_offers();
  for (const Event* event : {&update, &subscribed, &empty_offers}) {
    check_same(event->SerializeAsString(), OfferReading{});
  }
  const auto read = session::read_protobuf_event(empty_offers.SerializeAsString(), OfferReading{});
  REQUIRE(read.has_value());
  REQUIRE(read->offers.has_value());
  CHECK(read->offers->empty());
}

TEST_CASE("offers reader: cut, damaged and incomplete bytes fail exactly where protobuf fails") {
  std::mt19937 random(5);
  const OfferReading reading = random_reading(random);
  const std::string bytes = random_offers(random, 3).SerializeAsString();
  std::size_t failures = 0;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    CAPTURE(cut);
    check_same(bytes.substr(0, cut), reading);
    failures += session::read_protobuf_event(bytes.substr(0, cut), reading).has_value()
                    ? std::size_t{0}
                    : std::size_t{1};
  }
  CHECK(failures > bytes.size() / 2);  // most cuts break a length or a required field
  for (int round = 0; round < 2000; ++round) {
    std::string damaged = bytes;
    damaged[random() % damaged.size()] = static_cast<char>(random() % 256);
    check_same(damaged, reading);
  }
  // An offer without its required agent id: named as the whole parse names it.
  Event event = random_offers(random, 2);
  event.mutable_offers()->mutable_offers(1)->clear_agent_id();
  const auto read = session::read_protobuf_event(event.SerializePartialAsString(), reading);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message == "Missing required fields: offers.offers[1].agent_id");
}

}  // namespace iof::framework
