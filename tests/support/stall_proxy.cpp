#include "stall_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace iof::test {

namespace {

sockaddr_in loopback(unsigned short port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

struct Pair {
  int client;
  int upstream;
};

// Moves what `from` has to `to`; false once either side is done.
bool forward(int from, int to) {
  char buffer[16 * 1024];
  const auto n = ::read(from, buffer, sizeof(buffer));
  if (n <= 0) {
    return false;
  }
  std::size_t written = 0;
  while (written < static_cast<std::size_t>(n)) {
    const auto w = ::write(to, buffer + written, static_cast<std::size_t>(n) - written);
    if (w <= 0) {
      return false;
    }
    written += static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

StallProxy::StallProxy(unsigned short target_port) : target_port_(target_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto address = loopback(0);
  socklen_t length = sizeof(address);
  if (listener_ < 0 ||
      ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    throw std::runtime_error("StallProxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

StallProxy::~StallProxy() {
  stopping_ = true;
  (void)::write(wake_[1], "x", 1);
  thread_.join();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void StallProxy::stall() {
  stalled_ = true;
  (void)::write(wake_[1], "x", 1);
}

void StallProxy::resume() {
  stalled_ = false;
  (void)::write(wake_[1], "x", 1);
}

void StallProxy::run() {
  std::vector<Pair> pairs;
  while (!stopping_) {
    // While stalled, nothing is read: the kernel buffers fill and the peers hear nothing.
    std::vector<pollfd> watched{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    if (!stalled_) {
      for (const auto& pair : pairs) {
        watched.push_back({pair.client, POLLIN, 0});
        watched.push_back({pair.upstream, POLLIN, 0});
      }
    }
    if (::poll(watched.data(), watched.size(), -1) < 0) {
      continue;
    }
    if ((watched[0].revents & POLLIN) != 0) {
      char drained[64];
      (void)::read(wake_[0], drained, sizeof(drained));
    }
    if ((watched[1].revents & POLLIN) != 0) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      const auto target = loopback(target_port_);
      if (client >= 0 && upstream >= 0 &&
          ::connect(upstream, reinterpret_cast<const sockaddr*>(&target), sizeof(target)) == 0) {
        pairs.push_back({client, upstream});
      } else {
        ::close(client);
        ::close(upstream);
      }
    }
    if (stalled_) {
      continue;
    }
    std::vector<Pair> open;
    for (std::size_t i = 2; i + 1 < watched.size(); i += 2) {
      const Pair pair{watched[i].fd, watched[i + 1].fd};
      bool alive = true;
      if ((watched[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        alive = forward(pair.client, pair.upstream);
      }
      if (alive && (watched[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        alive = forward(pair.upstream, pair.client);
      }
      if (alive) {
        open.push_back(pair);
      } else {
        ::close(pair.client);
        ::close(pair.upstream);
      }
    }
    // Connections accepted in this round were not polled yet: keep them.
    for (std::size_t i = (watched.size() - 2) / 2; i < pairs.size(); ++i) {
      open.push_back(pairs[i]);
    }
    pairs = std::move(open);
  }
  for (const auto& pair : pairs) {
    ::close(pair.client);
    ::close(pair.upstream);
  }
}

}  // namespace iof::test
