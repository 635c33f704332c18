// Each request hands the C client a heap context that owns the awaiting coroutine's handler; the
// client's completion thread fills in the reply and posts the handler back to the caller's
// executor, so coroutines only ever resume there.
#include "iof/framework/ha/zk_client.hpp"

#include <cerrno>
#include <cstring>
#include <utility>
#include <zookeeper/zookeeper.h>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

// gcc 12 inlines Asio's recycling frame allocator and then mistakes the sized operator delete of
// awaitable frames for a mismatch (gcc PR 109224): a false positive, as in src/http.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::framework::ha {

namespace asio = boost::asio;

namespace {

ZkStatus status_of(int rc) {
  ZkStatus status{ZkCode::other, zerror(rc)};
  switch (rc) {
    case ZOK:
      status.code = ZkCode::ok;
      break;
    case ZNONODE:
      status.code = ZkCode::no_node;
      break;
    case ZNODEEXISTS:
      status.code = ZkCode::node_exists;
      break;
    case ZBADVERSION:
      status.code = ZkCode::bad_version;
      break;
    case ZNOTEMPTY:
      status.code = ZkCode::not_empty;
      break;
    case ZNOAUTH:
      status.code = ZkCode::no_auth;
      break;
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
      status.code = ZkCode::connection_lost;
      break;
    case ZSESSIONEXPIRED:
    case ZSESSIONMOVED:
      status.code = ZkCode::session_expired;
      break;
    case ZCLOSING:
    case ZINVALIDSTATE:
      status.code = ZkCode::closing;
      break;
    default:
      break;
  }
  return status;
}

// One request in flight: the awaiting coroutine's handler and where to resume it.
template <class Value>
struct Pending {
  using Reply = std::pair<ZkStatus, Value>;
  asio::any_io_executor executor;
  asio::any_completion_handler<void(Reply)> handler;

  // Called once, on the client's thread (or at once when the client refuses the request).
  void finish(int rc, Value value) {
    auto resume = [handler = std::move(handler),
                   reply = Reply{status_of(rc), std::move(value)}]() mutable {
      std::move(handler)(std::move(reply));
    };
    asio::post(executor, std::move(resume));
    delete this;
  }
  static Pending* of(const void* data) { return static_cast<Pending*>(const_cast<void*>(data)); }
};

// Runs `start(pending)`, which passes the context to one zoo_a* call.
template <class Value, class Start>
asio::awaitable<std::pair<ZkStatus, Value>> request(asio::any_io_executor executor, Start start) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::pair<ZkStatus, Value>)>(
      [executor, start = std::move(start)](auto handler) mutable {
        auto* pending = new Pending<Value>{executor, std::move(handler)};
        if (const int rc = start(pending); rc != ZOK) {
          pending->finish(rc, Value{});  // refused: no completion will come
        }
      },
      asio::use_awaitable);
}

void created(int rc, const char* value, const void* data) {
  Pending<std::string>::of(data)->finish(rc, value == nullptr ? std::string() : value);
}

void read(int rc, const char* value, int length, const Stat* stat, const void* data) {
  ZkNode node;
  if (rc == ZOK && value != nullptr && length > 0) {
    node.data.assign(value, static_cast<std::size_t>(length));
  }
  if (rc == ZOK && stat != nullptr) {
    node.version = stat->version;
  }
  Pending<ZkNode>::of(data)->finish(rc, std::move(node));
}

void written(int rc, const Stat* stat, const void* data) {
  Pending<std::int32_t>::of(data)->finish(rc, rc == ZOK && stat != nullptr ? stat->version : 0);
}

void listed(int rc, const String_vector* strings, const void* data) {
  std::vector<std::string> names;
  if (rc == ZOK && strings != nullptr) {
    names.assign(strings->data, strings->data + strings->count);
  }
  Pending<std::vector<std::string>>::of(data)->finish(rc, std::move(names));
}

// A missing node is an answer (false), not a failure: the watch then waits for its creation.
void checked(int rc, const Stat*, const void* data) {
  Pending<bool>::of(data)->finish(rc == ZNONODE ? ZOK : rc, rc == ZOK);
}

void authenticated(int, const void*) {}  // a failure also arrives as ZOO_AUTH_FAILED_STATE

// Every failed connection attempt is logged by the client, dozens a second while a server is
// down; the session state handler reports what matters instead.
void discard_log(const char*) {}

}  // namespace

struct ZkClient::Relay : std::enable_shared_from_this<ZkClient::Relay> {
  asio::any_io_executor executor;
  Handlers handlers;
  bool open = true;  // read and cleared on the executor only

