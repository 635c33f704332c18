#include "iof/framework/state_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace iof::framework {

namespace {

Error system_error(const std::string& what, const std::string& path) {
  return Error{what + " '" + path + "': " + std::strerror(errno)};
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<std::optional<Snapshot>> load_state_file(const std::string& path) {
  std::error_code missing;
  if (!std::filesystem::exists(path, missing) && !missing) {
    return std::optional<Snapshot>();  // a first run
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return system_error("Cannot read the state file", path);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  auto snapshot = decode_snapshot(contents.str());
  if (!snapshot) {
    return Error{"The state file '" + path + "' is damaged (" + snapshot.error().message +
                 "); move it away to start as a new framework"};
  }
  return std::optional<Snapshot>(std::move(*snapshot));
}

Result<void> save_state_file(const std::string& path, const Snapshot& snapshot) {
  const std::string temporary = path + ".tmp";
  const std::string contents = encode_snapshot(snapshot);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return system_error("Cannot write the state file", temporary);
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const auto n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      auto error = system_error("Cannot write the state file", temporary);
      ::close(fd);
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = system_error("Cannot sync the state file", temporary);
    ::close(fd);
    return error;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return system_error("Cannot replace the state file", path);
  }
  // The rename itself is only durable once the directory is synced.
  const std::string directory = directory_of(path);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace iof::framework
