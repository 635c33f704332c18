#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

// A plain ZooKeeper session with which a test plays the Mesos masters: it creates the znodes a
// master's contender creates, and deletes them.
struct _zhandle;

namespace iof::test {

struct Digest {
  std::string user;
  std::string password;
};

class ZkClient {
 public:
  // Connects within 10 s or throws. With `digest` the session authenticates with ZooKeeper's
  // digest scheme, and every znode it creates can be read by that user only.
  explicit ZkClient(const std::string& hosts, std::optional<Digest> digest = std::nullopt);
  // Closes the session: its ephemeral znodes vanish, as when a master dies.
  ~ZkClient();
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  // Creates `group` and its parents if missing, then an ephemeral sequential
  // "<group>/json.info_" znode holding `data`, as a Mesos master does. Returns its full path.
  std::string register_master(const std::string& group, const std::string& data);
  // Creates a persistent znode, and its parents if missing. Returns its full path; with
  // `sequential` ZooKeeper appends the sequence number.
  std::string create(const std::string& path, const std::string& data = {},
                     bool sequential = false);
  void remove(const std::string& path);
  // Writes until the server's transaction id is past `zxid`.
  void advance_zxid_past(std::int64_t zxid);

 private:
  std::string create_node(const std::string& path, const std::string& data, int flags);
  void create_parents(const std::string& path);

  struct Signal;
  std::unique_ptr<Signal> signal_;  // outlives the handle: zookeeper_close joins its threads
  ::_zhandle* handle_ = nullptr;
  bool restricted_ = false;
};

// MasterInfo JSON as a Mesos 1.x master writes it (JSON::protobuf): the address three ways.
std::string master_info_json(const std::string& ip, unsigned short port,
                             const std::string& id = "master-id");

}  // namespace iof::test
