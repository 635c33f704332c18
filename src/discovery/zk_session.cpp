#include "zk_session.hpp"

#include <cerrno>
#include <cstring>
#include <zookeeper/zookeeper.h>

namespace iof::discovery::detail {
namespace {

Outcome outcome_of(int rc) {
  Outcome outcome{Status::other, zerror(rc)};
  if (rc == ZOK) {
    outcome.status = Status::ok;
  } else if (rc == ZNONODE) {
    outcome.status = Status::no_node;
  } else if (rc == ZNOAUTH) {
    outcome.status = Status::no_auth;
  } else if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZCLOSING ||
             rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE || rc == ZSESSIONMOVED) {
    outcome.status = Status::lost;
  }
  return outcome;
}

std::optional<Outcome> refusal(int rc) {
  if (rc == ZOK) {
    return std::nullopt;
  }
  return outcome_of(rc);
}

SessionState state_of(int state) {
  if (state == ZOO_CONNECTED_STATE) {
    return SessionState::connected;
  }
  if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
    return SessionState::connecting;
  }
  if (state == ZOO_EXPIRED_SESSION_STATE) {
    return SessionState::expired;
  }
  if (state == ZOO_AUTH_FAILED_STATE) {
    return SessionState::auth_failed;
  }
  return SessionState::other;
}

// A data reply does not say which node it is for.
struct ReadContext {
  ZkSession* session;
  std::string node;
};

}  // namespace

// The C client's callbacks. They run on its completion thread (or in zookeeper_close) and get
// the session back through the context pointer, which stays valid until zookeeper_close returns.
struct ZkSession::Callbacks {
  static void watched(zhandle_t*, int type, int state, const char* path, void* context) {
    auto* session = static_cast<ZkSession*>(context);
    if (type == ZOO_SESSION_EVENT) {
      session->sink_(StateChanged{state_of(state)});
    } else if (type == ZOO_CHILD_EVENT || type == ZOO_CREATED_EVENT || type == ZOO_DELETED_EVENT ||
               type == ZOO_CHANGED_EVENT) {
      session->sink_(NodeChanged{path == nullptr ? std::string() : std::string(path)});
    }
  }

  static void listed(int rc, const String_vector* strings, const void* data) {
    auto* session = static_cast<ZkSession*>(const_cast<void*>(data));
    ChildrenListed event{outcome_of(rc), {}};
    if (rc == ZOK && strings != nullptr) {
      event.children.assign(strings->data, strings->data + strings->count);
    }
    session->sink_(std::move(event));
  }

  static void read(int rc, const char* value, int length, const Stat*, const void* data) {
    std::unique_ptr<ReadContext> context(static_cast<ReadContext*>(const_cast<void*>(data)));
    NodeRead event{outcome_of(rc), std::move(context->node), {}};
    if (rc == ZOK && value != nullptr && length > 0) {
      event.data.assign(value, static_cast<std::size_t>(length));
    }
    context->session->sink_(std::move(event));
  }

  static void checked(int rc, const Stat*, const void* data) {
    static_cast<ZkSession*>(const_cast<void*>(data))->sink_(ExistenceChecked{outcome_of(rc)});
  }

  // An authentication failure also arrives as ZOO_AUTH_FAILED_STATE; that is where it is handled.
  static void authenticated(int, const void*) {}

  // The client logs every failed connection attempt (dozens a second while a server is down);
  // the watcher reports the state that matters instead.
  static void discard_log(const char*) {}
};

ZkSession::ZkSession(Sink sink) : sink_(std::move(sink)) {}

Result<std::unique_ptr<ZkSession>> ZkSession::open(const std::string& hosts,
                                                   std::chrono::milliseconds timeout, Sink sink) {
  std::unique_ptr<ZkSession> session(new ZkSession(std::move(sink)));
  errno = 0;
  session->handle_ =
      zookeeper_init2(hosts.c_str(), &Callbacks::watched, static_cast<int>(timeout.count()),
                      nullptr, session.get(), 0, &Callbacks::discard_log);
  if (session->handle_ == nullptr) {
    const int error = errno;
    return Error{"cannot start a ZooKeeper client for " + hosts + ": " +
                 (error == 0 ? std::string("unknown error") : std::strerror(error))};
  }
  return session;
}

ZkSession::~ZkSession() {
  if (handle_ != nullptr) {
    zookeeper_close(handle_);
  }
}

std::optional<Outcome> ZkSession::add_digest_auth(const DigestCredentials& credentials) {
  const std::string certificate = credentials.user + ":" + credentials.password;
  return refusal(zoo_add_auth(handle_, "digest", certificate.data(),
                              static_cast<int>(certificate.size()), &Callbacks::authenticated,
                              this));
}

std::optional<Outcome> ZkSession::list_children(const std::string& path) {
  return refusal(zoo_aget_children(handle_, path.c_str(), 1, &Callbacks::listed, this));
}

std::optional<Outcome> ZkSession::read(const std::string& path, const std::string& node) {
  auto context = std::make_unique<ReadContext>(ReadContext{this, node});
  const std::string full = path + "/" + node;
  const int rc = zoo_aget(handle_, full.c_str(), 0, &Callbacks::read, context.get());
  if (rc == ZOK) {
    context.release();  // the completion owns it now
  }
  return refusal(rc);
}

std::optional<Outcome> ZkSession::watch_existence(const std::string& path) {
  return refusal(zoo_aexists(handle_, path.c_str(), 1, &Callbacks::checked, this));
}

}  // namespace iof::discovery::detail
