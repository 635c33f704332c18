#include "persister.hpp"

#include <exception>
#include <utility>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework {

namespace asio = boost::asio;

Persister::Persister(asio::any_io_executor executor, std::shared_ptr<StateStore> store)
    : store_(std::move(store)), turn_(std::move(executor)) {
  turn_.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<Result<void>> Persister::save(std::uint64_t version, Snapshot snapshot) {
  if (!store_) {
    co_return Error{"No state store to save the framework's state in"};
  }
  waiting_.insert(version);
  while (writing_ || *waiting_.begin() != version) {
    boost::system::error_code woken;  // operation_aborted: a save ended
    co_await turn_.async_wait(asio::redirect_error(asio::use_awaitable, woken));
  }
  waiting_.erase(waiting_.find(version));
  Result<void> saved;
  if (version > stored_) {
    writing_ = true;
    try {
      saved = co_await store_->save(std::move(snapshot));
    } catch (const std::exception& failure) {
      saved = Error{failure.what()};  // still a failed save: the waiting ones must not hang
    }
    writing_ = false;
    if (saved) {
      stored_ = version;
    }
  }
  turn_.cancel();
  co_return saved;
}

}  // namespace iof::framework
