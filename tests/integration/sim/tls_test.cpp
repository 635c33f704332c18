// mesos-sim serving HTTPS with --tls_cert_file and --tls_key_file, checked with curl: a client
// that shares no code with ours, as a user would poke at the sim.
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "child_process.hpp"
#include "http_client.hpp"
#include "sim_process.hpp"
#include "test_ca.hpp"

#ifndef IOF_CURL_BINARY
#error "IOF_CURL_BINARY must name the curl executable"
#endif

using iof::test::ChildProcess;
using iof::test::run_sim;
using iof::test::SimProcess;
using iof::test::TestCa;
using namespace std::chrono_literals;

namespace {

struct Curl {
  int status = 0;
  std::string output;
};

// curl's exit status and output (body, then --write-out, then its error text).
Curl curl(const std::vector<std::string>& args) {
  ChildProcess process(IOF_CURL_BINARY, args);
  int status = process.wait(10s);
  if (status < 0) {
    status = process.stop();
  }
  return {status, process.rest_of_stdout() + process.stderr_text()};
}

// Sets an environment variable for one scope; the sim started in it inherits it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("with --tls_cert_file and --tls_key_file mesos-sim serves HTTPS only") {
  TestCa ca;
  const auto certificate = ca.issue({"localhost"}, {"127.0.0.1"});
  SimProcess sim({"--tls_cert_file=" + certificate.certificate_file,
                  "--tls_key_file=" + certificate.key_file});
  const std::string port = std::to_string(sim.port());
  CHECK(sim.banner().starts_with("mesos-sim listening on https://127.0.0.1:" + port + " "));

  const auto metrics =
      curl({"-sS", "--cacert", ca.ca_file(), "https://127.0.0.1:" + port + "/metrics/snapshot"});
  CHECK_MESSAGE(metrics.status == 0, metrics.output);
  CHECK(metrics.output.find(R"("master/elected":1.0)") != std::string::npos);
  const auto health = curl({"-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert",
                            ca.ca_file(), "https://localhost:" + port + "/health"});
  CHECK_MESSAGE(health.status == 0, health.output);
  CHECK(health.output == "200");

  // The event stream: SUBSCRIBED arrives as the second line (after its RecordIO length).
  ChildProcess subscribe(
      IOF_CURL_BINARY,
      {"-sS", "-N", "--cacert", ca.ca_file(), "-H", "Content-Type: application/json", "-d",
       R"({"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"tls"}}})",
       "https://127.0.0.1:" + port + "/api/v1/scheduler"});
  subscribe.first_line();
  const auto event = subscribe.first_line();
  CHECK_MESSAGE(event.find(R"("type":"SUBSCRIBED")") != std::string::npos,
                (event + subscribe.stderr_text()));

  // Plain HTTP gets no answer, and curl does not trust the sim's CA unless told to.
  CHECK_THROWS(iof::test::request(sim.port(), {"GET", "/health", {}, ""}, 2s));
  const auto untrusted = curl({"-sS", "https://127.0.0.1:" + port + "/health"});
  CHECK(untrusted.status == 60);  // CURLE_PEER_FAILED_VERIFICATION
  CHECK(sim.stop() == 0);
}

TEST_CASE("the TLS flags come in pairs, also from MESOS_ variables, and bad files stop the sim") {
  for (const auto& flag : {"--tls_cert_file=/some/cert.pem", "--tls_key_file=/some/key.pem"}) {
    const auto run = run_sim({flag});
    CHECK(run.status == 1);
    CHECK_MESSAGE(run.output.find("mesos-sim: --tls_cert_file and --tls_key_file go together: "
                                  "set both or neither") != std::string::npos,
                  run.output);
  }
  const auto missing = run_sim({"--ip=127.0.0.1", "--port=0", "--tls_cert_file=/nonexistent/c.pem",
                                "--tls_key_file=/nonexistent/k.pem"});
  CHECK(missing.status == 1);
  CHECK_MESSAGE(missing.output.find("cannot load the TLS certificate chain '/nonexistent/c.pem': "
                                    "No such file or directory") != std::string::npos,
                missing.output);
  CHECK(run_sim({"--help"}).output.find("--tls_cert_file") != std::string::npos);

  TestCa ca;
  const auto certificate = ca.issue({}, {"127.0.0.1"});
  ScopedEnv cert("MESOS_TLS_CERT_FILE", certificate.certificate_file);
  {
    // Half a pair from the environment is as wrong as half a pair of flags.
    const auto half = run_sim({});
    CHECK(half.status == 1);
    CHECK(half.output.find("go together") != std::string::npos);
  }
  ScopedEnv key("MESOS_TLS_KEY_FILE", certificate.key_file);
  SimProcess sim({});
  CHECK(sim.banner().starts_with("mesos-sim listening on https://"));
  const auto health =
      curl({"-sS", "--cacert", ca.ca_file(), "-o", "/dev/null", "-w", "%{http_code}",
            "https://127.0.0.1:" + std::to_string(sim.port()) + "/health"});
  CHECK_MESSAGE(health.output == "200", health.output);
}
