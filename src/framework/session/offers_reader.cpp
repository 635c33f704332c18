// An event read with an OFFERS event's offers one at a time: protobuf field by field, JSON with
// the parser handing over each offer as soon as it is complete.
#include "iof/framework/session/offers_reader.hpp"

#include <cstdint>
#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "iof/wire/json.hpp"

namespace iof::framework::session {

namespace {

using google::protobuf::internal::WireFormatLite;
using v1::scheduler::Event;

constexpr std::uint32_t length_delimited(int field) {
  return WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
}

Error not_an_event() {
  return Error{"Failed to parse body into Event protobuf"};
}

// Event.Offers, its bytes at `input`'s position within a pushed limit: each `offers` parsed
// alone and summarised; any other field skipped (Event.Offers has no other).
Result<void> read_offers(google::protobuf::io::CodedInputStream& input, const OfferReading& reading,
                         std::vector<OfferSummary>& out) {
  v1::Offer offer;  // reused: one parsed offer at a time
  while (const std::uint32_t tag = input.ReadTag()) {
    if (tag != length_delimited(Event::Offers::kOffersFieldNumber)) {
      if (!WireFormatLite::SkipField(&input, tag)) {
        return not_an_event();
      }
      continue;
    }
    std::uint32_t length = 0;
    const void* data = nullptr;
    int available = 0;
    if (!input.ReadVarint32(&length) || !input.GetDirectBufferPointer(&data, &available) ||
        static_cast<std::uint32_t>(available) < length) {
      return not_an_event();
    }
    if (!offer.ParsePartialFromArray(data, static_cast<int>(length)) ||
        !input.Skip(static_cast<int>(length))) {
      return not_an_event();
    }
    if (!offer.IsInitialized()) {
      return Error{"Missing required fields: offers.offers[" + std::to_string(out.size()) + "]." +
                   offer.InitializationErrorString()};
    }
    out.push_back(reading.summarize(offer));
  }
  if (!input.ConsumedEntireMessage()) {
    return not_an_event();
  }
  return {};
}

}  // namespace

Result<ReadEvent> read_protobuf_event(std::string_view bytes, const OfferReading& reading) {
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                               static_cast<int>(bytes.size()));
  std::vector<OfferSummary> offers;
  std::string rest;  // every other field, as it came
  {
    google::protobuf::io::StringOutputStream rest_stream(&rest);
    google::protobuf::io::CodedOutputStream copy(&rest_stream);
    while (const std::uint32_t tag = input.ReadTag()) {
      if (tag != length_delimited(Event::kOffersFieldNumber)) {
        if (!WireFormatLite::SkipField(&input, tag, &copy)) {
          return not_an_event();
        }
        continue;
      }
      std::uint32_t length = 0;
      // A length past the end would read as a message ending early: refused, as protobuf does.
      if (!input.ReadVarint32(&length) ||
          length > bytes.size() - static_cast<std::size_t>(input.CurrentPosition())) {
        return not_an_event();
      }
      const auto limit = input.PushLimit(static_cast<int>(length));
      if (auto read = read_offers(input, reading, offers); !read) {
        return read.error();
      }
      input.PopLimit(limit);
    }
    if (!input.ConsumedEntireMessage()) {
      return not_an_event();
    }
  }
  ReadEvent out;
  if (!out.event.ParsePartialFromString(rest)) {
    return not_an_event();
  }
  if (!out.event.IsInitialized()) {
    return Error{"Missing required fields: " + out.event.InitializationErrorString()};
  }
  if (out.event.type() == Event::OFFERS) {
    out.offers = std::move(offers);
  }
  return out;
}

namespace {

// What converting the whole event and then summarising its offers comes to: the reference, and
// the answer for every event the quick path leaves to it.
Result<ReadEvent> read_whole_json_event(std::string_view text, const OfferReading& reading) {
  ReadEvent out;
  if (auto read = wire::json::read(text, out.event); !read) {
    return read.error();
  }
  if (out.event.type() == Event::OFFERS) {
    out.offers.emplace();
    out.offers->reserve(static_cast<std::size_t>(out.event.offers().offers_size()));
    for (const auto& offer : out.event.offers().offers()) {
      out.offers->push_back(reading.summarize(offer));
    }
  }
  out.event.clear_offers();
  return out;
}

}  // namespace

Result<ReadEvent> read_json_event(std::string_view text, const OfferReading& reading) {
  std::vector<OfferSummary> offers;
  v1::Offer offer;  // reused: one converted offer at a time
  // An offer that does not convert (a required field missing, say) leaves the whole event to the
  // whole conversion, whose error names the offer by its place in the event.
  bool offers_converted = true;
  wire::json::Diversion diversion{
      "offers", "offers", *v1::Offer::descriptor(), [&](std::string_view bytes) {
        if (!offers_converted) {
          return;
        }
        if (!offer.ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
            !offer.IsInitialized()) {
          offers_converted = false;
          return;
        }
        offers.push_back(reading.summarize(offer));
      }};
  auto document = wire::json::parse(text, &diversion);
  if (!document) {
    return document.error();
  }
  if (!offers_converted || diversion.refused || diversion.arrays > 1 || diversion.repeated_key) {
    return read_whole_json_event(text, reading);
  }
  ReadEvent out;
  if (auto converted = wire::json::to_message(*document, out.event); !converted) {
    return converted.error();
  }
  if (out.event.offers().offers_size() > 0) {
    // The offers came in a shape the parser did not hand over (a lone offer for the list).
    return read_whole_json_event(text, reading);
  }
  out.event.clear_offers();
  if (out.event.type() == Event::OFFERS) {
    out.offers = std::move(offers);
  }
  return out;
}

}  // namespace iof::framework::session
