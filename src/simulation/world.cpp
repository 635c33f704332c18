// The agenda, the random source, and the framework process: its Session's actions performed
// against the simulated network, its state file, its crashes and restarts.
#include "world.hpp"

#include <limits>

#include <fmt/format.h>

#include "describe.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;
namespace session = framework::session;

namespace {

// Far more than any burst of work at one instant (an OFFERS event from every agent, say).
constexpr std::uint64_t max_steps_at_one_time = 100'000;
// 2027-01-01T00:00:00Z: maintenance windows are wall-clock times.
constexpr Time epoch_start = std::chrono::seconds(1798761600);

}  // namespace

World::World(const Scenario& scenario)
    : scenario_(scenario), random_(scenario.seed * 0x9e3779b97f4a7c15ULL + 1) {
  result_.seed = scenario.seed;
  result_.min_running_after_n = std::numeric_limits<std::size_t>::max();
  start_ = epoch_start;
  now_ = start_;
  end_ = start_ + std::chrono::duration_cast<Time>(
                      std::chrono::duration<double, std::ratio<3600>>(scenario.hours));
  config_ = cluster_config();
  if (scenario_.faults.contains(Fault::clock_skew)) {
    skew_ = between(-5s, 5s);
  }
  slow_network_ = scenario_.faults.contains(Fault::slow_steps);

  framework::Flags flags;
  flags.policy = scenario_.policy;
  flags.num_tasks = scenario_.tasks;
  flags.call_window = scenario_.call_window;
  flags.state_file = "simulated";
  flags.max_backoff = 15s;
  // Odd seeds speak JSON, even ones protobuf: both event readers meet every fault. Chosen by
  // the seed, not drawn, so that the rest of a world stays what its seed made it.
  flags.content_type =
      scenario.seed % 2 == 1 ? wire::ContentType::json : wire::ContentType::protobuf;
  const bool zookeeper = draw(2) == 0;
  masters_.resize(2);
  masters_[0].endpoint = Endpoint{false, "127.0.0.1", "5050"};
  masters_[1].endpoint = Endpoint{false, "127.0.0.1", "5051"};
  std::vector<Endpoint> candidates;
  if (!zookeeper) {
    candidates = {masters_[0].endpoint, masters_[1].endpoint};
  }
  zookeeper_ = zookeeper;
  session_options_ = framework::session_options(flags, candidates, "root", scenario.seed);
}

World::~World() = default;

void World::at(Time when, std::function<void()> run) {
  agenda_.push(Item{std::max(when, now_), ++sequence_, std::move(run)});
}

std::uint64_t World::draw(std::uint64_t bound) {
  // Raw engine output, not a std:: distribution: the same numbers on every standard library.
  return bound == 0 ? 0 : random_() % bound;
}

double World::uniform() {
  return static_cast<double>(random_() >> 11U) * 0x1p-53;
}

Time World::between(Time low, Time high) {
  if (high <= low) {
    return low;
  }
  return low + Time(static_cast<Time::rep>(draw(static_cast<std::uint64_t>((high - low).count()))));
}

Time World::latency() {
  // Loopback for the benchmark's fixed timings (as the real-time benchmark runs), a LAN else.
  Time base = scenario_.timing ? between(50us, 500us) : between(200us, 5ms);
  if (slow_network_ && uniform() < 0.01) {
    base += between(0s, 2s);  // the heavy tail of a congested network
  }
  return base;
}

void World::trace(const std::string& line) {
  if (!scenario_.trace) {
    return;
  }
  result_.trace += clock_text(now_ - start_) + " " + line + "\n";
}

void World::violated(std::string what) {
  if (result_.violation) {
    return;
  }
  trace("VIOLATION " + what);
  result_.violation = Violation{now_ - start_, std::move(what)};
}

SeedResult World::run() {
  create_leader(0, std::nullopt);
  create_standby(1);
  start_framework();
  if (scenario_.rolling) {
    plan_rolling();
  } else {
    plan_faults();
    at(end_ - std::chrono::duration_cast<Time>(scenario_.quiet), [this] { quiet_down(); });
  }
  while (!agenda_.empty() && !result_.violation) {
    if (agenda_.top().at > end_) {
      break;
    }
    Item item = std::move(const_cast<Item&>(agenda_.top()));  // popped right after
    agenda_.pop();
    // A framework (or master) that keeps producing work without time passing is hung.
    same_time_steps_ = item.at == now_ ? same_time_steps_ + 1 : 0;
    if (same_time_steps_ > max_steps_at_one_time) {
      violated("livelock: " + std::to_string(same_time_steps_) +
               " steps without virtual time passing");
      break;
    }
    now_ = item.at;
    item.run();
    ++result_.steps;
    check();
  }
  if (!result_.violation && !scenario_.rolling) {
    now_ = end_;
    check_liveness();
  }
  result_.crash_loop_judged = judged_crash_loop_time();
  if (scenario_.rolling) {
    finish_rolling();
  }
  if (!reached_n_) {
    result_.min_running_after_n = 0;
  }
  result_.simulated_hours = std::chrono::duration<double, std::ratio<3600>>(now_ - start_).count();
  return std::move(result_);
}

// ---- the framework process ------------------------------------------------------------------

