// The framework's calls on the simulated network: the state file's writes, each call to the
// master it is addressed to (lost, refused or answered), and the broken variants' own calls.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "iof/wire/json.hpp"

#include "describe.hpp"
#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;
namespace session = framework::session;

namespace {

// Whether an offer could be used now under the evacuate policy's rules, from what the core
// shows: an empty slot that may launch, or a move not started while the surge budget has room
// (EvacuatePolicy::add_demand's rule, judged from outside the core).
bool offers_could_serve(const framework::SchedulerState& core, const Scenario& scenario) {
  std::set<std::uint32_t> filled;
  for (const auto& [agent, task] : core.sleepers()) {
    filled.insert(task.slot);
  }
  if (filled.size() + core.slots_backing_off() < scenario.tasks) {
    return true;
  }
  const std::size_t held = core.sleepers().size() + core.slots_backing_off();
  const bool room = held < scenario.tasks + scenario.max_surge;
  const auto moves = core.planned_moves();
  return room && std::any_of(moves.begin(), moves.end(), [](const framework::PlannedMove& move) {
           return move.status != framework::MoveStatus::being_killed &&
                  move.status != framework::MoveStatus::replacement_starting &&
                  move.status != framework::MoveStatus::crash_backoff;
         });
}

// What the runtime waits for a call's answer before it gives up on it.
constexpr Time call_timeout = 75s;

}  // namespace

void World::save_state(const session::SaveState& save) {
  Result<void> saved;
  if (failing_writes_ > 0) {
    --failing_writes_;
    saved = Error{"Cannot write the state file: No space left on device"};
    trace("fault: the state file write fails");
  } else {
    // The file holds what encode_snapshot writes, no more: a restarted framework must not
    // remember what only its memory knew (the tasks' last states, when launches and kills were
    // decided), as a real restart does not.
    const std::string text = framework::encode_snapshot(save.snapshot);
    auto read_back = framework::decode_snapshot(text);
    if (read_back) {
      disk_ = std::move(*read_back);
    } else {
      violated("the state file cannot be read back: " + read_back.error().message);
    }
    if (scenario_.trace_in_full) {
      trace(fmt::format("state file v{}: {}", save.version, text));
    }
  }
  perform(session_->persisted(save.version, saved, framework_now()));
}

