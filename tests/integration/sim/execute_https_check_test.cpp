// mesos-sim --execute probes https health checks over TLS, as the agent's checker (curl -k) does:
// a service that speaks HTTPS with a certificate nobody trusts passes, and an https check
// against a server that speaks plain HTTP fails until the kill.
#include <doctest/doctest.h>

#include "execute_fixture.hpp"
#include "test_ca.hpp"

using namespace iof::test::execute;  // NOLINT(google-build-using-namespace): the tests' fixture

namespace {

// With `grace`, failures in the first seconds, before the service listens, are not counted.
v1::HealthCheck https_check(std::uint32_t port, double grace) {
  v1::HealthCheck check;
  check.set_grace_period_seconds(grace);
  check.set_type(v1::HealthCheck::HTTP);
  check.set_delay_seconds(0.2);
  check.set_interval_seconds(0.3);
  check.set_timeout_seconds(2);
  check.set_consecutive_failures(2);
  check.mutable_http()->set_port(port);
  check.mutable_http()->set_scheme("https");
  return check;
}

}  // namespace

TEST_CASE("execute: an https check passes against the task's TLS service, unverified") {
  iof::test::TestCa ca;
  const auto certificate = ca.issue({"localhost"}, {"127.0.0.1"});
  Cluster cluster;
  // The task serves its sandbox over HTTPS on PORT0 (31000).
  cluster.launch("tls-web",
                 "exec python3 -c \"import http.server, ssl\n"
                 "server = http.server.HTTPServer(('127.0.0.1', 31000), "
                 "http.server.SimpleHTTPRequestHandler)\n"
                 "context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
                 "context.load_cert_chain('" +
                     certificate.certificate_file + "', '" + certificate.key_file +
                     "')\n"
                     "server.socket = context.wrap_socket(server.socket, server_side=True)\n"
                     "server.serve_forever()\"",
                 {}, https_check(31000, 10));
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  const v1::TaskStatus status = cluster.next();
  REQUIRE(status.has_healthy());
  CHECK(status.healthy());
  cluster.kill("tls-web");
}

TEST_CASE("execute: an https check against a plain HTTP service fails until the kill") {
  Cluster cluster;
  // Not 31000: ctest runs the TLS case beside this one, and its server there would answer.
  cluster.launch("plain-web", "exec python3 -m http.server --bind 127.0.0.1 31007 >/dev/null 2>&1",
                 {}, https_check(31007, 0));
  CHECK(cluster.next().state() == v1::TASK_STARTING);
  CHECK(cluster.next().state() == v1::TASK_RUNNING);
  std::vector<v1::TaskStatus> updates;
  while (updates.empty() || updates.back().state() == v1::TASK_RUNNING ||
         updates.back().state() == v1::TASK_KILLING) {
    updates.push_back(cluster.next());
  }
  CHECK(updates.back().state() == v1::TASK_KILLED);
  for (const auto& update : updates) {
    CHECK_FALSE((update.has_healthy() && update.healthy()));
  }
}
