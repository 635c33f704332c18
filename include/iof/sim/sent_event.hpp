#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "iof/wire/codec.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::sim {

// An event the model sends. Most are built as messages. An OFFERS event of a large allocation is
// written straight in protobuf's wire format instead: offering 50,000 agents as messages meant
// millions of small allocations and copies, and then serializing them all again, which cost the
// emulator more than the framework's whole decision. Each form gives the other on demand, once.
// Shared read-only between streams, possibly from several threads.
class SentEvent {
 public:
  explicit SentEvent(mesos::v1::scheduler::Event message);
  // `buffer` from `offset` on is the serialization of an event of this type.
  SentEvent(mesos::v1::scheduler::Event::Type type, std::string buffer, std::size_t offset);

  SentEvent(const SentEvent&) = delete;
  SentEvent& operator=(const SentEvent&) = delete;

  mesos::v1::scheduler::Event::Type type() const { return type_; }
  // The event as a message; parsed on first use when it was written as bytes.
  const mesos::v1::scheduler::Event& message() const;
  // The event's protobuf serialization; serialized on first use when it was built as a message.
  std::string_view protobuf() const;
  // The event as one RecordIO record of a stream in this encoding.
  std::string record(wire::ContentType type) const;

 private:
  mesos::v1::scheduler::Event::Type type_;
  mutable std::once_flag message_made_;
  mutable std::once_flag bytes_made_;
  mutable std::optional<mesos::v1::scheduler::Event> message_;
  mutable std::string buffer_;
  mutable std::size_t offset_ = 0;
};

}  // namespace iof::sim
