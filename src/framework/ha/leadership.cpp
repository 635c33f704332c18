// The election and the leader's term: join under <path>/members, wait as a standby watching the
// predecessor, then claim <path>/state and run the Runtime until it ends or leadership is lost.
#include "iof/framework/ha/leadership.hpp"

#include <random>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "iof/framework/ha/election.hpp"
#include "iof/framework/ha/state_node.hpp"
#include "iof/framework/ha/zk_client.hpp"
#include "iof/framework/ha/zk_state_store.hpp"

// gcc 12 inlines Asio's recycling frame allocator and then mistakes the sized operator delete of
// awaitable frames for a mismatch (gcc PR 109224): a false positive, as in src/http.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework::ha {

namespace asio = boost::asio;

namespace {

enum class Campaign { elected, expired, failed, stopped };

std::string random_token() {
  std::random_device device;
  const auto value = (std::uint64_t{device()} << 32) | device();
  return fmt::format("{:016x}", value);
}

}  // namespace

struct Leadership::State {
  State(asio::any_io_executor executor_in, Options options_in, Lead lead_in)
      : executor(executor_in),
        options(std::move(options_in)),
        lead(std::move(lead_in)),
        changed(executor_in),
        held_deadline(executor_in) {}

  asio::any_io_executor executor;
  Options options;
  Lead lead;
  std::unique_ptr<ZkClient> client;
  std::optional<ZkSessionState> session;
  std::uint64_t events = 0;    // session changes, watches and stop(), counted
  asio::steady_timer changed;  // cancelled on each of those
  asio::steady_timer held_deadline;
  View view;
  std::shared_ptr<Runtime> runtime;
  std::shared_ptr<ZkStateStore> store;
  bool stopping = false;
  bool lost = false;

  std::string members() const { return options.url.path + "/members"; }
  std::string state_node() const { return options.url.path + "/state"; }

  void notice() {
    ++events;
    changed.cancel();
  }

  // Until something happened after `seen` was read.
  asio::awaitable<void> next_event(std::uint64_t seen) {
    while (events == seen) {
      changed.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code woken;
      co_await changed.async_wait(asio::redirect_error(asio::use_awaitable, woken));
    }
  }

  void lose(const std::string& why) {
    if (lost || !runtime) {
      return;
    }
    lost = true;
    store->abandon();
    spdlog::error(
        "No longer the leader: {}. Stopping without a word to the master; a standby "
        "takes over (exit status {})",
        why, exit_lost_leadership);
    runtime->abdicate(exit_lost_leadership);
  }

  void session_changed(ZkSessionState now) {
    session = now;
    notice();
    if (!runtime || lost) {
      return;
    }
    if (now == ZkSessionState::connecting && view.role == Role::leader) {
      runtime->hold_calls(true);
      view.role = Role::leader_calls_held;
      view.detail = "leader without a ZooKeeper session; calls held";
      spdlog::warn("Lost the connection to ZooKeeper: holding every call until it is back");
      // Past the session timeout the server has expired the session, whether or not this
      // client has heard so yet.
      const auto granted = client->negotiated_timeout();
      held_deadline.expires_after(granted.count() > 0 ? granted : options.session_timeout);
      held_deadline.async_wait([this](const boost::system::error_code& error) {
        if (!error) {
          lose("no ZooKeeper session for the whole session timeout");
        }
      });
    } else if (now == ZkSessionState::connected && view.role == Role::leader_calls_held) {
      held_deadline.cancel();
      runtime->hold_calls(false);
      view.role = Role::leader;
      view.detail.clear();
      spdlog::info("ZooKeeper session is back: calls go on");
    } else if (now == ZkSessionState::expired || now == ZkSessionState::auth_failed) {
      lose(now == ZkSessionState::expired ? "the ZooKeeper session expired"
                                          : "ZooKeeper refused the credentials");
    }
  }

  asio::awaitable<Campaign> campaign();
  asio::awaitable<std::optional<std::string>> join();
  asio::awaitable<int> term();
};

