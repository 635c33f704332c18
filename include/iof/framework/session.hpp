#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "iof/framework/backoff.hpp"
#include "iof/framework/flags.hpp"
#include "iof/framework/master_spec.hpp"
#include "iof/framework/scheduler_state.hpp"
#include "iof/wire/codec.hpp"
#include "iof/wire/recordio.hpp"

// The framework's connection to its master as a pure state machine: which master to subscribe
// to, when to back off, when a silent stream is dead, which stream's events and calls still
// count, the ordered call queue, and when the state file must be written before calls leave.
// Inputs are what the I/O shell saw (a response head, bytes of the event stream, a call's
// answer, the time); outputs are actions for the shell to perform. It owns the SchedulerState.
// No sockets, no clocks: the coroutine runtime and the deterministic simulator drive the same
// code.
namespace iof::framework {

// Calls in flight at once on the calls connection, by default. Pipelining makes a storm of
// acknowledgements bound by the master's pace rather than by one round trip per call; 64 covers
// the round trip of a master across a datacenter at thousands of calls a second. A bound keeps
// what one transport failure fails (and the core then re-decides) small, and keeps every call
// checked by still_wanted() shortly before it leaves rather than while a deep queue drains.
inline constexpr std::size_t default_call_window = 64;

struct SessionOptions {
  // The FrameworkInfo to SUBSCRIBE with; the session fills in the framework ID once known.
  v1::FrameworkInfo framework;
  wire::ContentType content_type = wire::ContentType::protobuf;
  // Masters to try in order. Empty when ZooKeeper names the leader (leader_changed()).
  std::vector<Endpoint> masters;
  Time backoff_base = std::chrono::seconds(1);
  Time backoff_cap = std::chrono::seconds(15);
  std::uint64_t backoff_seed = 0;
  // A subscribed stream silent for this many heartbeat intervals is dead.
  unsigned heartbeat_misses = 5;
  // --state_file: a decision that changed the snapshot is written before its calls that act on
  // the cluster (LAUNCH, KILL, ...) leave; other changes are written within save_delay.
  bool persist = false;
  Time save_delay = std::chrono::seconds(1);
  // TEARDOWN before stopping (--teardown_on_exit).
  bool teardown_on_exit = false;
  // Calls sent before the first of them is answered (--call_window); 1 waits for each answer.
  std::size_t call_window = default_call_window;
};

// The session the command line asks for: the FrameworkInfo of the example (with the TASK_KILLING
// capability outside the seed policy), the backoff, the heartbeat rule, persistence, teardown.
SessionOptions session_options(const Flags& flags, std::vector<Endpoint> masters,
                               const std::string& user, std::uint64_t backoff_seed);

namespace session {

// Connect to `target`, POST the SUBSCRIBE and report the response head (stream_opened or
// stream_failed), then the body's bytes (stream_data) until it ends (stream_ended).
struct OpenStream {
  std::uint64_t stream = 0;
  Endpoint target;
  v1::scheduler::Call subscribe;
};
// Close that stream's connection (a late stream_ended for it is ignored).
struct CloseStream {
  std::uint64_t stream = 0;
};
// Send one call with this Mesos-Stream-Id and report call_done(id). Up to the call window are in
// flight at once; the shell sends them in the order released, on one connection (HTTP/1.1
// pipelining), so calls reach the master in the order they were decided. A transport failure
// fails every call in flight on that connection: each gets its own call_done.
struct SendCall {
  std::uint64_t id = 0;
  Endpoint target;
  std::string stream_id;
  v1::scheduler::Call call;
};
// Run the event through handle() in its own task; `epoch` names the stream it came on.
struct Deliver {
  std::uint64_t epoch = 0;
  v1::scheduler::Event event;
  // A protobuf OFFERS event's offers, read one at a time (session/offers_reader.hpp): the
  // event then holds none.
  std::optional<std::vector<OfferSummary>> offers;
};
// Write the snapshot and report persisted(version).
struct SaveState {
  std::uint64_t version = 0;
  Snapshot snapshot;
};
enum class Level { info, warn, error };
// A line for the log, with the task and agent it is about (the shell adds the framework ID).
struct Log {
  Level level = Level::info;
  std::string text;
  LogSubject about;
};
// Everything is done: the process exits with this status.
struct Finish {
  int status = 0;
};

using Action = std::variant<OpenStream, CloseStream, SendCall, Deliver, SaveState, Log, Finish>;
using Actions = std::vector<Action>;

// What a SUBSCRIBE got back before its body: status and the headers that matter; the body of a
// refusal (short) is read by the shell for the message.
struct StreamHead {
  unsigned status = 200;
  std::optional<std::string> location;   // 307
  std::optional<std::string> stream_id;  // Mesos-Stream-Id
  std::string body;                      // non-200, non-307 answers
};

// A call's answer: the HTTP status, or none when it never got one (connect or transport failure).
struct CallOutcome {
  std::optional<unsigned> status;
  std::string message;
};

// A SUBSCRIBED's heartbeat interval made safe to compute a timeout from: not finite, zero or
// negative keeps the default of 15 s, and anything else is held within [0.1 s, 1 h]. The
// warning says what was wrong, if anything.
struct Heartbeat {
  double seconds = 15;
  std::optional<std::string> warning;
};
Heartbeat clamp_heartbeat(double announced);

}  // namespace session

class Session {
 public:
  Session(SessionOptions options, SchedulerState core);

