// The session's calls: each event's decision absorbed (logs, calls, the state file first), the
// ordered queue with a window of calls in flight, and the stop paths that drain it.
#include <algorithm>

#include <fmt/format.h>

#include "iof/framework/session.hpp"

namespace iof::framework {

using v1::scheduler::Call;
using v1::scheduler::Event;
using namespace session;

namespace {

Log note(Level level, std::string text) {
  return Log{level, std::move(text), {}};
}

// Calls that act on the cluster on the framework's behalf: a restart must know of them, so they
// leave only once the state they were decided in is stored. The others (acknowledgements,
// declines, revives, reconciliation) change nothing a restarted framework could not learn again
// from the master, so the state changes behind them (a task now RUNNING, a lead-time sample) are
// written within save_delay instead of one write per update before its ACKNOWLEDGE.
bool needs_stored_state(const Call& call) {
  switch (call.type()) {
    case Call::ACCEPT:
    case Call::KILL:
    case Call::ACCEPT_INVERSE_OFFERS:
    case Call::DECLINE_INVERSE_OFFERS:
    case Call::SHUTDOWN:
    case Call::TEARDOWN:
      return true;
    default:
      return false;
  }
}

}  // namespace

Actions Session::handle(std::uint64_t epoch, const Event& event, Time now) {
  Actions out;
  if (epoch != epoch_ || stopping_ || phase_ != Phase::streaming) {
    return out;  // an event of a stream that is gone
  }
  absorb(core_.advance(now), now, out);
  if (!stopping_) {
    absorb(core_.handle(event), now, out);
  }
  return out;
}

Actions Session::handle(const Deliver& delivered, Time now) {
  if (!delivered.offers) {
    return handle(delivered.epoch, delivered.event, now);
  }
  Actions out;
  if (delivered.epoch != epoch_ || stopping_ || phase_ != Phase::streaming) {
    return out;  // an event of a stream that is gone
  }
  absorb(core_.advance(now), now, out);
  if (!stopping_) {
    absorb(core_.handle_offers(*delivered.offers), now, out);
  }
  return out;
}

void Session::absorb(const Decision& decision, Time now, Actions& out) {
  for (const auto& line : decision.log) {
    out.push_back(Log{Level::info, line.text, line.about});
  }
  for (const auto& call : decision.calls) {
    const std::uint64_t version = needs_stored_state(call) ? core_.version() : 0;
    awaited_version_ = std::max(awaited_version_, version);
    queue_.push_back(Queued{epoch_, version, call});
  }
  // The state file first: a task whose LAUNCH is out must be known after a restart.
  save_if_due(now, out);
  if (decision.exit) {
    out.push_back(note(Level::error, decision.exit->message));
    shut_down(decision.exit->status, out);
    return;
  }
  pump(out);
}

Actions Session::persisted(std::uint64_t version, const Result<void>& saved, Time now) {
  Actions out;
  if (!saving_ || *saving_ != version) {
    return out;
  }
  saving_.reset();
  if (!saved) {
    // Nothing decided since the last good write may leave: exit, and a restart adopts from it.
    save_failed_ = true;
    out.push_back(note(Level::error, saved.error().message));
    shut_down(1, out);
    return out;
  }
  saved_version_ = version;
  save_if_due(now, out);
  pump(out);
  return out;
}

void Session::save_if_due(Time now, Actions& out) {
  if (!options_.persist || saving_ || save_failed_ || core_.version() == saved_version_) {
    return;
  }
  // At once when a call waits for it or the session is ending; otherwise the changes of the
  // next save_delay are written together.
  if (awaited_version_ > saved_version_ || stopping_ || (save_due_ && now >= *save_due_)) {
    start_save(out);
  } else if (!save_due_) {
    save_due_ = now + options_.save_delay;
  }
}

void Session::start_save(Actions& out) {
  save_due_.reset();
  saving_ = core_.version();
  out.push_back(SaveState{core_.version(), core_.snapshot()});
}

void Session::pump(Actions& out) {
  // Released strictly from the front: a call held for the state file holds every call after it.
  while (in_flight_.size() < std::max<std::size_t>(options_.call_window, 1) && !queue_.empty()) {
    if (options_.persist && queue_.front().version > saved_version_) {
      break;  // held until the state file has it
    }
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    if (next.epoch != epoch_ || phase_ != Phase::streaming || !leader_) {
      continue;  // made for a stream that is gone; the master would refuse its stream id
    }
    if (!still_wanted(next.call, out)) {
      continue;
    }
    const std::uint64_t id = ++next_call_id_;
    in_flight_.emplace(id, next.call);
    out.push_back(SendCall{id, *leader_, stream_id_, std::move(next.call)});
  }
  if (stopping_ && phase_ != Phase::finished && queue_.empty() && in_flight_.empty() && !saving_) {
    if (options_.persist && !save_failed_ && core_.version() != saved_version_) {
      start_save(out);  // what changed since the last write, before the process ends
      return;
    }
    if (phase_ == Phase::streaming || phase_ == Phase::connecting) {
      out.push_back(CloseStream{stream_});
      if (phase_ == Phase::streaming) {
        core_.disconnected();
        ++epoch_;
      }
    }
    phase_ = Phase::finished;
    out.push_back(Finish{exit_status_.value_or(0)});
  }
}

// A LAUNCH decided while an earlier call was stuck may be out of date by the time it can leave:
// its agent was removed and the core forgot the task (and the state file no longer has it). Such
// a launch is dropped rather than sent unrecorded.
bool Session::still_wanted(const Call& call, Actions& out) {
  if (call.type() == Call::KILL) {
    if (core_.kill_still_wanted(call.kill().task_id().value())) {
      return true;
    }
    out.push_back(note(Level::info, fmt::format("Not sending the KILL of task {}: it is no longer "
                                                "being killed, or losses since leave no room",
                                                call.kill().task_id().value())));
    return false;
  }
  if (call.type() != Call::ACCEPT) {
    return true;
  }
  for (const auto& operation : call.accept().operations()) {
    for (const auto& task : operation.launch().task_infos()) {
      if (!core_.knows_task(task.task_id().value())) {
        out.push_back(
            note(Level::warn, fmt::format("Dropping the LAUNCH of task {} on {}: the framework "
                                          "forgot it before the call could leave",
                                          task.task_id().value(), task.agent_id().value())));
        return false;
      }
    }
  }
  return true;
}

Actions Session::call_done(std::uint64_t id, const CallOutcome& outcome, Time now) {
  Actions out;
  // Answers come in order on one connection, but a transport failure reports every call in
  // flight, and the shell may report one before its elders (a call that could not connect).
  const auto found = in_flight_.find(id);
  if (found == in_flight_.end()) {
    return out;
  }
  const Call failed = std::move(found->second);
  in_flight_.erase(found);
  const std::string& type = Call::Type_Name(failed.type());
  const bool refused = outcome.status && *outcome.status != 202 && *outcome.status != 200;
  if (!outcome.status) {
    out.push_back(note(Level::warn, fmt::format("{} failed: {}", type, outcome.message)));
  } else if (refused) {
    out.push_back(note(Level::warn,
                       fmt::format("{} answered {}: {}", type, *outcome.status, outcome.message)));
  }
  if ((!outcome.status || refused) && !stopping_ && phase_ == Phase::streaming) {
    // The core learns what did not get through (a LAUNCH is asked about at once, a SUPPRESS or
    // REVIVE is said again) instead of finding out minutes later.
    absorb(core_.advance(now), now, out);
    absorb(core_.call_failed(failed), now, out);
    return out;
  }
  pump(out);
  return out;
}

Actions Session::stop(Time /*now*/) {
  Actions out;
  if (stopping_ || phase_ == Phase::finished) {
    return out;
  }
  // Without TEARDOWN the master keeps the tasks for the failover timeout, so that a restarted
  // framework adopts them. With teardown_on_exit the TEARDOWN goes out before the stream ends.
  if (options_.teardown_on_exit && subscribed()) {
    for (const auto& call : core_.teardown().calls) {
      queue_.push_back(Queued{epoch_, 0, call});
    }
  }
  stopping_ = true;
  pump(out);
  return out;
}

void Session::shut_down(int status, Actions& out) {
  if (!exit_status_) {
    exit_status_ = status;
  }
  stopping_ = true;
  queue_.clear();  // nothing decided after an exit leaves
  pump(out);
}

std::size_t Session::calls_pending() const {
  return queue_.size() + in_flight_.size();
}

}  // namespace iof::framework
