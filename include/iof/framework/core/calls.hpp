#pragma once

// The calls every owner in the core builds, and the decline filter they share.
#include <optional>

#include "mesos/v1/scheduler/scheduler.pb.h"

namespace iof::framework {

// How long a declined offer stays away, unless a policy says otherwise. Mesos's default is 5 s;
// the seed asks for 600 s, and the policies keep it so that idle agents stay quiet.
inline constexpr double decline_seconds = 600;

// A call of `type` carrying the framework's id once it has one.
inline mesos::v1::scheduler::Call make_call(
    const std::optional<mesos::v1::FrameworkID>& framework_id,
    mesos::v1::scheduler::Call::Type type) {
  mesos::v1::scheduler::Call out;
  if (framework_id) {
    *out.mutable_framework_id() = *framework_id;
  }
  out.set_type(type);
  return out;
}

}  // namespace iof::framework
