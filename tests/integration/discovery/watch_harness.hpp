#pragma once

// Runs LeaderWatchers on an io_context driven by the test's own thread, and records what they
// report as text: "10.0.0.1:5050" for a leader, "error: ..." otherwise.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include "iof/discovery/leader_watcher.hpp"

namespace iof::test {

using namespace std::chrono_literals;

// The test server's 200 ms ticks allow sessions of 0.4 s to 4 s.
inline const discovery::WatchOptions quick_options{4s, 200ms};

class Loop {
 public:
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // Runs handlers until `done()` holds; false if it still does not after 20 s.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return false;
      }
      io_.run_one_for(50ms);
    }
    return true;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
};

class Watch {
 public:
  // With `stop_in_callback` the watcher destroys itself from its first report.
  Watch(Loop& loop, const std::string& url, discovery::WatchOptions options = quick_options,
        bool stop_in_callback = false)
      : loop_(loop), stop_in_callback_(stop_in_callback) {
    auto parsed = discovery::parse_zk_url(url);
    REQUIRE_MESSAGE(parsed.has_value(), url);
    auto started = discovery::LeaderWatcher::start(
        loop.executor(), *parsed,
        [this](Result<discovery::LeaderAddress> report) {
          reports_.push_back(report ? to_string(*report) : "error: " + report.error().message);
          if (stop_in_callback_) {
            watcher_.reset();
          }
        },
        options);
    REQUIRE(started.has_value());
    watcher_ = std::move(*started);
  }

  bool until_leader(const std::string& host_port) {
    return loop_.run_until([&] { return !reports_.empty() && reports_.back() == host_port; });
  }
  bool until_error(const std::string& part) {
    return loop_.run_until([&] {
      return !reports_.empty() && reports_.back().starts_with("error: ") &&
             reports_.back().find(part) != std::string::npos;
    });
  }
  bool until_count(std::size_t count) {
    return loop_.run_until([&] { return reports_.size() >= count; });
  }
  bool reported(const std::string& part) const {
    for (const auto& report : reports_) {
      if (report.find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  const std::vector<std::string>& reports() const { return reports_; }
  // Every report, one a line, for failure messages.
  std::string history() const {
    std::string text = "reports:";
    for (const auto& report : reports_) {
      text += "\n  " + report;
    }
    return text;
  }
  void stop() { watcher_.reset(); }

 private:
  Loop& loop_;
  bool stop_in_callback_;
  std::vector<std::string> reports_;
  std::unique_ptr<discovery::LeaderWatcher> watcher_;
};

}  // namespace iof::test
