#pragma once

#include <chrono>
#include <cstddef>

// The two measurements of calls_bench, each in its own io_context. With a round trip above 0, the
// bytes go through a DelayProxy that holds them half of it each way.
namespace iof::bench {

// DECLINE calls (of an offer id the master does not know: it answers 202 and changes nothing)
// sent to a mesos-sim process over one connection, up to `window` ahead of their answers.
double calls_per_second(std::size_t calls, std::size_t window, std::chrono::microseconds rtt);

// Seconds from the first of `storm` status updates written on the event stream to the last
// ACKNOWLEDGE answered, for the framework's Runtime with this call window, against a master
// that answers every call at once (so that the framework's side is what is measured).
double storm_seconds(std::size_t storm, std::size_t window, std::chrono::microseconds rtt);

}  // namespace iof::bench
