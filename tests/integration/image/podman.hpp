#pragma once

// What the image test needs of podman: whether it can run here, commands run to completion, and
// guards that remove the test's image and container however the test ends.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "child_process.hpp"

namespace iof::test::image {

// The podman on PATH, if any.
inline std::optional<std::string> podman_binary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "podman";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

// Why the image test cannot run on this machine, if it cannot: podman runs rootful here.
inline std::optional<std::string> why_no_podman() {
  if (!podman_binary()) {
    return "podman is not installed (scripts/install-deps.sh installs it)";
  }
  if (::geteuid() != 0) {
    return "podman needs root on these machines (rootful; no user namespaces configured)";
  }
  return std::nullopt;
}

// podman with the storage driver scripts/build-image.sh builds into (IOF_PODMAN_STORAGE_DRIVER,
// default vfs: the one that works on these machines), so that both see the same images.
inline std::vector<std::string> podman_args(std::vector<std::string> args) {
  const char* driver = std::getenv("IOF_PODMAN_STORAGE_DRIVER");
  const std::string chosen = driver != nullptr ? driver : "vfs";
  if (!chosen.empty()) {
    args.insert(args.begin(), "--storage-driver=" + chosen);
  }
  return args;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout, then stderr
  std::chrono::milliseconds took{0};
};

// Runs a program to its end, killing it after `limit`.
inline CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                                 std::chrono::milliseconds limit) {
  const auto started = std::chrono::steady_clock::now();
  ChildProcess process(binary, args);
  CommandResult result;
  result.status = process.wait(limit);
  if (result.status < 0) {
    result.status = process.stop();
    result.output = "(killed after " + std::to_string(limit.count()) + " ms)\n";
  }
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  result.output += process.rest_of_stdout() + process.stderr_text();
  return result;
}

inline CommandResult podman(const std::vector<std::string>& args,
                            std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  return run_command(*podman_binary(), podman_args(args), limit);
}

// Removes a container (stopping it first, without grace) when the test ends, passed or not.
class ContainerGuard {
 public:
  explicit ContainerGuard(std::string name) : name_(std::move(name)) { remove(); }
  ~ContainerGuard() { remove(); }
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  const std::string& name() const { return name_; }

 private:
  void remove() noexcept {
    try {
      podman({"rm", "--force", "--ignore", "--time=0", name_});
    } catch (...) {
      std::fprintf(stderr, "image test: could not remove container %s\n", name_.c_str());
    }
  }
  std::string name_;
};

// Removes an image, and its OCI archive, when the test ends.
class ImageGuard {
 public:
  ImageGuard(std::string tag, std::filesystem::path archive)
      : tag_(std::move(tag)), archive_(std::move(archive)) {}
  ~ImageGuard() {
    try {
      podman({"rmi", "--force", "--ignore", tag_});
    } catch (...) {
      std::fprintf(stderr, "image test: could not remove image %s\n", tag_.c_str());
    }
    std::error_code ignored;
    std::filesystem::remove(archive_, ignored);
  }
  ImageGuard(const ImageGuard&) = delete;
  ImageGuard& operator=(const ImageGuard&) = delete;
  const std::string& tag() const { return tag_; }
  const std::filesystem::path& archive() const { return archive_; }

 private:
  std::string tag_;
  std::filesystem::path archive_;
};

}  // namespace iof::test::image