// Until the session is up: a server that is down is waited for, as Mesos waits for it.
asio::awaitable<std::optional<std::string>> Leadership::State::join() {
  bool waiting_logged = false;
  while (session != ZkSessionState::connected) {
    if (stopping || session == ZkSessionState::expired) {
      co_return std::nullopt;
    }
    if (session == ZkSessionState::auth_failed) {
      view.detail = "ZooKeeper refused the credentials";
      spdlog::error("ZooKeeper at {} refused the credentials of --ha_zk", options.url.hosts);
      co_return std::nullopt;
    }
    if (!waiting_logged) {
      spdlog::info("Waiting for a ZooKeeper session at {}", options.url.hosts);
      view.detail = "waiting for a ZooKeeper session";
      waiting_logged = true;
    }
    co_await next_event(events);
  }
  const auto made = co_await client->create_path(members());
  if (!made.ok()) {
    view.detail = "cannot create " + members() + ": " + made.text;
    spdlog::warn("Cannot create {} in ZooKeeper: {}", members(), made.text);
    co_return std::nullopt;
  }
  const std::string token = random_token();
  auto [created, path] =
      co_await client->create(members() + "/" + member_prefix + token + "_", options.advertise,
                              CreateMode::ephemeral_sequential);
  while (created.code == ZkCode::connection_lost) {
    // Unanswered: the token says whether the node exists.
    co_await next_event(events);
    const auto [listed, names] = co_await client->children_watched(members());
    if (listed.ok()) {
      if (auto mine = member_with_token(names, token)) {
        co_return *mine;
      }
      std::tie(created, path) =
          co_await client->create(members() + "/" + member_prefix + token + "_", options.advertise,
                                  CreateMode::ephemeral_sequential);
    } else if (listed.code != ZkCode::connection_lost) {
      created = listed;
    }
  }
  if (!created.ok()) {
    view.detail = "cannot join the election: " + created.text;
    spdlog::warn("Cannot join the election under {}: {}", members(), created.text);
    co_return std::nullopt;
  }
  co_return path.substr(path.rfind('/') + 1);
}

asio::awaitable<Campaign> Leadership::State::campaign() {
  const auto mine = co_await join();
  if (!mine) {
    co_return stopping
        ? Campaign::stopped
        : (session == ZkSessionState::auth_failed ? Campaign::failed : Campaign::expired);
  }
  std::optional<std::string> announced;
  while (!stopping) {
    const std::uint64_t seen = events;
    const auto [listed, names] = co_await client->children_watched(members());
    if (listed.code == ZkCode::connection_lost) {
      co_await next_event(seen);
      continue;
    }
    const auto stand = listed.ok() ? standing(names, *mine) : std::nullopt;
    if (!stand) {
      co_return Campaign::expired;  // the server deleted our node: the session is over
    }
    if (stand->leads) {
      view.leader = options.advertise;
      co_return Campaign::elected;
    }
    const auto [read, leader] = co_await client->get(members() + "/" + stand->leader);
    if (read.ok() && leader.data != announced) {
      announced = leader.data;
      view.leader = leader.data;
      spdlog::info("Standby; the leader is {}", leader.data);
    }
    view.role = Role::standby;
    view.detail.clear();
    const auto [checked, exists] =
        co_await client->exists_watched(members() + "/" + *stand->predecessor);
    if (checked.ok() && !exists) {
      continue;
    }
    co_await next_event(seen);
    if (session == ZkSessionState::expired) {
      co_return Campaign::expired;
    }
  }
  co_return Campaign::stopped;
}