void World::send_call(session::SendCall send) {
  const auto& call = send.call;
  trace("call " + (scenario_.trace_in_full ? wire::json::write(call) : describe(call)));
  ++result_.calls;
  ++result_.calls_by_type[v1::scheduler::Call::Type_Name(call.type())];
  if (call.type() == v1::scheduler::Call::REVIVE && session_) {
    // A REVIVE clears every filter on the master: all agents come back to be declined again,
    // and those in maintenance to be answered again. Worth it only for a need offers can serve.
    if (scenario_.policy == framework::Policy::evacuate &&
        !offers_could_serve(session_->core(), scenario_)) {
      ++result_.idle_revives;
    }
  }
  if (call.type() == v1::scheduler::Call::ACCEPT) {
    std::size_t launches = 0;
    for (const auto& operation : call.accept().operations()) {
      launches += static_cast<std::size_t>(operation.launch().task_infos_size());
    }
    result_.launched += launches;
    note_launches(launches);
  }
  if (call.type() == v1::scheduler::Call::KILL) {
    check_ready_kill(call.kill().task_id().value());
  }
  if (call.type() == v1::scheduler::Call::ACCEPT) {
    for (const auto& operation : call.accept().operations()) {
      for (const auto& task : operation.launch().task_infos()) {
        const auto& id = task.task_id().value();
        const auto known = [&id](const std::map<std::string, framework::Sleeper>& map) {
          for (const auto& [agent, sleeper] : map) {
            if (sleeper.task_id.value() == id) {
              return true;
            }
          }
          return false;
        };
        if (!disk_ || !(known(disk_->sleepers) || known(disk_->migrating))) {
          violated("LAUNCH of task " + id + " left before the state file recorded it");
        }
      }
    }
  }
  if (scenario_.sabotage == Sabotage::kill_before_replacement_runs &&
      call.type() == v1::scheduler::Call::ACCEPT) {
    sabotage_kill(send.stream_id);
  }
  const auto generation = framework_generation_;
  const auto answer = [this, generation, id = send.id](Time when, session::CallOutcome outcome) {
    at(when, [this, generation, id, outcome = std::move(outcome)] {
      if (generation == framework_generation_) {
        perform(session_->call_done(id, outcome, framework_now()));
      }
    });
  };
  if (call.type() == v1::scheduler::Call::ACKNOWLEDGE) {
    if (scenario_.sabotage == Sabotage::never_acknowledge) {
      answer(now_, session::CallOutcome{202, ""});
      return;
    }
    unacknowledged_.erase(call.acknowledge().uuid());
  }
  if (!open_link(send)) {
    answer(now_ + latency(), session::CallOutcome{std::nullopt, "not sent: Connection refused"});
    return;
  }
  link_.in_flight.push_back(send.id);
  result_.most_calls_in_flight = std::max(result_.most_calls_in_flight, link_.in_flight.size());
  if (link_.stalled) {
    return;  // behind a lost message: it fails with the connection
  }
  const bool lossy = now_ < lossy_until_ && uniform() < 0.5;
  const bool request_lost = lossy && uniform() < 0.5;
  const Time sent = now_;
  if (lossy) {
    // Until its timeout the framework's calls wait behind it: blinded that long.
    last_disruption_ = std::max(last_disruption_, sent + call_timeout);
  }
  if (request_lost) {
    trace("fault: the request is lost");
    stall_link(sent + call_timeout, "timed out");
    return;
  }
  // A KILL is judged by what the framework had been told when it left, not when it arrives.
  auto told_when_sent = send.call.type() == v1::scheduler::Call::KILL
                            ? told_
                            : std::map<std::string, v1::TaskState>{};
  // In order: a request never overtakes the one written before it.
  const Time arrival = std::max(link_.last_arrival, now_ + latency());
  link_.last_arrival = arrival;
  at(arrival, [this, link = link_.generation, lossy, sent, send = std::move(send),
               told_when_sent = std::move(told_when_sent)]() mutable {
    if (link_.generation == link && !link_.stalled) {
      deliver_call(std::move(send), lossy, sent, std::move(told_when_sent));
    }  // otherwise it failed with its connection
  });
}

// The connection for `send`: the open one, unless the framework restarted or the leader moved
// (then every call on the old one fails, as the runtime reports them). False when the master
// cannot be reached: that call alone is not sent.
bool World::open_link(const session::SendCall& send) {
  if (link_.open && link_.framework_generation != framework_generation_) {
    link_ = CallsLink{};  // the old process's connection died with it
    link_.generation = ++link_generations_;
  }
  if (link_.open && !(link_.target == send.target)) {
    break_link(link_.generation, "the leading master moved to " + send.target.url());
  }
  if (link_.open && (masters_[link_.master].generation != link_.master_generation ||
                     !masters_[link_.master].up)) {
    break_link(link_.generation, "Connection reset by peer");  // its master died
  }
  if (link_.open) {
    return true;
  }
  const auto target = master_at(send.target);
  if (!target || !masters_[*target].up) {
    return false;
  }
  link_ = CallsLink{};
  link_.generation = ++link_generations_;
  link_.open = true;
  link_.framework_generation = framework_generation_;
  link_.target = send.target;
  link_.master = *target;
  link_.master_generation = masters_[*target].generation;
  link_.last_arrival = now_;
  link_.last_answer = now_;
  return true;
}

