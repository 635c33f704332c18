#include "iof/config/flag_value.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

namespace {

// A private directory for test files, removed afterwards.
class Scratch {
 public:
  Scratch() {
    std::error_code error;
    std::filesystem::path base = std::filesystem::temp_directory_path(error);
    if (error || !std::filesystem::is_directory(base)) {
      base = std::filesystem::current_path();
    }
    path_ = base / ("iof-flag-value-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string write(const std::string& name, const std::string& contents) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << contents;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("flag values that are not file URLs pass through unchanged") {
  for (const std::string value :
       {"", "plain", "file:/x", "FILE:///x", "/etc/hostname", " file:///x", "file:"}) {
    INFO(value);
    const auto read = iof::config::read_flag_value(value);
    REQUIRE(read.has_value());
    CHECK(*read == value);
  }
}

TEST_CASE("file URL flag values are read byte for byte") {
  const Scratch scratch;
  struct Row {
    std::string name;
    std::string contents;
  };
  const std::vector<Row> rows{
      {"secret", "s3cret\n"},
      {"empty", ""},
      {"binary", std::string("a\0b\r\n", 5)},
      {"large", std::string(20'000, 'x') + "end"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto path = scratch.write(row.name, row.contents);
    const auto read = iof::config::read_flag_value("file://" + path);
    REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
    CHECK(*read == row.contents);
  }
}

TEST_CASE("unreadable file URL flag values are errors naming the path") {
  const Scratch scratch;
  struct Row {
    std::string value;
    std::string error;
  };
  const std::vector<Row> rows{
      {"file://" + scratch.path() + "/missing",
       "Error reading file '" + scratch.path() + "/missing': No such file or directory"},
      {"file://" + scratch.path(), "Error reading file '" + scratch.path() + "': Is a directory"},
      {"file://", "Error reading file '': No such file or directory"},
  };
  for (const auto& row : rows) {
    INFO(row.value);
    const auto read = iof::config::read_flag_value(row.value);
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().message == row.error);
  }
}
