#include "iof/discovery/zk_url.hpp"

#include "iof/config/address.hpp"

namespace iof::discovery {
namespace {

constexpr std::string_view scheme = "zk://";

Error invalid(const std::string& why) {
  return Error{"Invalid ZooKeeper URL: " + why};
}

}  // namespace

std::optional<std::string> zk_path_problem(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return "the path '" + std::string(path) + "' is not absolute";
  }
  if (path == "/") {
    return "the root '/' is not supported: name the znode the masters register under, such as "
           "/mesos";
  }
  for (const auto component : config::split(path.substr(1), '/')) {
    if (component.empty() || component == "." || component == "..") {
      return "the path '" + std::string(path) + "' has an empty, '.' or '..' component";
    }
    for (const char c : component) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return "the path has a control character";
      }
    }
  }
  return std::nullopt;
}

Result<ZkUrl> parse_zk_url(std::string_view text) {
  if (!text.starts_with(scheme)) {
    return invalid("it must start with zk://");
  }
  text.remove_prefix(scheme.size());
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalid("a path must follow the servers, as in zk://host:2181/mesos");
  }
  std::string_view servers = text.substr(0, slash);
  std::string path(text.substr(slash));
  // Mesos accepts one trailing '/' ("zk://host:2181/mesos/") and drops it.
  if (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }

  ZkUrl url;
  if (const auto at = servers.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = servers.substr(0, at);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return invalid("credentials must be user:password (ZooKeeper's digest scheme)");
    }
    url.credentials = DigestCredentials{std::string(credentials.substr(0, colon)),
                                        std::string(credentials.substr(colon + 1))};
    servers.remove_prefix(at + 1);
  }
  if (servers.empty()) {
    return invalid("no servers before the path");
  }
  for (const auto server : config::split(servers, ',')) {
    if (!config::is_host_port(server)) {
      return invalid("'" + std::string(server) + "' is not host:port");
    }
  }
  if (auto problem = zk_path_problem(path)) {
    return invalid(*problem);
  }
  url.hosts = std::string(servers);
  url.path = std::move(path);
  return url;
}

std::string redacted(const ZkUrl& url) {
  std::string text(scheme);
  if (url.credentials) {
    text += url.credentials->user + ":***@";
  }
  return text + url.hosts + url.path;
}

}  // namespace iof::discovery
