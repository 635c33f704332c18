#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace iof::framework {

// The subscribe loop's wait between attempts: the design card's one second first, then doubling
// with ±20% jitter (so that many frameworks do not reconnect in step) up to a cap. Pure: the
// random source is seeded by the caller.
class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  Backoff(Duration base, Duration cap, std::uint64_t seed);

  // The wait before the next attempt.
  Duration next();
  // After a successful subscription: the next failure waits `base` again.
  void reset() { attempt_ = 0; }

 private:
  Duration base_;
  Duration cap_;
  unsigned attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace iof::framework
