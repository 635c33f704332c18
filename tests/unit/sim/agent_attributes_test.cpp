// --agent_attributes: the syntax, which agents get what, and the attributes in offers,
// /master/state and the registry, as a real agent's --attributes would put them there.
#include "iof/sim/agent_attributes.hpp"

#include <doctest/doctest.h>

#include "cluster_fixture.hpp"

namespace iof::sim::test {
namespace {

// The attributes of agentN as "name=value" texts, in order.
std::vector<std::string> texts(const std::vector<v1::Attribute>& attributes) {
  std::vector<std::string> out;
  for (const auto& attribute : attributes) {
    std::string value;
    switch (attribute.type()) {
      case v1::Value::SCALAR:
        value = "scalar " + std::to_string(attribute.scalar().value());
        break;
      case v1::Value::RANGES:
        value = "ranges";
        for (const auto& range : attribute.ranges().range()) {
          value += " " + std::to_string(range.begin()) + "-" + std::to_string(range.end());
        }
        break;
      default:
        value = "text " + attribute.text().value();
        break;
    }
    out.push_back(attribute.name() + "=" + value);
  }
  return out;
}

std::vector<std::string> for_agent(const std::string& flag, std::uint64_t ordinal) {
  auto rules = parse_agent_attributes(flag);
  REQUIRE_MESSAGE(rules.has_value(), flag);
  return texts(attributes_for(*rules, ordinal));
}

TEST_CASE("agent attributes: selectors pick agents, typed as Attributes::parse types them") {
  const std::string flag =
      "agent[1-2]=rack:r1;zone:a|agent3=rack:r2;slots:4|*=os:linux;ids:[1-3,7-9]";
  using V = std::vector<std::string>;
  CHECK(for_agent(flag, 1) ==
        V{"rack=text r1", "zone=text a", "os=text linux", "ids=ranges 1-3 7-9"});
  CHECK(for_agent(flag, 3) ==
        V{"rack=text r2", "slots=scalar 4.000000", "os=text linux", "ids=ranges 1-3 7-9"});
  CHECK(for_agent(flag, 9) == V{"os=text linux", "ids=ranges 1-3 7-9"});
  // A later entry replaces an earlier value of the same name; empty tokens vanish.
  CHECK(for_agent("*=rack:r0|agent2=rack:r9;;", 2) == V{"rack=text r9"});
  CHECK(for_agent("*=url:http://x:1", 1) == V{"url=text http://x:1"});
  CHECK(for_agent("", 1).empty());
}

TEST_CASE("agent attributes: bad input names the entry and what is wrong") {
  struct Case {
    std::string flag;
    std::string message;
  };
  for (const auto& [flag, message] : std::vector<Case>{
           {"rack:r1", "Invalid entry 'rack:r1': expected SELECTOR=ATTRIBUTES"},
           {"host1=rack:r1", "Invalid agent selector 'host1': expected '*', agentN or agent[N-M]"},
           {"agent[3-1]=rack:r1", "Invalid agent selector 'agent[3-1]': 3 is above 1"},
           {"agent[1-x]=rack:r1", "Invalid agent selector 'agent[1-x]'"},
           {"agent1=rack", "Invalid attribute key:value pair 'rack'"},
           {"agent1=:r1", "Invalid attribute key:value pair ':r1'"},
           {"agent1=rack:", "Invalid attribute key:value pair 'rack:'"},
           {"agent1=", "Invalid entry 'agent1=': no attributes"},
           {"agent1=tags:{a,b}", "Attribute 'tags' is a set"},
           {"agent1=ids:[5-1]", "Invalid ranges '[5-1]' for attribute 'ids'"},
           {"*=rack:r1|", "Invalid entry '': expected SELECTOR=ATTRIBUTES"},
       }) {
    const auto parsed = parse_agent_attributes(flag);
    REQUIRE_MESSAGE(!parsed.has_value(), flag);
    CHECK_MESSAGE(parsed.error().message.starts_with(message), parsed.error().message);
  }
  Config config = test_config();
  config.agent_attributes = "agent1=rack";
  const auto created = Cluster::create(config, start_time);
  REQUIRE(!created.has_value());
  CHECK(created.error().message ==
        "Invalid --agent_attributes: Invalid attribute key:value pair 'rack'");
}

TEST_CASE("agent attributes: offers and /master/state carry them, and a recovery keeps them") {
  Config config = test_config();
  config.agent_attributes = "agent[1-2]=rack:r1|agent3=rack:r2;slots:4";
  Harness h(config);
  const auto framework = h.add_framework();
  h.settle();
  const auto offers = offers_in(h.take(framework.connection));
  REQUIRE(offers.size() == 3);
  const auto rack_of = [](const v1::Offer& offer) {
    REQUIRE(offer.attributes_size() >= 1);
    CHECK(offer.attributes(0).name() == "rack");
    CHECK(offer.attributes(0).type() == v1::Value::TEXT);
    return offer.attributes(0).text().value();
  };
  CHECK(rack_of(offer_on(offers, "agent1")) == "r1");
  CHECK(rack_of(offer_on(offers, "agent2")) == "r1");
  CHECK(rack_of(offer_on(offers, "agent3")) == "r2");
  CHECK(offer_on(offers, "agent3").attributes(1).scalar().value() == 4);
  const std::string state = h.cluster().state_json();
  CHECK(state.find(R"("attributes":{"rack":"r2","slots":4.0})") != std::string::npos);
  CHECK(state.find(R"("attributes":{"rack":"r1"})") != std::string::npos);

  auto recovered = Cluster::recover(test_config(), h.cluster().registry(), h.now());
  REQUIRE(recovered.has_value());
  CHECK(recovered->state_json().find(R"("attributes":{"rack":"r2","slots":4.0})") !=
        std::string::npos);
}

}  // namespace
}  // namespace iof::sim::test