// Claims the state node, then runs the Runtime over it until it ends.
asio::awaitable<int> Leadership::State::term() {
  std::optional<Snapshot> saved;
  std::int32_t version = 0;
  while (true) {
    if (stopping) {
      co_return 0;
    }
    const std::uint64_t seen = events;
    const auto [read, node] = co_await client->get(state_node());
    if (read.code == ZkCode::no_node) {
      co_await client->create(state_node(), {}, CreateMode::persistent);  // or another did
      continue;
    }
    if (read.code == ZkCode::connection_lost) {
      co_await next_event(seen);
      continue;
    }
    if (!read.ok()) {
      spdlog::error("Cannot read the HA state {}: {}", state_node(), read.text);
      co_return exit_lost_leadership;
    }
    auto decoded = decode_state_node(node.data);
    if (!decoded) {
      spdlog::error(
          "The HA state in ZooKeeper ({}) is damaged ({}); delete the node to start "
          "as a new framework",
          state_node(), decoded.error().message);
      co_return 1;
    }
    // The claim: rewriting the node moves its version on, so that any write still coming from
    // a deposed leader fails.
    const auto [claimed, claimed_version] =
        co_await client->set(state_node(), node.data, node.version);
    if (claimed.code == ZkCode::bad_version || claimed.code == ZkCode::connection_lost) {
      continue;  // read again
    }
    if (!claimed.ok()) {
      spdlog::error("Cannot claim the HA state {}: {}", state_node(), claimed.text);
      co_return exit_lost_leadership;
    }
    saved = std::move(*decoded);
    version = claimed_version;
    break;
  }
  if (saved && saved->framework_id) {
    spdlog::info("Elected leader: resuming framework {} with {} tasks from ZooKeeper",
                 *saved->framework_id, saved->sleepers.size() + saved->migrating.size());
  } else {
    spdlog::info("Elected leader: no framework in ZooKeeper yet, subscribing as a new one");
  }
  store = std::make_shared<ZkStateStore>(*client, state_node(), version);
  runtime = lead(std::move(saved), store);
  view.role = Role::leader;
  view.detail.clear();
  if (session != ZkSessionState::connected) {
    session_changed(*session);  // lost while claiming: hold at once
  }
  if (stopping) {
    runtime->stop();
  }
  int status = co_await runtime->run();
  held_deadline.cancel();
  // Ended while holding its calls (the master failed it over to the new leader, say): that too
  // is leadership lost.
  if (!lost && (store->deposed() || view.role == Role::leader_calls_held)) {
    lost = true;
    spdlog::error("No longer the leader: {} (exit status {})",
                  store->deposed() ? "the state in ZooKeeper is another leader's now"
                                   : "the runtime ended while its calls were held",
                  exit_lost_leadership);
  }
  co_return lost ? exit_lost_leadership : status;
}

Leadership::Leadership(asio::any_io_executor executor, Options options, Lead lead)
    : state_(std::make_unique<State>(executor, std::move(options), std::move(lead))) {}

Leadership::~Leadership() = default;

asio::awaitable<int> Leadership::run() {
  State& s = *state_;
  spdlog::info("High availability: joining the election under {}", s.members());
  while (!s.stopping) {
    s.session.reset();
    ZkClient::Handlers handlers;
    handlers.session = [&s](ZkSessionState now) { s.session_changed(now); };
    handlers.node = [&s](const std::string&) { s.notice(); };
    auto opened =
        ZkClient::open(s.executor, s.options.url, s.options.session_timeout, std::move(handlers));
    if (!opened) {
      spdlog::error("{}", opened.error().message);
      co_return 1;
    }
    s.client = std::move(*opened);
    const auto outcome = co_await s.campaign();
    if (outcome == Campaign::elected) {
      const int status = co_await s.term();
      s.client.reset();  // closing the session deletes our node: a standby is elected at once
      s.view.role = Role::stopped;
      co_return status;
    }
    s.client.reset();
    if (outcome == Campaign::failed) {
      co_return 1;
    }
    if (outcome == Campaign::expired && !s.stopping) {
      spdlog::warn("The ZooKeeper session expired while standing by: joining again");
      s.view.role = Role::joining;
      asio::steady_timer pause(s.executor, std::chrono::seconds(1));
      boost::system::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }
  s.view.role = Role::stopped;
  co_return 0;
}

void Leadership::stop() {
  asio::post(state_->executor, [&s = *state_] {
    s.stopping = true;
    s.notice();
    if (s.runtime) {
      s.runtime->stop();
    }
  });
}

View Leadership::view() const {
  return state_->view;
}

std::shared_ptr<Runtime> Leadership::runtime() const {
  return state_->runtime;
}

}  // namespace iof::framework::ha
