#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A TCP proxy on 127.0.0.1 in front of one server, for partitions that do not close anything:
// stall() stops moving bytes both ways (connections stay open, as behind a dead switch), and
// resume() moves them again. Used to cut one process off from ZooKeeper.
namespace iof::test {

class StallProxy {
 public:
  // Forwards a free loopback port to 127.0.0.1:`target_port`.
  explicit StallProxy(unsigned short target_port);
  ~StallProxy();
  StallProxy(const StallProxy&) = delete;
  StallProxy& operator=(const StallProxy&) = delete;

  unsigned short port() const { return port_; }
  void stall();
  void resume();

 private:
  void run();

  unsigned short target_port_;
  unsigned short port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};  // a pipe that interrupts poll()
  std::atomic<bool> stalled_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace iof::test