  static void watched(zhandle_t*, int type, int state, const char* path, void* context) {
    auto self = static_cast<Relay*>(context)->shared_from_this();
    if (type == ZOO_SESSION_EVENT) {
      std::optional<ZkSessionState> changed;
      if (state == ZOO_CONNECTED_STATE) {
        changed = ZkSessionState::connected;
      } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
        changed = ZkSessionState::connecting;
      } else if (state == ZOO_EXPIRED_SESSION_STATE) {
        changed = ZkSessionState::expired;
      } else if (state == ZOO_AUTH_FAILED_STATE) {
        changed = ZkSessionState::auth_failed;
      }
      if (changed) {
        asio::post(self->executor, [self, now = *changed] {
          if (self->open && self->handlers.session) {
            self->handlers.session(now);
          }
        });
      }
      return;
    }
    asio::post(self->executor, [self, node = std::string(path == nullptr ? "" : path)] {
      if (self->open && self->handlers.node) {
        self->handlers.node(node);
      }
    });
  }
};

ZkClient::ZkClient(asio::any_io_executor executor, std::shared_ptr<Relay> relay)
    : executor_(std::move(executor)), relay_(std::move(relay)) {}

Result<std::unique_ptr<ZkClient>> ZkClient::open(asio::any_io_executor executor,
                                                 const discovery::ZkUrl& url,
                                                 std::chrono::milliseconds session_timeout,
                                                 Handlers handlers) {
  auto relay = std::make_shared<Relay>();
  relay->executor = executor;
  relay->handlers = std::move(handlers);
  std::unique_ptr<ZkClient> client(new ZkClient(executor, relay));
  errno = 0;
  client->handle_ =
      zookeeper_init2(url.hosts.c_str(), &Relay::watched, static_cast<int>(session_timeout.count()),
                      nullptr, relay.get(), 0, &discard_log);
  if (client->handle_ == nullptr) {
    const int error = errno;
    return Error{"cannot start a ZooKeeper client for " + url.hosts + ": " +
                 (error == 0 ? std::string("unknown error") : std::strerror(error))};
  }
  if (url.credentials) {
    const std::string certificate = url.credentials->user + ":" + url.credentials->password;
    zoo_add_auth(client->handle_, "digest", certificate.data(),
                 static_cast<int>(certificate.size()), &authenticated, nullptr);
    client->restricted_ = true;
  }
  return client;
}

ZkClient::~ZkClient() {
  if (handle_ != nullptr) {
    zookeeper_close(handle_);  // pending requests complete with ZCLOSING before it returns
  }
  relay_->open = false;
}

std::chrono::milliseconds ZkClient::negotiated_timeout() const {
  return std::chrono::milliseconds(zoo_recv_timeout(handle_));
}

asio::awaitable<std::pair<ZkStatus, std::string>> ZkClient::create(std::string path,
                                                                   std::string data,
                                                                   CreateMode mode) {
  const int flags = mode == CreateMode::ephemeral_sequential ? (ZOO_EPHEMERAL | ZOO_SEQUENCE) : 0;
  auto* acl = restricted_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE;
  co_return co_await request<std::string>(executor_, [&](Pending<std::string>* pending) {
    return zoo_acreate(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), acl,
                       flags, &created, pending);
  });
}

asio::awaitable<ZkStatus> ZkClient::create_path(std::string path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    const auto [status, ignored] = co_await create(prefix, {}, CreateMode::persistent);
    if (!status.ok() && status.code != ZkCode::node_exists) {
      co_return status;
    }
    if (slash == std::string::npos) {
      co_return ZkStatus{ZkCode::ok, "ok"};
    }
  }
}

asio::awaitable<std::pair<ZkStatus, ZkNode>> ZkClient::get(std::string path) {
  co_return co_await request<ZkNode>(executor_, [&](Pending<ZkNode>* pending) {
    return zoo_aget(handle_, path.c_str(), 0, &read, pending);
  });
}

asio::awaitable<std::pair<ZkStatus, std::int32_t>> ZkClient::set(std::string path, std::string data,
                                                                 std::int32_t version) {
  co_return co_await request<std::int32_t>(executor_, [&](Pending<std::int32_t>* pending) {
    return zoo_aset(handle_, path.c_str(), data.data(), static_cast<int>(data.size()), version,
                    &written, pending);
  });
}

asio::awaitable<std::pair<ZkStatus, std::vector<std::string>>> ZkClient::children_watched(
    std::string path) {
  co_return co_await request<std::vector<std::string>>(
      executor_, [&](Pending<std::vector<std::string>>* pending) {
        return zoo_aget_children(handle_, path.c_str(), 1, &listed, pending);
      });
}

asio::awaitable<std::pair<ZkStatus, bool>> ZkClient::exists_watched(std::string path) {
  co_return co_await request<bool>(executor_, [&](Pending<bool>* pending) {
    return zoo_aexists(handle_, path.c_str(), 1, &checked, pending);
  });
}

}  // namespace iof::framework::ha
