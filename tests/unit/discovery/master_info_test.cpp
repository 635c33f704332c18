// Where the leading master is, from the MasterInfo JSON in its znode: each source of the
// address in order of preference, and an error naming the field for everything malformed.
#include "iof/discovery/master_info.hpp"

#include <sstream>
#include <string>

#include <doctest/doctest.h>

using iof::discovery::leader_address;
using iof::discovery::LeaderAddress;

namespace {

std::string error_of(const std::string& json) {
  auto address = leader_address(json);
  REQUIRE_MESSAGE(!address, "accepted: " << json);
  return address.error().message;
}

LeaderAddress address_of(const std::string& json) {
  auto address = leader_address(json);
  REQUIRE_MESSAGE(address.has_value(), json << ": " << address.error().message);
  return *address;
}

}  // namespace

TEST_CASE("a Mesos 1.x master's JSON: address.ip and address.port") {
  // 16777226 is 10.0.0.1 as in_addr.s_addr read on a little-endian machine.
  const std::string json =
      R"({"address":{"hostname":"m1.example","ip":"10.0.0.1","port":5050},)"
      R"("hostname":"m1.example","id":"a1b2","ip":16777226,"pid":"master@10.0.0.1:5050",)"
      R"("port":5050,"version":"1.11.0","domain":{"fault_domain":{"region":{"name":"r"},)"
      R"("zone":{"name":"z"}}}})";
  CHECK(address_of(json) == LeaderAddress{"10.0.0.1", 5050});
}

TEST_CASE("address.ip wins over every other field") {
  CHECK(address_of(R"({"address":{"ip":"10.0.0.1","hostname":"h","port":1},"ip":33554442,)"
                   R"("port":2,"pid":"master@10.0.0.3:3"})") == LeaderAddress{"10.0.0.1", 1});
}

TEST_CASE("address.hostname is used when address.ip is absent, null or empty") {
  CHECK(address_of(R"({"address":{"hostname":"m.example","port":5050}})") ==
        LeaderAddress{"m.example", 5050});
  CHECK(address_of(R"({"address":{"ip":null,"hostname":"m.example","port":5050}})") ==
        LeaderAddress{"m.example", 5050});
  CHECK(address_of(R"({"address":{"ip":"","hostname":"m.example","port":5050}})") ==
        LeaderAddress{"m.example", 5050});
}

TEST_CASE("the legacy ip is read in network byte order") {
  CHECK(address_of(R"({"ip":16777343,"port":5050})") == LeaderAddress{"127.0.0.1", 5050});
  CHECK(address_of(R"({"ip":4294967295,"port":1})") == LeaderAddress{"255.255.255.255", 1});
  // 192.168.1.20: bytes c0 a8 01 14, read little-endian.
  CHECK(address_of(R"({"ip":335653056,"port":5051})") == LeaderAddress{"192.168.1.20", 5051});
}

TEST_CASE("an address without ip or hostname falls back to the legacy ip") {
  CHECK(address_of(R"({"address":{"port":7},"ip":16777343,"port":5050})") ==
        LeaderAddress{"127.0.0.1", 5050});
  CHECK(address_of(R"({"address":{},"ip":16777343,"port":5050})") ==
        LeaderAddress{"127.0.0.1", 5050});
  CHECK(address_of(R"({"address":null,"ip":16777343,"port":5050})") ==
        LeaderAddress{"127.0.0.1", 5050});
}

TEST_CASE("the pid is the last resort, also for an ip of 0") {
  CHECK(address_of(R"({"pid":"master@10.1.2.3:5050"})") == LeaderAddress{"10.1.2.3", 5050});
  CHECK(address_of(R"({"ip":0,"port":5050,"pid":"master@m.example:6060"})") ==
        LeaderAddress{"m.example", 6060});
  CHECK(address_of(R"({"pid":"master@[::1]:5050"})") == LeaderAddress{"::1", 5050});
}

TEST_CASE("malformed JSON is an error that says so") {
  CHECK(error_of("").starts_with("MasterInfo JSON: "));
  CHECK(error_of(R"({"address":)").find("syntax error") != std::string::npos);
  CHECK(error_of("master@10.0.0.1:5050").find("syntax error") != std::string::npos);
  CHECK(error_of(R"({"pid":"master@h:1"} trailing)").starts_with("MasterInfo JSON: "));
}

TEST_CASE("JSON that is not an object is an error") {
  CHECK(error_of("[]").find("not an object") != std::string::npos);
  CHECK(error_of(R"("master@10.0.0.1:5050")").find("not an object") != std::string::npos);
}

TEST_CASE("no field saying where the master is: an error naming them") {
  const std::string error = error_of(R"({"id":"x","hostname":"h","version":"1.11.0"})");
  CHECK(error.find("address.ip") != std::string::npos);
  CHECK(error.find("pid") != std::string::npos);
  CHECK(error_of("{}").find("none of") != std::string::npos);
  CHECK(error_of(R"({"pid":""})").find("none of") != std::string::npos);
}

TEST_CASE("a missing or bad port is an error, not a fallback") {
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1"}})").find("'address.port' is missing") !=
        std::string::npos);
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1","port":0}})").find("not a TCP port") !=
        std::string::npos);
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1","port":65536}})").find("65536") !=
        std::string::npos);
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1","port":-1}})").find("not an unsigned integer") !=
        std::string::npos);
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1","port":"5050"}})")
            .find("'address.port' is not an unsigned integer") != std::string::npos);
  CHECK(error_of(R"({"address":{"ip":"10.0.0.1","port":5050.5}})").find("address.port") !=
        std::string::npos);
  CHECK(error_of(R"({"ip":16777343})").find("'port' is missing") != std::string::npos);
}

TEST_CASE("fields of the wrong type are errors naming the field") {
  CHECK(error_of(R"({"address":"10.0.0.1:5050"})").find("'address' is not an object") !=
        std::string::npos);
  CHECK(error_of(R"({"address":{"ip":167772161,"port":5050}})")
            .find("'address.ip' is not a string") != std::string::npos);
  CHECK(error_of(R"({"address":{"hostname":7,"port":5050}})")
            .find("'address.hostname' is not a string") != std::string::npos);
  CHECK(error_of(R"({"ip":"10.0.0.1","port":5050})").find("'ip' is not an unsigned integer") !=
        std::string::npos);
  CHECK(error_of(R"({"ip":4294967296,"port":5050})").find("does not fit") != std::string::npos);
  CHECK(error_of(R"({"pid":5050})").find("'pid' is not a string") != std::string::npos);
}

TEST_CASE("a pid that is not name@host:port is an error") {
  CHECK(error_of(R"({"pid":"10.0.0.1:5050"})").find("not name@host:port") != std::string::npos);
  CHECK(error_of(R"({"pid":"@10.0.0.1:5050"})").find("not name@host:port") != std::string::npos);
  CHECK(error_of(R"({"pid":"master@10.0.0.1"})").find("not name@host:port") != std::string::npos);
  CHECK(error_of(R"({"pid":"master@:5050"})").find("not name@host:port") != std::string::npos);
  CHECK(error_of(R"({"pid":"master@h:99999"})").find("not name@host:port") != std::string::npos);
}

TEST_CASE("addresses print as host:port, IPv6 in brackets") {
  CHECK(to_string(LeaderAddress{"10.0.0.1", 5050}) == "10.0.0.1:5050");
  CHECK(to_string(LeaderAddress{"::1", 5050}) == "[::1]:5050");
  std::ostringstream out;
  out << LeaderAddress{"m.example", 80};
  CHECK(out.str() == "m.example:80");
}
