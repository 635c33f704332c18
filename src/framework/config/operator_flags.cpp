// Operator conventions: where the Mesos UI reaches this instance (--advertise_address) and the
// form of the log (--log_format).
#include "iof/config/address.hpp"
#include "iof/framework/advertise.hpp"

#include "flag_groups.hpp"

namespace iof::framework::flag_groups {

void declare_operator(FlagRegistry& registry, OperatorText& text) {
  registry.option("advertise_address", text.advertise_address,
                  "HOST:PORT where others (the Mesos UI, other instances) reach this instance's "
                  "HTTP server; FrameworkInfo's webui_url and hostname name it (default: "
                  "--http_address, with this machine's hostname for a 0.0.0.0 or :: host)");
  registry.option("log_format", text.log_format,
                  "text, or json: one JSON object a line on stderr (time, level, message, and "
                  "task, agent and framework where they apply)");
}

std::optional<std::string> resolve_operator(const OperatorText& text, Flags& flags) {
  if (!text.advertise_address.empty()) {
    if (!config::is_host_port(text.advertise_address) ||
        is_wildcard_host(host_of(text.advertise_address))) {
      return std::string("Invalid value '" + text.advertise_address +
                         "' for --advertise_address: expected HOST:PORT that others can reach "
                         "(not a wildcard such as 0.0.0.0, not port 0)");
    }
    flags.advertise_address = text.advertise_address;
  }
  if (text.log_format == "text") {
    flags.log_format = LogFormat::text;
  } else if (text.log_format == "json") {
    flags.log_format = LogFormat::json;
  } else {
    return std::string("Invalid value '" + text.log_format +
                       "' for --log_format: expected text or json");
  }
  return std::nullopt;
}

}  // namespace iof::framework::flag_groups
