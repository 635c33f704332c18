// The master's per-framework metrics, named as the master names them:
// master/frameworks/<percent-encoded name>/<framework id>/calls and .../calls/<call type>, one
// counter for every call type, zero or not, for as long as the framework is known.
#include <cctype>
#include <cstdio>
#include <string>

#include "state.hpp"

namespace iof::sim {

namespace {

// libprocess's http::encode: reserved and unsafe characters, controls and non-ASCII bytes become
// %XX; everything else, '(' and ')' included, stays as it is.
std::string percent_encoded(const std::string& text) {
  static const std::string encoded = "$&+,/:;=?@ \"<>#%{}|\\^~[]`";
  std::string out;
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (c < 0x20 || c > 0x7F || encoded.find(byte) != std::string::npos) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned>(c));
      out += hex;
    } else {
      out += byte;
    }
  }
  return out;
}

std::string lower(std::string text) {
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

void Cluster::State::add_framework_metrics(std::map<std::string, double>& metrics) const {
  using v1::scheduler::Call;
  const auto* types = Call::Type_descriptor();
  for (const auto& [id, framework] : frameworks) {
    const std::string prefix =
        "master/frameworks/" + percent_encoded(framework.info.name()) + "/" + id + "/";
    double all = 0;
    for (int i = 0; i < types->value_count(); ++i) {
      const auto type = static_cast<Call::Type>(types->value(i)->number());
      if (type == Call::UNKNOWN) {
        continue;
      }
      const auto found = framework.calls.find(type);
      const double count = found == framework.calls.end() ? 0 : static_cast<double>(found->second);
      metrics[prefix + "calls/" + lower(types->value(i)->name())] = count;
      all += count;
    }
    metrics[prefix + "calls"] = all;
  }
}

}  // namespace iof::sim
