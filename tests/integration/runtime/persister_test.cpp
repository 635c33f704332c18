// The Persister: saves reach the store one at a time and in version order, whatever order the
// tasks that asked for them resume in.
#include "persister.hpp"

#include <boost/asio/detached.hpp>

#include "runtime_harness.hpp"

namespace iof::test::runtime {

namespace {

asio::awaitable<void> save_version(framework::Persister& persister, std::uint64_t version,
                                   std::vector<std::uint64_t>& answered) {
  Snapshot snapshot;
  snapshot.next_task_id = version;  // marks which version the store got
  const auto saved = co_await persister.save(version, std::move(snapshot));
  CHECK(saved.has_value());
  answered.push_back(version);
}

}  // namespace

TEST_CASE("the persister writes one save at a time in version order and skips older ones") {
  asio::io_context io;
  auto store = std::make_shared<GatedStore>(io.get_executor());
  store->held = true;
  framework::Persister persister(io.get_executor(), store);
  std::vector<std::uint64_t> answered;
  for (const std::uint64_t version : std::initializer_list<std::uint64_t>{2, 4, 3, 1}) {
    asio::co_spawn(io, save_version(persister, version, answered), asio::detached);
  }
  io.run_for(100ms);
  CHECK(store->in_progress == 1);  // version 2 is being written; the others wait
  store->release();
  io.restart();
  io.run_for(1s);

  std::vector<std::uint64_t> written;
  for (const auto& snapshot : store->stored) {
    written.push_back(snapshot.next_task_id);
  }
  // 1 came after 2 was written: the newer state already holds it, so it is not written over it.
  CHECK(written == std::vector<std::uint64_t>{2, 3, 4});
  CHECK(answered.size() == 4);
}

}  // namespace iof::test::runtime
