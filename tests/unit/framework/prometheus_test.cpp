// GET /metrics as Prometheus users expect it: every metric with # HELP and # TYPE, counters
// ending in _total, durations in _seconds, one prefix; /metrics/snapshot keeps the seed's names.
#include <map>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "iof/framework/scheduler_state.hpp"
#include "iof/framework/view/metrics.hpp"

#include "prometheus_check.hpp"

namespace {

using iof::framework::MetricType;
using iof::test::prometheus_problems;

const std::string prefix = "inverse_offer_framework_";

// Every metric metrics() can report, each with a distinct value.
std::map<std::string, double> every_metric() {
  std::map<std::string, double> out;
  double value = 0;
  for (const auto& metric : iof::framework::prometheus_metrics()) {
    out["inverse_offer_framework/" + std::string(metric.snapshot_name)] = value++;
  }
  return out;
}

std::string all_of(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& problem : problems) {
    out += problem + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("/metrics follows Prometheus's conventions for every metric") {
  const auto text = iof::framework::prometheus_text(every_metric());
  CHECK_MESSAGE(prometheus_problems(text, prefix).empty(),
                all_of(prometheus_problems(text, prefix)));
  // Every metric is there, none twice.
  std::set<std::string_view> names;
  for (const auto& metric : iof::framework::prometheus_metrics()) {
    CHECK_MESSAGE(names.insert(metric.name).second, metric.name);
    CHECK(text.find("\n" + prefix + std::string(metric.name) + " ") != std::string::npos);
  }
  CHECK(names.size() == every_metric().size());
}

TEST_CASE("/metrics renames to the conventions and keeps the values, in seconds") {
  const auto text =
      iof::framework::prometheus_text({{"inverse_offer_framework/uptime_secs", 1.5},
                                       {"inverse_offer_framework/offers_received", 7},
                                       {"inverse_offer_framework/lead_time_secs", 20},
                                       {"inverse_offer_framework/seconds_to_next_window", 595},
                                       {"inverse_offer_framework/current_sleepers", 3}});
  CHECK(text ==
        "# HELP inverse_offer_framework_uptime_seconds Seconds since the framework started\n"
        "# TYPE inverse_offer_framework_uptime_seconds gauge\n"
        "inverse_offer_framework_uptime_seconds 1.5\n"
        "# HELP inverse_offer_framework_offers_received_total Offers received\n"
        "# TYPE inverse_offer_framework_offers_received_total counter\n"
        "inverse_offer_framework_offers_received_total 7.0\n"
        "# HELP inverse_offer_framework_current_sleepers Tasks launched and not yet ended\n"
        "# TYPE inverse_offer_framework_current_sleepers gauge\n"
        "inverse_offer_framework_current_sleepers 3.0\n"
        "# HELP inverse_offer_framework_lead_time_seconds How long before a window a move "
        "starts (learnt)\n"
        "# TYPE inverse_offer_framework_lead_time_seconds gauge\n"
        "inverse_offer_framework_lead_time_seconds 20.0\n"
        "# HELP inverse_offer_framework_next_window_in_seconds Seconds until the earliest known "
        "maintenance window of an agent holding a task\n"
        "# TYPE inverse_offer_framework_next_window_in_seconds gauge\n"
        "inverse_offer_framework_next_window_in_seconds 595.0\n");
}

TEST_CASE("every metric a framework reports has its Prometheus name and type") {
  iof::framework::Evacuation evacuation;
  evacuation.spread_by = "rack";
  const iof::framework::SchedulerState state(iof::framework::Policy::evacuate, 2, "*", {}, {},
                                             evacuation);
  std::set<std::string> described;
  for (const auto& metric : iof::framework::prometheus_metrics()) {
    described.insert("inverse_offer_framework/" + std::string(metric.snapshot_name));
    // What is counted only grows; what is measured is a gauge.
    CHECK((metric.type == MetricType::counter) == metric.name.ends_with("_total"));
  }
  for (const auto& [name, value] : iof::framework::metrics(state, 1, iof::framework::Time{0})) {
    CHECK_MESSAGE(described.contains(name), name << " has no Prometheus description");
  }
}

// The checker above must be able to fail: each broken text here is one it has to catch.
TEST_CASE("the Prometheus checker catches each broken convention") {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const auto& [text, problem] : std::initializer_list<Case>{
           {"p_up 1\n", "p_up: a sample without # HELP before it"},
           {"# HELP p_up Up\np_up 1\n", "p_up: a sample without # TYPE before it"},
           {"# HELP p_x X\n# TYPE p_x counter\np_x 1\n", "p_x: a counter not ending in _total"},
           {"# HELP p_x_total X\n# TYPE p_x_total gauge\np_x_total 1\n",
            "p_x_total: a gauge ending in _total"},
           {"# HELP p_lead_secs L\n# TYPE p_lead_secs gauge\np_lead_secs 1\n",
            "p_lead_secs: a duration not in _seconds"},
           {"# HELP p_a A\n# TYPE p_a gauge\np_a 1\np_a 2\n", "p_a: the same series twice"},
           {"# HELP q_a A\n# TYPE q_a gauge\nq_a 1\n", "q_a: not prefixed p_"},
           {"# HELP p_a A\n# TYPE p_a gauge\np_a one\n", "p_a: value 'one' is not a number"},
           {"# HELP p_a A\n# TYPE p_a gauge\n# HELP p_b B\n# TYPE p_b gauge\np_b 1\np_a 1\n",
            "p_a: its lines are not together"},
           {"# HELP p_a A\n# TYPE p_a meter\np_a 1\n", "p_a: unknown type 'meter'"},
           {"# HELP p_a A\n# TYPE p_a gauge\np_a 1", "the text does not end with a newline"},
       }) {
    CAPTURE(text);
    const auto problems = prometheus_problems(text, "p_");
    CHECK_MESSAGE(all_of(problems).find(problem) != std::string::npos, all_of(problems));
  }
  CHECK(prometheus_problems("# HELP p_a_total A\n# TYPE p_a_total counter\np_a_total 1\n", "p_")
            .empty());
}
