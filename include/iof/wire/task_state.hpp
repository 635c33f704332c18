#pragma once

#include "mesos/v1/mesos.pb.h"

namespace iof::wire {

// Mesos's protobuf::isTerminalState: the states after which a task never changes again.
// TASK_UNREACHABLE and TASK_UNKNOWN are not terminal: the task may still come back.
constexpr bool is_terminal(mesos::v1::TaskState state) {
  switch (state) {
    case mesos::v1::TASK_FINISHED:
    case mesos::v1::TASK_FAILED:
    case mesos::v1::TASK_KILLED:
    case mesos::v1::TASK_ERROR:
    case mesos::v1::TASK_LOST:
    case mesos::v1::TASK_DROPPED:
    case mesos::v1::TASK_GONE:
    case mesos::v1::TASK_GONE_BY_OPERATOR:
      return true;
    default:
      return false;
  }
}

}  // namespace iof::wire
