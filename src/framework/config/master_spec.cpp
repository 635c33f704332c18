#include "iof/framework/master_spec.hpp"

#include <utility>

#include <boost/url/parse.hpp>

#include "iof/config/address.hpp"
#include "iof/config/flag_value.hpp"
#include "iof/discovery/zk_url.hpp"
#include "iof/framework/flags.hpp"
#include "iof/wire/stout.hpp"

namespace iof::framework {

namespace {

Result<Endpoint> parse_url(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || url->host().empty() || (url->has_port() && !config::is_port(url->port()))) {
    return Error{"'" + std::string(text) + "' is not a valid http(s) URL"};
  }
  const bool tls = url->scheme() == "https";
  if (!tls && url->scheme() != "http") {
    return Error{"'" + std::string(text) + "' is not an http or https URL"};
  }
  std::string host(url->host_address());
  if (host.size() > 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  return Endpoint{tls, host, url->has_port() ? std::string(url->port()) : std::string("5050")};
}

Result<Endpoint> parse_host_port(std::string_view text) {
  if (text.starts_with("master@")) {
    text.remove_prefix(7);
  }
  if (text.find('/') != std::string_view::npos) {
    return Error{"'" + std::string(text) + "' is neither host:port nor an http(s) URL"};
  }
  if (!config::is_host_port(text)) {
    return Error{"'" + std::string(text) + "' is not host:port"};
  }
  const auto colon = text.rfind(':');
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return Endpoint{false, host, std::string(text.substr(colon + 1))};
}

}  // namespace

std::string Endpoint::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + port;
}

Result<MasterSpec> parse_master(std::string_view master) {
  master = wire::text::trim(master);
  if (master.starts_with("zk://")) {
    return MasterSpec{{}, std::string(master)};
  }
  MasterSpec spec;
  for (auto entry : config::split(master, ',')) {
    entry = wire::text::trim(entry);
    auto endpoint = entry.starts_with("http://") || entry.starts_with("https://")
                        ? parse_url(entry)
                        : parse_host_port(entry);
    if (!endpoint) {
      return Error{"Invalid --master '" + std::string(master) + "': " + endpoint.error().message};
    }
    spec.candidates.push_back(std::move(*endpoint));
  }
  return spec;
}

Result<std::string> read_master_file(std::string_view master) {
  if (!master.starts_with("file://")) {
    return {boost::system::in_place_value, std::string(master)};
  }
  auto contents = config::read_flag_value(master);
  if (!contents) {
    return Error{"Invalid --master: " + contents.error().message};
  }
  std::string_view rest = *contents;
  std::string_view line;
  while (!rest.empty() && line.empty()) {
    const auto newline = rest.find('\n');
    line = wire::text::trim(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  const std::string path(master.substr(7));
  if (line.empty()) {
    return Error{"Invalid --master: '" + path + "' names no master"};
  }
  if (line.starts_with("file://") || line == "local") {
    return Error{"Invalid --master: '" + path + "' must name a master, not '" + std::string(line) +
                 "'"};
  }
  return {boost::system::in_place_value, std::string(line)};
}

Result<Endpoint> redirect_target(std::string_view location, const Endpoint& from) {
  if (location.starts_with("//")) {
    auto endpoint = parse_url(std::string(from.tls ? "https:" : "http:") + std::string(location));
    if (endpoint) {
      return endpoint;
    }
  } else if (location.starts_with("http://") || location.starts_with("https://")) {
    auto endpoint = parse_url(location);
    if (endpoint) {
      return endpoint;
    }
  }
  return Error{"The master at " + from.url() + " redirected to '" + std::string(location) +
               "', which is not a master address"};
}

MasterCandidates::MasterCandidates(std::vector<Endpoint> candidates)
    : candidates_(std::move(candidates)) {}

const Endpoint* MasterCandidates::current() const {
  if (redirect_) {
    return &*redirect_;
  }
  return candidates_.empty() ? nullptr : &candidates_[index_];
}

bool MasterCandidates::redirected(Endpoint to) {
  if (++redirects_ > max_redirects) {
    failed();
    return false;
  }
  redirect_ = std::move(to);
  return true;
}

bool MasterCandidates::failed() {
  const bool was_redirect = redirect_.has_value();
  redirect_.reset();
  redirects_ = 0;
  if (std::exchange(just_subscribed_, false)) {
    // The master we were subscribed to went away: that is no reason to wait before asking the
    // others (from the one that sent us there, if it was a redirect).
    if (!was_redirect && !candidates_.empty()) {
      index_ = (index_ + 1) % candidates_.size();
    }
    return false;
  }
  if (!candidates_.empty()) {
    index_ = (index_ + 1) % candidates_.size();
  }
  if (++failures_ >= std::max<std::size_t>(candidates_.size(), 1)) {
    failures_ = 0;
    return true;
  }
  return false;
}

void MasterCandidates::subscribed() {
  just_subscribed_ = true;
  failures_ = 0;
  redirects_ = 0;
}

void MasterCandidates::set_leader(std::optional<Endpoint> leader) {
  redirect_.reset();
  redirects_ = 0;
  failures_ = 0;
  just_subscribed_ = false;
  index_ = 0;
  candidates_.clear();
  if (leader) {
    candidates_.push_back(std::move(*leader));
  }
}

// --master as the flag parser and main() check it: every form the framework accepts.
std::optional<std::string> master_problem(const std::string& master) {
  const std::string forms =
      "expected 'local', host:port[,host:port...], http(s)://host:port, "
      "zk://host:port[,host:port...]/path or file:///path";
  const auto bad = [&](const std::string& why) {
    return "Invalid --master '" + master + "': " + why + "; " + forms;
  };
  if (master == "local") {
    return std::nullopt;
  }
  if (master.starts_with("zk://")) {
    if (auto url = discovery::parse_zk_url(master); !url) {
      return "Invalid --master: " + url.error().message + "; " + forms;
    }
    return std::nullopt;
  }
  if (master.starts_with("file://")) {
    if (master.size() <= 7 || master[7] != '/') {
      return bad("a file URL needs an absolute path");
    }
    return std::nullopt;
  }
  if (auto spec = parse_master(master); !spec) {
    return spec.error().message + "; " + forms;
  }
  return std::nullopt;
}

}  // namespace iof::framework
