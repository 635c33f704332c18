// Operator conventions on the command line: where the Mesos UI reaches this instance
// (--advertise_address, FrameworkInfo's webui_url and hostname) and --log_format.
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "iof/framework/advertise.hpp"
#include "iof/framework/flags.hpp"
#include "iof/framework/session.hpp"

#include "flag_test_support.hpp"

namespace {

using iof::test::flags::Env;
using iof::test::flags::parse;

using iof::framework::Flags;
using iof::framework::FlagsOutcome;
using iof::framework::LogFormat;

Flags with_http(const std::string& http, std::optional<std::string> advertise = std::nullopt) {
  Flags flags;
  flags.http_address = http;
  flags.advertise_address = std::move(advertise);
  return flags;
}

}  // namespace

TEST_CASE("--advertise_address and --log_format, from flags or MESOS_EXAMPLE_ variables") {
  const auto defaults = parse({});
  REQUIRE(defaults.flags);
  CHECK_FALSE(defaults.flags->advertise_address);
  CHECK(defaults.flags->log_format == LogFormat::text);

  const auto given = parse({"--advertise_address=fw1.example.com:8443", "--log_format=json"});
  REQUIRE(given.flags);
  CHECK(given.flags->advertise_address == "fw1.example.com:8443");
  CHECK(given.flags->log_format == LogFormat::json);

  Env address("MESOS_EXAMPLE_ADVERTISE_ADDRESS", "10.1.2.3:9000");
  Env format("MESOS_EXAMPLE_LOG_FORMAT", "json");
  const auto from_environment = parse({});
  REQUIRE(from_environment.flags);
  CHECK(from_environment.flags->advertise_address == "10.1.2.3:9000");
  CHECK(from_environment.flags->log_format == LogFormat::json);
  const auto command_line_wins = parse({"--log_format=text"});
  REQUIRE(command_line_wins.flags);
  CHECK(command_line_wins.flags->log_format == LogFormat::text);
}

TEST_CASE("a bad --log_format or --advertise_address exits 1 with one line naming it") {
  struct Case {
    std::string arg;
    std::string says;
  };
  for (const auto& [arg, says] : std::vector<Case>{
           {"--log_format=xml", "Invalid value 'xml' for --log_format: expected text or json"},
           {"--log_format=JSON", "Invalid value 'JSON' for --log_format"},
           {"--advertise_address=fw.example", "Invalid value 'fw.example' for --advertise_address"},
           {"--advertise_address=fw.example:0", "for --advertise_address"},
           {"--advertise_address=0.0.0.0:8090", "not a wildcard"},
           {"--advertise_address=:::8090", "not a wildcard"},
       }) {
    CAPTURE(arg);
    const auto outcome = parse({arg});
    CHECK_FALSE(outcome.flags);
    CHECK(outcome.exit_code == 1);
    CHECK(outcome.output.starts_with("inverse-offer-framework: "));
    CHECK(outcome.output.find(says) < outcome.output.find('\n'));
  }
}

TEST_CASE("the advertised address: as given, else where the HTTP server is bound") {
  using iof::framework::advertised_address;
  CHECK(advertised_address(with_http("0.0.0.0:8090", "fw.example:80"), "box", 8090) ==
        "fw.example:80");
  CHECK(advertised_address(with_http("10.0.0.5:8090"), "box", 8090) == "10.0.0.5:8090");
  // Port 0 asks the system for one: the one it gave is what others connect to.
  CHECK(advertised_address(with_http("127.0.0.1:0"), "box", 41234) == "127.0.0.1:41234");
  // A wildcard accepts on every interface but is no address to connect to.
  CHECK(advertised_address(with_http("0.0.0.0:8090"), "box", 8090) == "box:8090");
  CHECK(advertised_address(with_http(":::8090"), "box", 8090) == "box:8090");

  CHECK(iof::framework::web_url("fw.example:8090") == "http://fw.example:8090");
  CHECK(iof::framework::web_url("::1:8090") == "http://[::1]:8090");
}

TEST_CASE("FrameworkInfo carries webui_url and hostname, so the Mesos UI links to the framework") {
  const std::vector<iof::framework::Endpoint> masters{{false, "10.0.0.1", "5050"}};
  const auto with_advertise = iof::framework::session_options(
      with_http("0.0.0.0:8090", "fw1.example.com:8443"), masters, "root", 1);
  CHECK(with_advertise.framework.webui_url() == "http://fw1.example.com:8443");
  CHECK(with_advertise.framework.hostname() == "fw1.example.com");

  // Without a resolved address (the simulator), --http_address stands in.
  const auto plain =
      iof::framework::session_options(with_http("127.0.0.1:8090"), masters, "root", 1);
  CHECK(plain.framework.webui_url() == "http://127.0.0.1:8090");
  CHECK(plain.framework.hostname() == "127.0.0.1");

  // And the SUBSCRIBE sends them.
  iof::framework::Session session(
      with_advertise, iof::framework::SchedulerState(iof::framework::Policy::evacuate, 1, "*",
                                                     iof::framework::TaskSpec{}));
  bool subscribed = false;
  for (const auto& action : session.start(iof::framework::Time{0})) {
    if (const auto* open = std::get_if<iof::framework::session::OpenStream>(&action)) {
      const auto& info = open->subscribe.subscribe().framework_info();
      CHECK(info.webui_url() == "http://fw1.example.com:8443");
      CHECK(info.hostname() == "fw1.example.com");
      subscribed = true;
    }
  }
  CHECK(subscribed);
}
