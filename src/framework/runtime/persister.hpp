#pragma once

#include <cstdint>
#include <memory>
#include <set>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "iof/framework/state_store.hpp"

// The runtime's one way to the StateStore. Every task that got a SaveState from the session
// awaits its save here; the saves reach the store one at a time and in version order, so that a
// later snapshot is never overwritten by an earlier one, whatever order the tasks resume in.
namespace iof::framework {

class Persister {
 public:
  // `executor` is the runtime's strand: save() runs there only. A null store stores nothing
  // (the session asks for no save without --state_file or a store of the caller's).
  Persister(boost::asio::any_io_executor executor, std::shared_ptr<StateStore> store);

  bool enabled() const { return store_ != nullptr; }
  // The runtime ended: saves still waiting for the store may give up.
  void abandon() {
    if (store_) {
      store_->abandon();
    }
  }

  // Completes once the snapshot of `version` is stored, or the store failed. A snapshot older
  // than one already stored is not written (the newer one holds all it has) and counts as stored.
  boost::asio::awaitable<Result<void>> save(std::uint64_t version, Snapshot snapshot);

 private:
  std::shared_ptr<StateStore> store_;
  std::multiset<std::uint64_t> waiting_;  // versions whose save has not started; the lowest next
  bool writing_ = false;
  std::uint64_t stored_ = 0;
  // Never expires; cancelled when a save ends, so that the waiting saves look whose turn it is.
  boost::asio::steady_timer turn_;
};

}  // namespace iof::framework
