// --ha_zk: the election and the state in ZooKeeper.
#include <chrono>

#include "iof/discovery/zk_url.hpp"
#include "iof/wire/duration.hpp"

#include "flag_groups.hpp"

namespace iof::framework::flag_groups {

void declare_high_availability(FlagRegistry& registry, HighAvailabilityText& text) {
  registry.option("ha_zk", text.zk,
                  "High availability: zk://[user:password@]host:port[,host:port...]/path where "
                  "several instances elect one leader and keep the state (excludes --state_file "
                  "and --master=local)");
  registry.option("ha_zk_session_timeout", text.session_timeout,
                  "--ha_zk: the ZooKeeper session timeout, how long a dead leader holds on "
                  "(Mesos duration; the server clamps it to its own bounds)");
}

std::optional<std::string> resolve_high_availability(const HighAvailabilityText& text,
                                                     const FlagRegistry& registry, Flags& flags) {
  const auto timeout = wire::text::parse_duration(text.session_timeout);
  if (!timeout || *timeout < std::chrono::seconds(1) || *timeout > std::chrono::minutes(10)) {
    return "Invalid value '" + text.session_timeout + "' for --ha_zk_session_timeout: " +
           (timeout ? std::string("must be between 1secs and 10mins") : timeout.error().message);
  }
  flags.ha_session_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout);
  if (text.zk.empty()) {
    if (registry.given("ha_zk_session_timeout")) {
      return std::string("--ha_zk_session_timeout needs --ha_zk");
    }
    return std::nullopt;
  }
  if (auto url = discovery::parse_zk_url(text.zk); !url) {
    return "Invalid value for --ha_zk: " + url.error().message;
  }
  if (flags.master == "local") {
    return std::string("--ha_zk needs a shared master: --master=local starts one per instance");
  }
  if (flags.state_file) {
    return std::string("--ha_zk keeps the state in ZooKeeper: it excludes --state_file");
  }
  if (flags.teardown_on_exit) {
    return std::string(
        "--ha_zk excludes --teardown_on_exit: stopping one instance would kill every task "
        "while a standby is there to take over");
  }
  flags.ha_zk = text.zk;
  return std::nullopt;
}

}  // namespace iof::framework::flag_groups
