// https:// masters: the framework verifies the master's certificate against --tls_ca_file, runs
// its tasks over TLS, and says clearly why it cannot subscribe when the CA is wrong.
#include "framework_fixture.hpp"
#include "test_ca.hpp"

using namespace iof::test::framework;
using iof::test::TestCa;

namespace {

std::string https_flag(const SimProcess& sim) {
  return "--master=https://127.0.0.1:" + std::to_string(sim.port());
}

}  // namespace

TEST_CASE("an https master: verified against --tls_ca_file, tasks run over TLS") {
  if (skipped_on_real_mesos("the prebuilt Mesos has no TLS (libprocess built without SSL)")) {
    return;
  }
  TestCa ca;
  const auto certificate = ca.issue({"localhost"}, {"127.0.0.1"});
  SimProcess sim({"--agents=3", "--allocation_interval=100ms",
                  "--tls_cert_file=" + certificate.certificate_file,
                  "--tls_key_file=" + certificate.key_file});
  REQUIRE(sim.banner().find("https://127.0.0.1:") != std::string::npos);
  Framework framework({https_flag(sim), "--num_tasks=2", "--tls_ca_file=" + ca.ca_file()});
  // Running tasks need the whole loop over TLS: the stream, ACCEPT, and the acknowledgements.
  REQUIRE(eventually([&] { return framework.metric("current_sleepers") == 2; }));
  CHECK(framework.metric("subscribed") == 1);
  CHECK(framework.metric("tasks_launched") == 2);
  CHECK(framework.metric("offers_suppressed") == 1);
  CHECK(framework.process().stop() == 0);
}

TEST_CASE("an https master with the wrong CA: a clear error and no subscription") {
  if (skipped_on_real_mesos("the prebuilt Mesos has no TLS (libprocess built without SSL)")) {
    return;
  }
  TestCa ca;
  TestCa other("some other CA");
  const auto certificate = ca.issue({"localhost"}, {"127.0.0.1"});
  SimProcess sim({"--agents=2", "--allocation_interval=100ms",
                  "--tls_cert_file=" + certificate.certificate_file,
                  "--tls_key_file=" + certificate.key_file});
  {
    Framework framework({https_flag(sim), "--tls_ca_file=" + other.ca_file()});
    // Waited for as it is logged, not after a fixed sleep a loaded machine may outlast.
    const std::string refused = "TLS handshake with 127.0.0.1:" + std::to_string(sim.port()) +
                                " failed: certificate verify failed";
    CHECK(eventually(
        [&] { return framework.process().stderr_text().find(refused) != std::string::npos; }));
    CHECK(framework.metric("subscribed") == 0);
    CHECK(framework.metric("subscriptions") == 0);
    CHECK(framework.process().stop() == 0);
  }
  // Only when asked does it skip the check.
  Framework unchecked({https_flag(sim), "--tls_ca_file=" + other.ca_file(), "--tls_verify=false"});
  CHECK(eventually([&] { return unchecked.metric("current_sleepers") == 1; }));
}

TEST_CASE("an https master named by a host its certificate does not name is refused") {
  if (skipped_on_real_mesos("the prebuilt Mesos has no TLS (libprocess built without SSL)")) {
    return;
  }
  TestCa ca;
  const auto certificate = ca.issue({"master.example.com"}, {});
  SimProcess sim({"--tls_cert_file=" + certificate.certificate_file,
                  "--tls_key_file=" + certificate.key_file});
  Framework framework({https_flag(sim), "--tls_ca_file=" + ca.ca_file()});
  CHECK(eventually([&] {
    return framework.process().stderr_text().find("IP address mismatch") != std::string::npos;
  }));
  CHECK(framework.metric("subscriptions") == 0);
  CHECK(framework.process().stop() == 0);
}
