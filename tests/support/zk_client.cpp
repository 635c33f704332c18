#include "zk_client.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <zookeeper/zookeeper.h>

namespace iof::test {
namespace {

void discard_log(const char*) {}

void check(int rc, const std::string& what) {
  if (rc != ZOK) {
    throw std::runtime_error("ZooKeeper: " + what + ": " + zerror(rc));
  }
}

}  // namespace

// What the client's thread reports, waited for by the test's thread.
struct ZkClient::Signal {
  std::mutex mutex;
  std::condition_variable changed;
  bool connected = false;
  std::optional<int> auth_result;

  static void on_session(zhandle_t*, int type, int state, const char*, void* context) {
    if (type == ZOO_SESSION_EVENT) {
      auto* signal = static_cast<Signal*>(context);
      std::lock_guard lock(signal->mutex);
      signal->connected = state == ZOO_CONNECTED_STATE;
      signal->changed.notify_all();
    }
  }

  static void on_auth(int rc, const void* data) {
    auto* signal = static_cast<Signal*>(const_cast<void*>(data));
    std::lock_guard lock(signal->mutex);
    signal->auth_result = rc;
    signal->changed.notify_all();
  }

  template <typename Predicate>
  bool wait(Predicate predicate) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), predicate);
  }
};

ZkClient::ZkClient(const std::string& hosts, std::optional<Digest> digest)
    : signal_(std::make_unique<Signal>()), restricted_(digest.has_value()) {
  handle_ = zookeeper_init2(hosts.c_str(), &Signal::on_session, 4000, nullptr, signal_.get(), 0,
                            discard_log);
  if (handle_ == nullptr) {
    throw std::runtime_error("ZooKeeper: cannot start a client for " + hosts);
  }
  bool ready = signal_->wait([this] { return signal_->connected; });
  if (ready && digest) {
    const std::string certificate = digest->user + ":" + digest->password;
    ready =
        zoo_add_auth(handle_, "digest", certificate.data(), static_cast<int>(certificate.size()),
                     &Signal::on_auth, signal_.get()) == ZOK &&
        signal_->wait([this] { return signal_->auth_result.has_value(); }) &&
        signal_->auth_result == ZOK;
  }
  if (!ready) {
    zookeeper_close(handle_);
    throw std::runtime_error("ZooKeeper: no session with " + hosts);
  }
}

ZkClient::~ZkClient() {
  zookeeper_close(handle_);
}

std::string ZkClient::create_node(const std::string& path, const std::string& data, int flags) {
  char created[512];
  const ACL_vector* acl = restricted_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE;
  check(zoo_create(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), acl, flags,
                   created, sizeof created),
        "create " + path);
  return created;
}

void ZkClient::create_parents(const std::string& path) {
  for (auto slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    const int rc =
        zoo_create(handle_, parent.c_str(), nullptr, -1,
                   restricted_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE, 0, nullptr, 0);
    if (rc != ZNODEEXISTS) {
      check(rc, "create " + parent);
    }
  }
}

std::string ZkClient::register_master(const std::string& group, const std::string& data) {
  create_parents(group + "/");
  return create_node(group + "/json.info_", data, ZOO_EPHEMERAL | ZOO_SEQUENCE);
}

std::string ZkClient::create(const std::string& path, const std::string& data, bool sequential) {
  create_parents(path);
  return create_node(path, data, sequential ? ZOO_SEQUENCE : 0);
}

void ZkClient::remove(const std::string& path) {
  check(zoo_delete(handle_, path.c_str(), -1), "delete " + path);
}

void ZkClient::advance_zxid_past(std::int64_t zxid) {
  Stat stat{};
  do {
    const std::string node = create_node("/zxid-filler", {}, ZOO_SEQUENCE);
    check(zoo_exists(handle_, node.c_str(), 0, &stat), "exists " + node);
    remove(node);
  } while (stat.mzxid <= zxid);
}

std::string master_info_json(const std::string& ip, unsigned short port, const std::string& id) {
  in_addr address{};
  if (::inet_pton(AF_INET, ip.c_str(), &address) != 1) {
    throw std::invalid_argument("not an IPv4 address: " + ip);
  }
  const std::string p = std::to_string(port);
  // `ip` is in_addr.s_addr read as a number on this (little-endian) machine, as Mesos does.
  return R"({"address":{"hostname":"master.example","ip":")" + ip + R"(","port":)" + p +
         R"(},"hostname":"master.example","id":")" + id + R"(","ip":)" +
         std::to_string(address.s_addr) + R"(,"pid":"master@)" + ip + ":" + p + R"(","port":)" + p +
         R"(,"version":"1.11.0"})";
}

}  // namespace iof::test