void World::start_framework() {
  ++framework_generation_;
  framework::Recovery recovery;
  if (scenario_.sabotage == Sabotage::hoard_agents) {
    recovery.agent_memory = std::chrono::hours(100);
  }
  framework::Evacuation evacuation;
  evacuation.max_surge = scenario_.max_surge;
  evacuation.max_unavailable = scenario_.max_unavailable;
  evacuation.min_ready_time = scenario_.min_ready_time;
  if (scenario_.racks > 0) {
    evacuation.spread_by = "rack";
  }
  if (scenario_.fixed_lead) {
    evacuation.min_lead_time = *scenario_.fixed_lead;
    evacuation.lead_time_factor = 0;
  }
  framework::TaskSpec task;
  if (scenario_.health_check) {
    framework::HealthCheckSpec check;
    check.kind = framework::HealthCheckSpec::Kind::command;
    check.command = "true";  // the model's simulated checks pass unless a fault breaks them
    check.delay_seconds = 2;
    check.interval_seconds = 3;
    check.grace_period_seconds = 10;
    task.health_check = check;
  }
  framework::SchedulerState core(scenario_.policy, scenario_.tasks, "*", std::move(task), recovery,
                                 evacuation);
  if (disk_) {
    core.restore(*disk_);
  }
  session_ = std::make_unique<framework::Session>(session_options_, std::move(core));
  framework_wake_.reset();
  trace(disk_ ? "framework starts from its state file" : "framework starts");
  perform(session_->start(framework_now()));
  if (zookeeper_) {
    const Endpoint leader = masters_[leader_].endpoint;
    const auto generation = framework_generation_;
    after(latency(), [this, generation, leader] {
      if (generation == framework_generation_ && masters_[leader_].up) {
        perform(session_->leader_changed(leader, "", framework_now()));
      }
    });
  }
}

void World::crash_framework(const std::string& why) {
  trace("framework dies: " + why);
  ++framework_generation_;
  session_.reset();
  framework_wake_.reset();
  told_ready_.clear();  // the next process knows only what it is told
  ++result_.framework_restarts;
  disruption();
  for (auto& [key, stream] : streams_) {
    if (stream.open_at_framework) {
      stream.open_at_framework = false;
      const std::uint64_t id = key;
      after(latency(), [this, id] { master_sees_close(id); });
    }
  }
  const Time restart = between(1s, 30s);
  last_disruption_ = std::max(last_disruption_, now_ + restart);  // blind until it is back
  after(restart, [this] { start_framework(); });
}

void World::perform(session::Actions actions) {
  const auto generation = framework_generation_;
  for (auto& action : actions) {
    if (generation != framework_generation_) {
      return;  // the process died while performing
    }
    if (auto* open = std::get_if<session::OpenStream>(&action)) {
      trace(fmt::format("fw SUBSCRIBE #{} to {}", open->stream, open->target.url()));
      open_stream(std::move(*open));
    } else if (auto* close = std::get_if<session::CloseStream>(&action)) {
      trace(fmt::format("fw closes stream #{}", close->stream));
      close_stream_from_framework(close->stream);
    } else if (auto* send = std::get_if<session::SendCall>(&action)) {
      send_call(std::move(*send));
    } else if (auto* deliver = std::get_if<session::Deliver>(&action)) {
      // A handler task: it runs after what is already due, as a co_spawn on the strand does.
      after(0s, [this, generation, delivered = std::move(*deliver)]() mutable {
        if (generation != framework_generation_) {
          return;
        }
        const auto& event = delivered.event;
        if (scenario_.sabotage == Sabotage::ignore_maintenance) {
          if (event.type() == v1::scheduler::Event::INVERSE_OFFERS) {
            return;
          }
          for (auto& offer : *delivered.event.mutable_offers()->mutable_offers()) {
            offer.clear_unavailability();
          }
          if (delivered.offers) {
            for (auto& offer : *delivered.offers) {
              offer.has_window = false;
            }
          }
          perform(session_->handle(delivered, framework_now()));
          return;
        }
        trace("event " + describe(delivered));
        note_update(event, delivered.epoch);
        if (delivered.epoch == session_->epoch()) {
          note_told(event);
        }
        perform(session_->handle(delivered, framework_now()));
      });
    } else if (auto* save = std::get_if<session::SaveState>(&action)) {
      save_state(*save);
    } else if (auto* line = std::get_if<session::Log>(&action)) {
      trace("fw log: " + line->text);
    } else if (auto* finish = std::get_if<session::Finish>(&action)) {
      crash_framework(fmt::format("exited with status {}", finish->status));
      return;
    }
  }
  rearm_framework();
}

void World::rearm_framework() {
  if (!session_) {
    return;
  }
  const auto next = session_->next_wakeup();
  if (!next || (framework_wake_ && *framework_wake_ == *next)) {
    return;
  }
  framework_wake_ = *next;
  const auto generation = framework_generation_;
  at(*next - skew_, [this, generation, wake = *next] {
    if (generation != framework_generation_ || framework_wake_ != wake) {
      return;
    }
    framework_wake_.reset();
    perform(session_->tick(framework_now()));
  });
}

}  // namespace iof::simulation
