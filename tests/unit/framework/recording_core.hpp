#pragma once

// The framework core as its unit tests drive it, with every step written down: what went in
// (advance, an event, a failed call, a restore) and what came out (each call in full, the exit,
// the log, the snapshot when it changed, the next wakeup). With IOF_DECISIONS_DIR set, the run
// writes one file per test source there; tests/golden/decisions/ holds the recorded ones, so that
// a redesign of the core is held to byte-identical decisions (scripts/golden.sh).
#include <cstdint>
#include <string>
#include <utility>

#include "iof/framework/scheduler_state.hpp"

namespace iof::test {

// Appends one step to the log of the test case that is running.
// `recorded_version` is the snapshot version last written for this core.
void record_step(const std::string& step, const framework::SchedulerState& core,
                 const framework::Decision* decision, std::uint64_t& recorded_version);

class RecordingCore : public framework::SchedulerState {
 public:
  using SchedulerState::SchedulerState;
  RecordingCore(SchedulerState core) : SchedulerState(std::move(core)) {}  // NOLINT: implicit

  void restore(const framework::Snapshot& snapshot) {
    SchedulerState::restore(snapshot);
    record_step("restore", *this, nullptr, recorded_version_);
  }
  framework::Decision advance(framework::Time now) {
    auto decision = SchedulerState::advance(now);
    record_step("advance " + std::to_string(now.count()), *this, &decision, recorded_version_);
    return decision;
  }
  framework::Decision handle(const mesos::v1::scheduler::Event& event) {
    auto decision = SchedulerState::handle(event);
    record_step("handle " + mesos::v1::scheduler::Event::Type_Name(event.type()), *this, &decision,
                recorded_version_);
    return decision;
  }
  framework::Decision call_failed(const mesos::v1::scheduler::Call& call) {
    auto decision = SchedulerState::call_failed(call);
    record_step("call_failed " + mesos::v1::scheduler::Call::Type_Name(call.type()), *this,
                &decision, recorded_version_);
    return decision;
  }
  framework::Decision teardown() const {
    auto decision = SchedulerState::teardown();
    record_step("teardown", *this, &decision, recorded_version_);
    return decision;
  }
  void disconnected() {
    SchedulerState::disconnected();
    record_step("disconnected", *this, nullptr, recorded_version_);
  }
  bool kill_still_wanted(const std::string& task_id) {
    const bool wanted = SchedulerState::kill_still_wanted(task_id);
    record_step("kill_still_wanted " + task_id + (wanted ? " yes" : " no"), *this, nullptr,
                recorded_version_);
    return wanted;
  }

 private:
  mutable std::uint64_t recorded_version_ = 0;
};

}  // namespace iof::test
