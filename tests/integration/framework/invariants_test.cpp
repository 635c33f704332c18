// The history checker fails on the histories it exists to catch, and passes a clean move.
#include "invariants.hpp"

#include <doctest/doctest.h>

using namespace iof::test::framework;

namespace {

TaskLife life(const std::string& id, const std::string& agent, double started, double stopping,
              double ended) {
  return {id, agent, started, stopping, ended};
}

}  // namespace

TEST_CASE("history checker: a make-before-break move passes, its broken variants fail") {
  // Task 0 on A is replaced by task 1 on B: 1 starts at 10, 0 is killed at 12 and gone at 13.
  const std::vector<TaskLife> move{life("0", "A", 0, 12, 13), life("1", "B", 10, 1e18, 1e18)};
  CHECK(history_violation(move, 2) == "");
  CHECK(peak_alive(move) == 2);

  // Break-before-make: the old task is killed before its replacement starts; never two alive.
  const std::vector<TaskLife> kill_first{life("0", "A", 0, 8, 9), life("1", "B", 10, 1e18, 1e18)};
  CHECK(peak_alive(kill_first) == 1);

  // The replacement lands on the agent the old task still occupies, for a moment.
  const std::vector<TaskLife> same_agent{life("0", "A", 0, 12, 13),
                                         life("1", "A", 12.99, 1e18, 1e18)};
  CHECK(history_violation(same_agent, 2) == "tasks 0 and 1 were alive together on A");

  // Two replacements at once beyond a surge of one, though each lived only a moment.
  const std::vector<TaskLife> over_surge{life("0", "A", 0, 12, 13), life("1", "B", 10, 11, 11.01),
                                         life("2", "C", 10.5, 1e18, 1e18)};
  CHECK(history_violation(over_surge, 2).starts_with("3 tasks alive and not being killed"));
}
