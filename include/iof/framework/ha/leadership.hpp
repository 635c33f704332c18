#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "iof/discovery/zk_url.hpp"
#include "iof/framework/runtime.hpp"

// --ha_zk: several instances, one leader. Each instance joins the election under
// <path>/members; the leader reads the state from <path>/state, claims it, and runs the
// Runtime with that node as its StateStore. Standbys wait, watching their predecessor.
//
// A leader whose ZooKeeper connection drops holds every call at once: the server expires its
// session only a full session timeout after it last heard from it, and the client notices the
// silence after two thirds of that, so the leader is quiet before any standby can be elected. A
// session that expires, a disconnection as long as the session timeout, or a write fenced by
// another leader ends the leader with exit_lost_leadership, for its supervisor to restart it as
// a standby.
namespace iof::framework::ha {

// The exit status of an instance that was the leader and no longer is.
inline constexpr int exit_lost_leadership = 3;

struct Options {
  discovery::ZkUrl url;
  std::chrono::milliseconds session_timeout{10'000};
  std::string advertise;  // HOST:PORT, written in the member node for /leader and /health
};

enum class Role { joining, standby, leader, leader_calls_held, stopped };

struct View {
  Role role = Role::joining;
  std::optional<std::string> leader;  // the leader's HOST:PORT, when known
  std::string detail;                 // why joining or held, for /health
};

class Leadership {
 public:
  // Called once, when this instance is elected: the state read from ZooKeeper (nullopt on a
  // first run) and the store the Runtime must save to.
  using Lead = std::function<std::shared_ptr<Runtime>(std::optional<Snapshot> saved,
                                                      std::shared_ptr<StateStore> store)>;

  Leadership(boost::asio::any_io_executor executor, Options options, Lead lead);
  ~Leadership();

  // Standby until elected, then the Runtime until it ends. The exit status: the Runtime's,
  // exit_lost_leadership when leadership was lost, 1 when the state in ZooKeeper is damaged.
  boost::asio::awaitable<int> run();
  // SIGTERM: a standby leaves the election; a leader stops its Runtime first, then closes its
  // session, which hands leadership over at once.
  void stop();

  View view() const;
  // The leader's Runtime, while this instance leads.
  std::shared_ptr<Runtime> runtime() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace iof::framework::ha