  session::Actions start(Time now);
  session::Actions stream_opened(std::uint64_t stream, const session::StreamHead& head, Time now);
  session::Actions stream_failed(std::uint64_t stream, std::string_view message, Time now);
  session::Actions stream_data(std::uint64_t stream, std::string_view bytes, Time now);
  session::Actions stream_ended(std::uint64_t stream, std::string_view reason, Time now);
  // The per-event handler: an event of a stream that has ended since is dropped.
  session::Actions handle(std::uint64_t epoch, const v1::scheduler::Event& event, Time now);
  session::Actions handle(const session::Deliver& delivered, Time now);
  session::Actions call_done(std::uint64_t id, const session::CallOutcome& outcome, Time now);
  session::Actions persisted(std::uint64_t version, const Result<void>& saved, Time now);
  // At next_wakeup(): the backoff is over, a silent stream is dead, or the core has retries due.
  session::Actions tick(Time now);
  // ZooKeeper named a new leader, or (nullopt, with why) none.
  session::Actions leader_changed(std::optional<Endpoint> leader, std::string_view why, Time now);
  // Disconnect (after a TEARDOWN with teardown_on_exit); Finish follows once the queue is out.
  session::Actions stop(Time now);

  std::optional<Time> next_wakeup() const;
  const SchedulerState& core() const { return core_; }
  bool finished() const { return phase_ == Phase::finished; }
  bool subscribed() const { return phase_ == Phase::streaming && subscribed_; }
  std::uint64_t epoch() const { return epoch_; }
  const std::string& stream_id() const { return stream_id_; }
  double heartbeat_seconds() const { return heartbeat_seconds_; }
  // Calls decided but not yet answered (queued, held for the state file, or in flight).
  std::size_t calls_pending() const;

 private:
  enum class Phase { idle, backing_off, connecting, streaming, finished };
  // How an attempt ended, which decides what comes next.
  enum class Outcome { ended, redirected, unavailable };

  struct Queued {
    std::uint64_t epoch = 0;
    std::uint64_t version = 0;  // the snapshot version that must be written first
    v1::scheduler::Call call;
  };

  void open(Time now, session::Actions& out);
  void end_attempt(Outcome outcome, Time now, session::Actions& out);
  void absorb(const Decision& decision, Time now, session::Actions& out);
  void save_if_due(Time now, session::Actions& out);
  void start_save(session::Actions& out);
  void pump(session::Actions& out);
  bool still_wanted(const v1::scheduler::Call& call, session::Actions& out);
  void shut_down(int status, session::Actions& out);
  v1::scheduler::Call subscribe_call() const;

  SessionOptions options_;
  SchedulerState core_;
  MasterCandidates masters_;
  Backoff retry_;
  Phase phase_ = Phase::idle;
  bool skip_backoff_ = false;  // the leader changed: subscribe to the new one at once
  bool stopping_ = false;
  std::optional<int> exit_status_;

  std::uint64_t stream_ = 0;  // the current OpenStream's id
  std::optional<Endpoint> target_;
  std::optional<Endpoint> leader_;  // where the current stream is subscribed
  std::string stream_id_;
  std::uint64_t epoch_ = 0;  // bumped per stream: events and calls of an older one are dropped
  bool subscribed_ = false;
  wire::recordio::Decoder decoder_;
  double heartbeat_seconds_ = 15;
  Time silent_deadline_{0};  // a stream with no bytes until then is dead
  Time retry_at_{0};         // end of the backoff

  std::deque<Queued> queue_;
  // Released and not yet answered, by id: ids grow, so this is the order they left in.
  std::map<std::uint64_t, v1::scheduler::Call> in_flight_;
  std::uint64_t next_call_id_ = 0;
  std::uint64_t saved_version_ = 0;
  std::optional<std::uint64_t> saving_;
  // The newest version a queued call waits for: above saved_version_, a write starts at once.
  std::uint64_t awaited_version_ = 0;
  // A change no call waits for is written then (coalesced with every change until then).
  std::optional<Time> save_due_;
  bool save_failed_ = false;  // the last write failed: the session is exiting, none is retried
};

}  // namespace iof::framework
