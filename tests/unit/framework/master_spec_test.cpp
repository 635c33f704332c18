// Which masters --master names, where a 307 points, and the order candidates are tried in.
#include "iof/framework/master_spec.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

using iof::framework::Endpoint;
using iof::framework::MasterCandidates;

std::vector<std::string> urls(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> out;
  for (const auto& endpoint : endpoints) {
    out.push_back(endpoint.url());
  }
  return out;
}

std::string write_temp(const std::string& name, const std::string& contents) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << contents;
  return path.string();
}

}  // namespace

TEST_CASE("every --master form names its candidates in order") {
  struct Case {
    std::string master;
    std::vector<std::string> urls;
  };
  for (const auto& c : std::vector<Case>{
           {"10.0.0.1:5050", {"http://10.0.0.1:5050"}},
           {"master@m1:5051,m2:5050", {"http://m1:5051", "http://m2:5050"}},
           {"http://m.example.com:5052/", {"http://m.example.com:5052"}},
           {"http://m.example.com", {"http://m.example.com:5050"}},
           {"https://m1:5443,http://m2:5050", {"https://m1:5443", "http://m2:5050"}},
           {" m1:1 , m2:2 ", {"http://m1:1", "http://m2:2"}},
           {"[::1]:5050", {"http://[::1]:5050"}},
           {"http://[::1]:6000", {"http://[::1]:6000"}},
       }) {
    CAPTURE(c.master);
    const auto spec = iof::framework::parse_master(c.master);
    REQUIRE(spec.has_value());
    CHECK(urls(spec->candidates) == c.urls);
    CHECK_FALSE(spec->zookeeper);
  }
  const auto zk = iof::framework::parse_master("zk://u:p@z1:2181,z2:2181/mesos");
  REQUIRE(zk.has_value());
  CHECK(zk->candidates.empty());
  CHECK(zk->zookeeper == "zk://u:p@z1:2181,z2:2181/mesos");

  for (const std::string bad : {"m1", "m1:0", "m1:5050,,m2:5050", "ftp://m:1", "http://:5050"}) {
    CAPTURE(bad);
    const auto spec = iof::framework::parse_master(bad);
    REQUIRE_FALSE(spec.has_value());
    CHECK(spec.error().message.starts_with("Invalid --master"));
  }
}

TEST_CASE("a 307 Location is followed with the scheme of the request it answered") {
  const Endpoint plain{false, "m1", "5050"};
  const Endpoint secure{true, "m1", "5050"};
  struct Case {
    std::string location;
    Endpoint from;
    std::string url;
  };
  for (const auto& c : std::vector<Case>{
           {"//m2:5051/master/api/v1/scheduler", plain, "http://m2:5051"},
           {"//m2:5051/master/api/v1/scheduler", secure, "https://m2:5051"},
           {"//10.0.0.2:5050", plain, "http://10.0.0.2:5050"},
           {"https://m3:5443/master/api/v1/scheduler", plain, "https://m3:5443"},
       }) {
    CAPTURE(c.location);
    const auto target = iof::framework::redirect_target(c.location, c.from);
    REQUIRE(target.has_value());
    CHECK(target->url() == c.url);
  }
  for (const std::string bad : {"", "/master/api/v1/scheduler", "//", "ftp://m:1/"}) {
    CAPTURE(bad);
    const auto target = iof::framework::redirect_target(bad, plain);
    REQUIRE_FALSE(target.has_value());
    CHECK(target.error().message.find("redirected to '" + bad + "'") != std::string::npos);
  }
}

TEST_CASE("candidates: redirects first, failures move on, a full round of failures backs off") {
  MasterCandidates masters({{false, "a", "1"}, {false, "b", "2"}, {false, "c", "3"}});
  REQUIRE(masters.current() != nullptr);
  CHECK(masters.current()->url() == "http://a:1");
  CHECK_FALSE(masters.failed());  // a down: try b without waiting
  CHECK(masters.current()->url() == "http://b:2");
  // b redirects to the leader, which is not in the list.
  CHECK(masters.redirected({false, "leader", "9"}));
  CHECK(masters.current()->url() == "http://leader:9");
  masters.subscribed();
  // The stream to the leader ends: it is still tried first.
  CHECK(masters.current()->url() == "http://leader:9");
  // It is gone: back at once to b, which sent us there (it may know the new leader).
  CHECK_FALSE(masters.failed());
  CHECK(masters.current()->url() == "http://b:2");
  // Only after every candidate failed since does it back off.
  CHECK_FALSE(masters.failed());
  CHECK(masters.current()->url() == "http://c:3");
  CHECK_FALSE(masters.failed());
  CHECK(masters.current()->url() == "http://a:1");
  CHECK(masters.failed());
  CHECK(masters.current()->url() == "http://b:2");
}

TEST_CASE("candidates: redirects that go round in circles count as a failure") {
  MasterCandidates masters({{false, "a", "1"}, {false, "b", "2"}});
  for (std::size_t i = 0; i < MasterCandidates::max_redirects; ++i) {
    CHECK(masters.redirected({false, i % 2 == 0 ? "x" : "y", "1"}));
  }
  CHECK_FALSE(masters.redirected({false, "x", "1"}));
  CHECK(masters.current()->url() == "http://b:2");
}

TEST_CASE("candidates: ZooKeeper's leader replaces the list, and none means nothing to try") {
  MasterCandidates masters({});
  CHECK(masters.current() == nullptr);
  CHECK(masters.failed());  // nothing to try is a full round: back off
  masters.set_leader(Endpoint{false, "m7", "5050"});
  REQUIRE(masters.current() != nullptr);
  CHECK(masters.current()->url() == "http://m7:5050");
  CHECK(masters.failed());  // the only candidate failed: back off
  CHECK(masters.current()->url() == "http://m7:5050");
  masters.subscribed();
  CHECK_FALSE(masters.failed());  // the leader just went away: retry without a second wait
  CHECK(masters.failed());
  masters.set_leader(std::nullopt);
  CHECK(masters.current() == nullptr);
}

TEST_CASE("--master=file:// reads the master from the file's first non-empty line") {
  const auto path = write_temp("iof-master-spec-test", "\n  m1:5050,m2:5050  \nignored\n");
  const auto master = iof::framework::read_master_file("file://" + path);
  REQUIRE(master.has_value());
  CHECK(*master == "m1:5050,m2:5050");
  CHECK(*iof::framework::read_master_file("m1:5050") == "m1:5050");

  struct Bad {
    std::string contents;
    std::string reason;
  };
  for (const auto& bad : std::vector<Bad>{{"\n\n", "names no master"},
                                          {"file:///etc/other\n", "must name a master"},
                                          {"local\n", "must name a master"}}) {
    CAPTURE(bad.contents);
    const auto file = write_temp("iof-master-spec-bad", bad.contents);
    const auto result = iof::framework::read_master_file("file://" + file);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.find(bad.reason) != std::string::npos);
  }
  const auto missing = iof::framework::read_master_file("file:///nonexistent/iof-master");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("/nonexistent/iof-master") != std::string::npos);
  std::filesystem::remove(path);
}
