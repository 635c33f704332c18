// The two master addresses and the network to them: mesos-sim's MasterService answers every
// request exactly as the emulator's HTTP shell would, event streams are delivered in order with
// a latency per message, and a leader can die and be replaced from its registry.
#include <algorithm>

#include <fmt/format.h>

#include "iof/wire/codec.hpp"

#include "world.hpp"

namespace iof::simulation {

using namespace std::chrono_literals;
namespace session = framework::session;

// The event stream's write side as MasterService sees it.
class World::Sink : public http::StreamSink {
 public:
  Sink(World& world, std::uint64_t key) : world_(world), key_(key) {}
  void send(std::string chunk) override { world_.deliver_chunk(key_, std::move(chunk)); }
  void close() override { world_.master_closes(key_); }
  void stall() override {
    auto& stream = world_.streams_.at(key_);
    stream.stalled = true;
    stream.stalled_at = world_.now_;
  }
  bool closed() const override { return !world_.streams_.at(key_).open_at_master; }

 private:
  World& world_;
  std::uint64_t key_;
};

namespace {

// mesos-sim's --agent_attributes for `racks` racks of consecutive agents, cut as the rolling
// maintenance cuts its groups (the remainder joins the last rack): a rack is maintained at once.
std::string rack_attributes(std::uint32_t agents, std::uint32_t racks) {
  std::string out;
  const std::uint32_t size = racks == 0 ? 0 : std::max(1U, agents / racks);
  for (std::uint32_t rack = 0; rack < racks && rack * size < agents; ++rack) {
    const std::uint32_t last = rack + 1 == racks ? agents : std::min(agents, (rack + 1) * size);
    out += fmt::format("{}agent[{}-{}]=rack:r{}", out.empty() ? "" : "|", rack * size + 1, last,
                       rack + 1);
  }
  return out;
}

}  // namespace

sim::Config World::cluster_config() const {
  // const: draws come from a copy, so that the cluster's shape does not shift the fault plan.
  auto random = random_;
  const auto pick = [&random](Time low, Time high) {
    const auto span = static_cast<std::uint64_t>((high - low).count());
    return low + Time(static_cast<Time::rep>(random() % span));
  };
  sim::Config config;
  // The benchmark's master draws its id from the seed as mesos-sim does, so that seed 1 here has
  // the ids (and latency draws) of the real-time benchmark's --seed=1. The fault runs keep the id
  // their regression seeds were found with.
  if (!scenario_.rolling) {
    config.master_id = "simulated-master";
  }
  config.agents = scenario_.agents;
  config.seed = scenario_.seed;
  config.task_ready_delay = scenario_.ready_delay;
  config.launch_latency = pick(200ms, 3s);
  config.launch_jitter = config.launch_latency / 2;
  config.kill_latency = pick(50ms, 2s);
  config.kill_jitter = config.kill_latency / 2;
  if (scenario_.timing) {
    config.launch_latency = scenario_.timing->launch;
    config.launch_jitter = scenario_.timing->launch_jitter;
    config.kill_latency = scenario_.timing->kill;
    config.kill_jitter = scenario_.timing->kill_jitter;
    config.allocation_interval = scenario_.timing->allocation;
  }
  if (scenario_.faults.contains(Fault::slow_steps)) {
    config.slow_step_fraction = 0.05;
    config.slow_step_extra = 60s;
  }
  if (scenario_.faults.contains(Fault::rescind)) {
    config.offer_timeout = pick(5s, 60s);
  }
  config.agent_attributes = rack_attributes(scenario_.agents, scenario_.racks);
  return config;
}

http::Request World::request(const std::string& path, std::string body) const {
  http::Request out;
  out.method = "POST";
  out.target = path;
  const std::string media(wire::media_type(session_options_.content_type));
  out.headers = {{"Content-Type", path == "/api/v1/scheduler" ? media : "application/json"},
                 {"Accept", path == "/api/v1/scheduler" ? media : "application/json"}};
  out.body = std::move(body);
  out.remote = "127.0.0.1:40000";
  return out;
}

void World::create_leader(std::size_t index, std::optional<sim::registry::Registry> registry) {
  Master& master = masters_[index];
  ++master.generation;
  auto config = config_;
  config.port = static_cast<std::uint16_t>(std::stoi(master.endpoint.port));
  auto cluster = registry ? sim::Cluster::recover(config, *registry, now_)
                          : sim::Cluster::create(config, now_);
  if (!cluster) {
    violated("the master could not start: " + cluster.error().message);
    return;
  }
  master.service = std::make_unique<sim::MasterService>(std::move(*cluster), sim::ServiceOptions{},
                                                        [this] { return now_; });
  master.service->on_change([this, index] { rearm_master(index); });
  master.up = true;
  master.wake.reset();
  leader_ = index;
  rearm_master(index);
}

void World::create_standby(std::size_t index) {
  Master& master = masters_[index];
  ++master.generation;
  auto config = config_;
  config.agents = 0;
  config.port = static_cast<std::uint16_t>(std::stoi(master.endpoint.port));
  auto cluster = sim::Cluster::create(config, now_);
  if (!cluster) {
    violated("the standby master could not start: " + cluster.error().message);
    return;
  }
  sim::ServiceOptions options;
  options.leader = masters_[leader_].endpoint.host + ":" + masters_[leader_].endpoint.port;
  master.service = std::make_unique<sim::MasterService>(std::move(*cluster), std::move(options),
                                                        [this] { return now_; });
  master.up = true;
  master.wake.reset();
}

void World::rearm_master(std::size_t index) {
  Master& master = masters_[index];
  if (!master.up || !master.service) {
    return;
  }
  const auto next = master.service->next_wakeup();
  if (!next || (master.wake && *master.wake <= *next)) {
    return;
  }
  master.wake = *next;
  at(*next, [this, index, generation = master.generation, wake = *next] {
    Master& woken = masters_[index];
    if (woken.generation != generation || !woken.up || woken.wake != wake) {
      return;
    }
    woken.wake.reset();
    woken.service->tick();  // on_change re-arms
    rearm_master(index);
  });
}

std::optional<std::size_t> World::master_at(const Endpoint& endpoint) const {
  for (std::size_t i = 0; i < masters_.size(); ++i) {
    if (masters_[i].endpoint.host == endpoint.host && masters_[i].endpoint.port == endpoint.port) {
      return i;
    }
  }
  return std::nullopt;
}

sim::MasterService* World::leader() {
  Master& master = masters_[leader_];
  return master.up ? master.service.get() : nullptr;
}

http::Response World::operator_call(const std::string& path, const std::string& body) {
  note_no_spare();  // the last moment before this action frees an agent, if it does
  auto* service = leader();
  if (service == nullptr) {
    return http::Response{503, {}, "no leader"};
  }
  const auto reply = service->handle(request(path, body));
  if (const auto* response = std::get_if<http::Response>(&reply)) {
    if (response->status != 200 && response->status != 202) {
      trace(fmt::format("operator {} answered {}: {}", path, response->status, response->body));
    }
    return *response;
  }
  return http::Response{500, {}, "a stream"};
}

void World::open_stream(session::OpenStream open) {
  ++result_.calls;  // a SUBSCRIBE costs the master a call too
  ++result_.calls_by_type["SUBSCRIBE"];
  const auto generation = framework_generation_;
  const auto target = master_at(open.target);
  if (!target || !masters_[*target].up) {
    after(latency(), [this, generation, id = open.stream] {
      if (generation == framework_generation_) {
        perform(session_->stream_failed(id, "Connection refused", framework_now()));
      }
    });
    return;
  }
  const std::uint64_t key = ++next_stream_;
  Stream& stream = streams_[key];
  stream.framework_generation = generation;
  stream.session_stream = open.stream;
  stream.master = *target;
  stream.master_generation = masters_[*target].generation;
  auto body = wire::encode(open.subscribe, session_options_.content_type);
  after(latency(), [this, key, body = std::move(body)] {
    Stream& opening = streams_.at(key);
    Master& master = masters_[opening.master];
    if (master.generation != opening.master_generation || !master.up) {
      to_framework(key, [this, id = opening.session_stream] {
        perform(session_->stream_failed(id, "Connection reset by peer", framework_now()));
      });
      return;
    }
    auto reply = master.service->handle(request("/api/v1/scheduler", body));
    session::StreamHead head;
    if (auto* response = std::get_if<http::Response>(&reply)) {
      head.status = response->status;
      for (const auto& header : response->headers) {
        if (header.name == "Location") {
          head.location = header.value;
        }
      }
      head.body = response->body;
      to_framework(key, [this, id = opening.session_stream, head] {
        perform(session_->stream_opened(id, head, framework_now()));
      });
      return;
    }
    auto& started = std::get<http::StreamResponse>(reply);
    head.status = started.status;
    for (const auto& header : started.headers) {
      if (header.name == "Mesos-Stream-Id") {
        head.stream_id = header.value;
      }
    }
    opening.open_at_master = true;
    opening.on_closed = std::move(started.on_closed);
    to_framework(key, [this, id = opening.session_stream, head] {
      perform(session_->stream_opened(id, head, framework_now()));
    });
    for (auto& chunk : started.initial_chunks) {
      deliver_chunk(key, std::move(chunk));
    }
    if (started.on_open) {
      started.on_open(std::make_shared<Sink>(*this, key));
    }
    if (!opening.open_at_framework) {
      // The framework gave up on this SUBSCRIBE while it travelled: its close follows.
      after(latency(), [this, key] { master_sees_close(key); });
    }
  });
}

void World::to_framework(std::uint64_t key, std::function<void()> run) {
  Stream& stream = streams_.at(key);
  const Time when = std::max(now_ + latency(), stream.last_delivery);
  stream.last_delivery = when;
  at(when, [this, key, generation = stream.framework_generation, run = std::move(run)] {
    if (generation == framework_generation_ && streams_.at(key).open_at_framework) {
      run();
    }
  });
}

void World::deliver_chunk(std::uint64_t key, std::string chunk) {
  Stream& stream = streams_.at(key);
  if (!stream.open_at_master || stream.stalled) {
    return;  // a stalled stream keeps the connection and sends nothing
  }
  to_framework(key, [this, key, chunk = std::move(chunk)] {
    perform(session_->stream_data(streams_.at(key).session_stream, chunk, framework_now()));
  });
}

void World::master_closes(std::uint64_t key) {
  Stream& stream = streams_.at(key);
  if (!stream.open_at_master) {
    return;
  }
  stream.open_at_master = false;
  to_framework(key, [this, key] {
    perform(session_->stream_ended(streams_.at(key).session_stream,
                                   "The master ended the event stream", framework_now()));
  });
  // The HTTP server reports the end once the close is written, not inside the call.
  after(0s, [this, key] {
    Stream& closed = streams_.at(key);
    if (closed.on_closed && masters_[closed.master].generation == closed.master_generation) {
      std::exchange(closed.on_closed, nullptr)();
    }
  });
}

void World::master_sees_close(std::uint64_t key) {
  Stream& stream = streams_.at(key);
  if (!stream.open_at_master) {
    return;
  }
  stream.open_at_master = false;
  if (stream.on_closed && masters_[stream.master].generation == stream.master_generation) {
    std::exchange(stream.on_closed, nullptr)();
  }
}

bool World::listening_to_stalled_stream() const {
  // The session gives up after heartbeat_misses silent intervals; past that, and a network
  // latency's slack, still listening is the framework's own fault.
  const Time allowed =
      config_.heartbeat_interval *
          static_cast<Time::rep>(framework::SessionOptions{}.heartbeat_misses + 1) +
      5s;
  return std::any_of(streams_.begin(), streams_.end(), [&](const auto& entry) {
    const Stream& stream = entry.second;
    return stream.stalled && stream.open_at_framework &&
           stream.framework_generation == framework_generation_ &&
           now_ - stream.stalled_at <= allowed;
  });
}

void World::close_stream_from_framework(std::uint64_t session_stream) {
  for (auto& [key, stream] : streams_) {
    if (stream.framework_generation == framework_generation_ &&
        stream.session_stream == session_stream && stream.open_at_framework) {
      stream.open_at_framework = false;
      if (stream.stalled) {
        disruption();  // blind from the stall until its heartbeats were found missing
      }
      after(latency(), [this, id = key] { master_sees_close(id); });
    }
  }
}

void World::fail_over() {
  const std::size_t old = leader_;
  Master& dying = masters_[old];
  if (!dying.up) {
    return;
  }
  const auto registry = dying.service->cluster().registry();
  dying.up = false;
  ++dying.generation;
  for (auto& [key, stream] : streams_) {
    if (stream.master == old && stream.open_at_master) {
      stream.open_at_master = false;
      stream.on_closed = nullptr;
      stream.stalled = false;
      to_framework(key, [this, id = stream.session_stream] {
        perform(session_->stream_ended(id, "Connection reset by peer", framework_now()));
      });
    }
  }
  dying.service.reset();
  const std::size_t next = 1 - old;
  masters_[next].up = false;  // the standby stops redirecting while it takes over
  ++masters_[next].generation;
  ++result_.failovers;
  trace(fmt::format("master {} dies; {} takes over", dying.endpoint.url(),
                    masters_[next].endpoint.url()));
  after(between(1s, 20s), [this, old, next, registry] {
    create_leader(next, registry);
    trace("master " + masters_[next].endpoint.url() + " leads, recovered from the registry");
    if (zookeeper_) {
      const auto generation = framework_generation_;
      after(latency(), [this, generation, leader = masters_[next].endpoint] {
        if (generation == framework_generation_ && session_) {
          perform(session_->leader_changed(leader, "", framework_now()));
        }
      });
    }
    // The old leader comes back as a standby that redirects to the new one.
    after(between(1s, 60s), [this, old] {
      if (leader_ != old && masters_[leader_].up) {
        create_standby(old);
      }
    });
  });
}

}  // namespace iof::simulation
