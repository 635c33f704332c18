#include "iof/config/flag_value.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace iof::config {

Result<std::string> read_flag_value(std::string_view value) {
  constexpr std::string_view scheme = "file://";
  if (!value.starts_with(scheme)) {
    return Result<std::string>(boost::system::in_place_value, std::string(value));
  }
  const std::string path(value.substr(scheme.size()));
  const auto failure = [&path](int error) {
    return Error{"Error reading file '" + path +
                 "': " + std::error_code(error, std::generic_category()).message()};
  };

  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) {
    return failure(errno);
  }
  std::string contents;
  char buffer[BUFSIZ];
  while (true) {
    const std::size_t count = std::fread(buffer, 1, sizeof buffer, file);
    if (std::ferror(file) != 0) {
      const int error = errno;
      std::fclose(file);
      return failure(error);
    }
    contents.append(buffer, count);
    if (count != sizeof buffer) {
      break;
    }
  }
  std::fclose(file);
  return Result<std::string>(boost::system::in_place_value, std::move(contents));
}

}  // namespace iof::config