// A call reaches the master, in its connection's order: the master handles it, and its answer
// goes back behind the answers before it, unless it is lost.
void World::deliver_call(session::SendCall send, bool lossy, Time sent,
                         std::map<std::string, v1::TaskState> told_when_sent) {
  Master& master = masters_[link_.master];
  if (master.generation != link_.master_generation || !master.up) {
    stall_link(now_ + latency(), "Connection reset by peer");
    return;
  }
  const auto& cluster = master.service->cluster();
  const std::string id = send.call.framework_id().value();
  const bool stale = cluster.framework_state(id) != sim::FrameworkState::connected ||
                     cluster.framework_stream_id(id) != send.stream_id;
  if (send.call.type() == v1::scheduler::Call::KILL) {
    check_kill(send.call.kill().task_id().value(), told_when_sent);
  }
  auto http = request("/api/v1/scheduler", wire::encode(send.call, session_options_.content_type));
  http.headers.push_back({"Mesos-Stream-Id", send.stream_id});
  const auto reply = master.service->handle(http);
  const auto* response = std::get_if<http::Response>(&reply);
  const unsigned status = response != nullptr ? response->status : 500;
  check_answer(send.call, status, stale);
  if (lossy) {
    trace("fault: the answer is lost");
    stall_link(sent + call_timeout, "timed out");
    return;
  }
  const Time answered = std::max(link_.last_answer, now_ + latency());
  link_.last_answer = answered;
  at(answered, [this, link = link_.generation, call = send.id,
                outcome = session::CallOutcome{
                    status, response != nullptr ? response->body : std::string()}] {
    if (link_.generation != link || link_.framework_generation != framework_generation_) {
      return;  // the connection broke first (the call failed with it), or the framework restarted
    }
    // One connection answers in the order it was written to.
    if (link_.in_flight.empty() || link_.in_flight.front() != call) {
      violated(fmt::format("the answer to call {} overtook an earlier call's", call));
      return;
    }
    link_.in_flight.pop_front();
    perform(session_->call_done(call, outcome, framework_now()));
  });
}

// A message on the connection is lost: nothing behind it gets through, and at `fails_at` the
// runtime gives up on the connection.
void World::stall_link(Time fails_at, std::string why) {
  link_.stalled = true;
  at(fails_at, [this, link = link_.generation, why = std::move(why)] { break_link(link, why); });
}

// The connection is given up: every call still on it is reported failed, in order, and the next
// call opens a new one.
void World::break_link(std::uint64_t generation, const std::string& why) {
  if (link_.generation != generation || !link_.open) {
    return;
  }
  const auto failed = std::move(link_.in_flight);
  const auto framework = link_.framework_generation;
  link_ = CallsLink{};
  link_.generation = ++link_generations_;
  if (failed.size() > 1) {
    result_.calls_failed_together += failed.size();
    trace(fmt::format("fault: the calls connection broke with {} calls in flight", failed.size()));
  }
  at(now_, [this, framework, failed, why] {
    for (const auto id : failed) {
      if (framework == framework_generation_) {
        perform(session_->call_done(id, session::CallOutcome{std::nullopt, why}, framework_now()));
      }
    }
  });
}

// The broken variant: a LAUNCH while N tasks are alive is a replacement, so the task on the agent
// whose window comes first is killed right away, as a framework that breaks before it makes would.
void World::sabotage_kill(const std::string& stream_id) {
  auto* service = leader();
  const auto id = framework_id();
  if (service == nullptr || id.empty()) {
    return;
  }
  const auto& cluster = service->cluster();
  std::map<std::string, Time> windows;
  for (const auto& agent : cluster.agent_summaries()) {
    if (agent.window_start) {
      windows[agent.id] = *agent.window_start;
    }
  }
  std::size_t alive = 0;
  std::optional<sim::Cluster::TaskSummary> victim;
  for (const auto& task : cluster.task_summaries(id)) {
    if (task.state != v1::TASK_RUNNING || task.killing) {
      continue;
    }
    ++alive;
    const auto window = windows.find(task.agent_id);
    if (window != windows.end() && (!victim || window->second < windows.at(victim->agent_id))) {
      victim = task;
    }
  }
  if (alive < scenario_.tasks || !victim) {
    return;
  }
  v1::scheduler::Call kill;
  kill.set_type(v1::scheduler::Call::KILL);
  kill.mutable_framework_id()->set_value(id);
  kill.mutable_kill()->mutable_task_id()->set_value(victim->task_id);
  kill.mutable_kill()->mutable_agent_id()->set_value(victim->agent_id);
  trace("sabotage: " + describe(kill));
  after(latency(), [this, kill, stream_id, told_when_sent = told_] {
    auto* master = leader();
    if (master == nullptr) {
      return;
    }
    check_ready_kill(kill.kill().task_id().value());
    check_kill(kill.kill().task_id().value(), told_when_sent);
    auto http = request("/api/v1/scheduler", wire::encode(kill, session_options_.content_type));
    http.headers.push_back({"Mesos-Stream-Id", stream_id});
    master->handle(http);
  });
}

}  // namespace iof::simulation
