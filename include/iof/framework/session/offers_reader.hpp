#pragma once

// Reading an event without holding an OFFERS event's offers all parsed at once: each offer is
// parsed on its own and read down to its summary (core/offer_summary.hpp), so that a
// 50,000-offer event costs its bytes and 50,000 summaries rather than 120 MB of parsed offers.
// Every other field is parsed as a whole-event parse parses it.
#include <optional>
#include <string_view>
#include <vector>

#include "iof/common/result.hpp"
#include "iof/framework/core/offer_summary.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::framework::session {

namespace v1 = mesos::v1;

struct ReadEvent {
  // The event; for OFFERS without its offers, which are in `offers`.
  v1::scheduler::Event event;
  std::optional<std::vector<OfferSummary>> offers;  // set for an OFFERS event
};

// Fails, as parsing the whole event would, on bytes that are not an Event or on an offer that is
// not a complete Offer.
Result<ReadEvent> read_protobuf_event(std::string_view bytes, const OfferReading& reading);

// The same for a JSON event: the offers are taken from the parser one by one. Anything unusual
// about them (a lone offer for the list, a repeated key, an offer that does not convert) is
// left to the whole-event conversion, so that results and errors are exactly its own.
Result<ReadEvent> read_json_event(std::string_view text, const OfferReading& reading);

}  // namespace iof::framework::session
