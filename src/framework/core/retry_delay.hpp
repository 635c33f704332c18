#pragma once

// The core's retry delays: the first retry after `base`, each next one twice as late, capped.
#include <algorithm>

#include "iof/framework/core/types.hpp"

namespace iof::framework::core {

inline Time doubled(Time delay, Time base, Time cap) {
  return delay.count() == 0 ? base : std::min(delay * 2, cap);
}

}  // namespace iof::framework::core
