// The container image end to end: scripts/build-image.sh builds it and exports the OCI archive,
// podman runs it with the host's network against a mesos-sim on 127.0.0.1, and the framework in
// it subscribes, runs its tasks as the image's task user, and exits 0 on SIGTERM. Skipped, with
// the reason, where podman cannot run.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include "http_client.hpp"
#include "podman.hpp"
#include "sim_process.hpp"

#ifndef IOF_FRAMEWORK_BINARY
#error "IOF_FRAMEWORK_BINARY must name the framework executable"
#endif
#ifndef IOF_BUILD_IMAGE_SCRIPT
#error "IOF_BUILD_IMAGE_SCRIPT must name scripts/build-image.sh"
#endif

namespace {

using namespace std::chrono_literals;
using namespace iof::test::image;

constexpr unsigned num_tasks = 2;

template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

// The framework as the master sees it: its user and its tasks in TASK_RUNNING.
struct FrameworkOnMaster {
  std::string user;
  unsigned running = 0;
};

std::optional<FrameworkOnMaster> framework_on(unsigned short master_port) {
  const auto body = iof::test::request(master_port, {"GET", "/master/state", {}, ""}).body;
  const auto state = boost::json::parse(body).as_object();
  for (const auto& framework : state.at("frameworks").as_array()) {
    FrameworkOnMaster seen{std::string(framework.at("user").as_string()), 0};
    for (const auto& task : framework.at("tasks").as_array()) {
      seen.running += task.at("state").as_string() == "TASK_RUNNING" ? 1U : 0U;
    }
    return seen;
  }
  return std::nullopt;
}

double metric(unsigned short port, const std::string& name) {
  const auto body = iof::test::request(port, {"GET", "/metrics/snapshot", {}, ""}).body;
  return boost::json::parse(body).as_object().at("inverse_offer_framework/" + name).as_double();
}

}  // namespace

TEST_CASE("the container subscribes, runs 2 tasks and stops cleanly on SIGTERM") {
  if (const auto why = why_no_podman()) {
    std::printf("SKIPPED-NO-PODMAN: %s\n", why->c_str());
    std::fflush(stdout);
    return;
  }
  const std::string id = std::to_string(::getpid());
  ImageGuard image("localhost/iof-image-test:" + id,
                   std::filesystem::temp_directory_path() / ("iof-image-test-" + id + ".oci.tar"));

  const auto built = run_command("/bin/bash",
                                 {IOF_BUILD_IMAGE_SCRIPT, "--binary", IOF_FRAMEWORK_BINARY, "--tag",
                                  image.tag(), "--output", image.archive().string()},
                                 5min);
  INFO("scripts/build-image.sh: " << built.output);
  REQUIRE(built.status == 0);
  // The archive is what gets shipped: an OCI layout, whose index is named in the tar.
  REQUIRE(std::filesystem::file_size(image.archive()) > 1'000'000);
  CHECK(run_command("/bin/tar", {"-tf", image.archive().string(), "index.json"}, 30s).status == 0);

  iof::test::SimProcess sim({"--agents=3", "--allocation_interval=200ms"});
  ContainerGuard container("iof-image-test-" + id);
  // The flags toolchain.md lists for these machines; --timeout ends the container by itself
  // should this test die before its guard runs; --pull=never: nothing is downloaded.
  iof::test::ChildProcess run(
      *podman_binary(),
      podman_args({"run", "--name", container.name(), "--pull=never", "--runtime=runc",
                   "--network=host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                   "--timeout=240", image.tag(), "--master=127.0.0.1:" + std::to_string(sim.port()),
                   "--num_tasks=" + std::to_string(num_tasks), "--http_address=127.0.0.1:0",
                   // The image's state directory, writable by its user: a save that failed
                   // would stop the framework before its first call.
                   "--state_file=/var/lib/inverse-offer-framework/state.json"}));
  // The framework's first line names its HTTP port: the host's, since the network is the host's.
  const std::string line = run.first_line(60s);
  std::smatch match;
  REQUIRE_MESSAGE(std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+)/metrics)")),
                  "the container did not start: " << line << run.stderr_text());
  const auto http_port = static_cast<unsigned short>(std::stoul(match[1].str()));

  REQUIRE_MESSAGE(eventually([&] { return metric(http_port, "subscribed") == 1; }, 20s),
                  run.stderr_text());
  REQUIRE_MESSAGE(eventually(
                      [&] {
                        const auto seen = framework_on(sim.port());
                        return seen && seen->running == num_tasks;
                      },
                      20s),
                  run.stderr_text());
  CHECK(metric(http_port, "current_sleepers") == num_tasks);
  // The image's default task user: one every agent has, not the container's uid 65532.
  const auto running = framework_on(sim.port());
  REQUIRE(running);
  CHECK(running->user == "nobody");

  // podman stop sends SIGTERM and waits up to --time before SIGKILL (exit status 137).
  const auto stopped = podman({"stop", "--time=10", container.name()});
  INFO("podman stop: " << stopped.output << "framework: " << run.stderr_text());
  CHECK(stopped.status == 0);
  CHECK(stopped.took < 5s);
  CHECK(podman({"inspect", "--format", "{{.State.ExitCode}}", container.name()}).output == "0\n");
  CHECK(run.wait(10s) == 0);  // podman run ends with the container's status
  // Without --teardown_on_exit a stop is a failover: the master keeps the tasks running.
  const auto after = framework_on(sim.port());
  REQUIRE(after);
  CHECK(after->running == num_tasks);
}
