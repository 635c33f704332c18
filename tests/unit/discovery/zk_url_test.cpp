// zk:// URLs as --master takes them: every piece Mesos accepts, and a clear error for each way
// one can be wrong.
#include "iof/discovery/zk_url.hpp"

#include <string>

#include <doctest/doctest.h>

using iof::discovery::DigestCredentials;
using iof::discovery::parse_zk_url;
using iof::discovery::ZkUrl;

namespace {

std::string error_of(const std::string& text) {
  auto url = parse_zk_url(text);
  REQUIRE_MESSAGE(!url, "accepted: " << text);
  return url.error().message;
}

}  // namespace

TEST_CASE("a single server and a path") {
  auto url = parse_zk_url("zk://10.0.0.1:2181/mesos");
  REQUIRE(url.has_value());
  CHECK(url->hosts == "10.0.0.1:2181");
  CHECK(url->path == "/mesos");
  CHECK_FALSE(url->credentials);
}

TEST_CASE("several servers stay one comma-separated string for the client") {
  auto url = parse_zk_url("zk://zk1.example:2181,zk2.example:2182,10.0.0.3:2183/mesos");
  REQUIRE(url.has_value());
  CHECK(url->hosts == "zk1.example:2181,zk2.example:2182,10.0.0.3:2183");
  CHECK(url->path == "/mesos");
}

TEST_CASE("a nested path is kept whole and one trailing slash is dropped") {
  auto nested = parse_zk_url("zk://h:2181/prod/mesos/masters");
  REQUIRE(nested.has_value());
  CHECK(nested->path == "/prod/mesos/masters");
  auto trailing = parse_zk_url("zk://h:2181/mesos/");
  REQUIRE(trailing.has_value());
  CHECK(trailing->path == "/mesos");
}

TEST_CASE("user and password become digest credentials") {
  auto url = parse_zk_url("zk://alice:s3cret@h1:2181,h2:2181/mesos");
  REQUIRE(url.has_value());
  CHECK(url->credentials == DigestCredentials{"alice", "s3cret"});
  CHECK(url->hosts == "h1:2181,h2:2181");
  CHECK(url->path == "/mesos");
}

TEST_CASE("the password may hold colons and at-signs: the last at-sign ends it") {
  auto url = parse_zk_url("zk://bob:p:a@ss@h:2181/mesos");
  REQUIRE(url.has_value());
  CHECK(url->credentials == DigestCredentials{"bob", "p:a@ss"});
  CHECK(url->hosts == "h:2181");
}

TEST_CASE("an empty password is allowed, an empty user is not") {
  auto url = parse_zk_url("zk://bob:@h:2181/mesos");
  REQUIRE(url.has_value());
  CHECK(url->credentials == DigestCredentials{"bob", ""});
  CHECK(error_of("zk://:pw@h:2181/mesos").find("user:password") != std::string::npos);
}

TEST_CASE("credentials without a colon are refused without repeating them") {
  const std::string error = error_of("zk://justapassword@h:2181/mesos");
  CHECK(error.find("user:password") != std::string::npos);
  CHECK(error.find("justapassword") == std::string::npos);
}

TEST_CASE("the scheme must be zk://") {
  CHECK(error_of("http://h:2181/mesos").find("zk://") != std::string::npos);
  CHECK(error_of("zk:/h:2181/mesos").find("zk://") != std::string::npos);
  CHECK(error_of("ZK://h:2181/mesos").find("zk://") != std::string::npos);
  CHECK(error_of("").find("zk://") != std::string::npos);
}

TEST_CASE("a URL without a path is refused") {
  CHECK(error_of("zk://h:2181").find("path") != std::string::npos);
}

TEST_CASE("the root path is refused as Mesos refuses it") {
  CHECK(error_of("zk://h:2181/").find("'/' is not supported") != std::string::npos);
  CHECK(error_of("zk://h:2181//").find("'/' is not supported") != std::string::npos);
}

TEST_CASE("paths ZooKeeper would reject are refused up front") {
  CHECK(error_of("zk://h:2181/a//b").find("component") != std::string::npos);
  CHECK(error_of("zk://h:2181/a/./b").find("component") != std::string::npos);
  CHECK(error_of("zk://h:2181/a/..").find("component") != std::string::npos);
  CHECK(error_of("zk://h:2181/a\tb").find("control character") != std::string::npos);
}

TEST_CASE("every server must be host:port") {
  CHECK(error_of("zk:///mesos").find("no servers") != std::string::npos);
  CHECK(error_of("zk://u:p@/mesos").find("no servers") != std::string::npos);
  CHECK(error_of("zk://h/mesos").find("'h' is not host:port") != std::string::npos);
  CHECK(error_of("zk://h:2181,/mesos").find("'' is not host:port") != std::string::npos);
  CHECK(error_of("zk://h:2181,g:0/mesos").find("'g:0' is not host:port") != std::string::npos);
  CHECK(error_of("zk://h:65536/mesos").find("not host:port") != std::string::npos);
  CHECK(error_of("zk://:2181/mesos").find("not host:port") != std::string::npos);
}

TEST_CASE("errors say they are about a ZooKeeper URL") {
  CHECK(error_of("zk://h/mesos").starts_with("Invalid ZooKeeper URL: "));
}

TEST_CASE("zk_path_problem accepts what the watcher can watch") {
  using iof::discovery::zk_path_problem;
  CHECK_FALSE(zk_path_problem("/mesos"));
  CHECK_FALSE(zk_path_problem("/a/b-c_d.e"));
  CHECK(zk_path_problem("mesos"));
  CHECK(zk_path_problem(""));
  CHECK(zk_path_problem("/"));
  CHECK(zk_path_problem("/mesos/"));
}

TEST_CASE("redacted hides the password only") {
  auto url = parse_zk_url("zk://alice:s3cret@h:2181/mesos");
  REQUIRE(url.has_value());
  CHECK(iof::discovery::redacted(*url) == "zk://alice:***@h:2181/mesos");
  auto plain = parse_zk_url("zk://h:2181,g:2182/mesos");
  REQUIRE(plain.has_value());
  CHECK(iof::discovery::redacted(*plain) == "zk://h:2181,g:2182/mesos");
}
