#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "iof/common/result.hpp"
#include "iof/framework/scheduler_state.hpp"

// Where the framework's state goes before the calls that depend on it leave: the --state_file
// today, ZooKeeper for high availability later. Saving is awaited, so a store may take its time
// (a quorum write) without blocking the strand; the runtime's handler tasks hold their calls back
// until their save has completed.
namespace iof::framework {

class StateStore {
 public:
  virtual ~StateStore() = default;
  // Completes once `snapshot` is durable, or with why it is not. The runtime calls it one save at
  // a time, in the order of the snapshots' versions.
  virtual boost::asio::awaitable<Result<void>> save(Snapshot snapshot) = 0;
  // The runtime has ended: a save that is still waiting for its store (ZooKeeper unreachable)
  // should give up, so that the runtime can return.
  virtual void abandon() {}
};

// --state_file: save_state_file()'s atomic replace, done on the caller's thread (it is a few
// small writes and two fsyncs, as before the store was awaitable).
std::shared_ptr<StateStore> file_state_store(std::string path);

}  // namespace iof::framework
