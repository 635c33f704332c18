#include <utility>

#include "iof/framework/state_file.hpp"
#include "iof/framework/state_store.hpp"

namespace iof::framework {

namespace {

class FileStateStore final : public StateStore {
 public:
  explicit FileStateStore(std::string path) : path_(std::move(path)) {}

  boost::asio::awaitable<Result<void>> save(Snapshot snapshot) override {
    co_return save_state_file(path_, snapshot);
  }

 private:
  std::string path_;
};

}  // namespace

std::shared_ptr<StateStore> file_state_store(std::string path) {
  return std::make_shared<FileStateStore>(std::move(path));
}

}  // namespace iof::framework
