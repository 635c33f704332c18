#pragma once

// Durations as the evacuate policy's filters and log lines show them.
#include <chrono>
#include <cstdio>
#include <string>

#include "iof/framework/core/types.hpp"

namespace iof::framework::evacuate {

inline double seconds(Time time) {
  return std::chrono::duration<double>(time).count();
}

// "12.3s"
inline std::string secs_text(Time time) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1fs", seconds(time));
  return out;
}

}  // namespace iof::framework::evacuate
