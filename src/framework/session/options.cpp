#include "iof/framework/advertise.hpp"
#include "iof/framework/session.hpp"

namespace iof::framework {

namespace {

constexpr const char* framework_name = "Inverse Offer Framework (C++)";

}  // namespace

SessionOptions session_options(const Flags& flags, std::vector<Endpoint> masters,
                               const std::string& user, std::uint64_t backoff_seed) {
  SessionOptions options;
  auto& info = options.framework;
  info.set_user(user);
  info.set_name(framework_name);
  info.set_checkpoint(flags.checkpoint);
  info.set_role(flags.role);
  info.set_failover_timeout(static_cast<double>(flags.failover_timeout.count()));
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  if (rules_of(flags.policy).wants_killing_state) {
    info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  }
  // The Mesos UI links a framework's name to its webui_url. main() resolves the address before
  // the runtime starts; --http_address stands in for callers that do not (the simulator).
  const std::string advertised = flags.advertise_address.value_or(flags.http_address);
  info.set_webui_url(web_url(advertised));
  info.set_hostname(std::string(host_of(advertised)));
  if (flags.authenticate) {
    info.set_principal(flags.principal);
  }
  options.content_type = flags.content_type;
  options.masters = std::move(masters);
  options.backoff_base = std::chrono::seconds(1);
  options.backoff_cap = flags.max_backoff;
  options.backoff_seed = backoff_seed;
  options.heartbeat_misses = flags.heartbeat_misses;
  options.call_window = flags.call_window;
  options.persist = flags.state_file.has_value();
  options.teardown_on_exit = flags.teardown_on_exit;
  return options;
}

}  // namespace iof::framework
