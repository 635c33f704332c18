#pragma once

#include <cstdint>
#include <string>

#include "iof/framework/ha/zk_client.hpp"
#include "iof/framework/state_store.hpp"

// The leader's StateStore: the state znode, written only if its version is still the one this
// leader last wrote. A newly elected leader first rewrites the node (its claim), so every later
// write of a deposed leader fails on the version: that failure is the fence, and the runtime
// stops on a failed save.
namespace iof::framework::ha {

class ZkStateStore final : public StateStore {
 public:
  // `version` is the node's version after the claim. `client` outlives the store.
  ZkStateStore(ZkClient& client, std::string path, std::int32_t version);

  boost::asio::awaitable<Result<void>> save(Snapshot snapshot) override;
  // Leadership is over, or the runtime ended: a save retrying through a lost connection stops.
  void abandon() override { abandoned_ = true; }

  // Whether a save failed because another instance wrote the node, or the session ended.
  bool deposed() const { return deposed_; }
  std::size_t last_size() const { return last_size_; }

 private:
  ZkClient& client_;
  std::string path_;
  std::int32_t version_;
  bool deposed_ = false;
  bool abandoned_ = false;
  std::size_t last_size_ = 0;
};

}  // namespace iof::framework::ha
