// The printed table: one row per policy, as text and as Markdown, with the columns explained.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench.hpp"

namespace iof::bench::maintenance {

namespace {

// Nearest rank: the smallest value with at least p% of the values at or below it.
double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

std::vector<std::string> columns() {
  return {"policy",
          "N RUNNING after",
          "evacuation p50",
          "evacuation p99",
          "groups evacuated (before DOWN)",
          "min RUNNING / N",
          "live at DOWN (TASK_LOST)",
          "tasks launched",
          "moves per task",
          "HTTP calls"};
}

std::vector<std::string> cells(const Result& r, std::size_t n) {
  if (!r.available) {
    return {r.policy, "not available", "", "", "", "", "", "", "", ""};
  }
  const auto seconds_text = [](double s) { return fixed(s, 2) + " s"; };
  const std::string count = fixed(r.launched, 0);
  return {
      r.policy,
      r.reached_n_after ? seconds_text(*r.reached_n_after) : "never",
      r.evacuations.empty() ? "-" : seconds_text(percentile(r.evacuations, 50)),
      r.evacuations.empty() ? "-" : seconds_text(percentile(r.evacuations, 99)),
      std::to_string(r.evacuations.size()) + "/" + std::to_string(r.groups_with_tasks) + " (" +
          std::to_string(r.evacuated_before_down) + ")" +
          (r.not_evacuated > 0 ? ", " + std::to_string(r.not_evacuated) + " never" : ""),
      (r.min_running ? std::to_string(*r.min_running) : "-") + "/" + std::to_string(n),
      std::to_string(r.live_at_down) + " (" + fixed(r.lost_at_down, 0) + ")",
      count,
      r.launched >= static_cast<double>(n)
          ? fixed((r.launched - static_cast<double>(n)) / static_cast<double>(n), 2)
          : "-",
      fixed(r.scheduler_calls, 0),
  };
}

}  // namespace

void print_tables(const std::vector<Result>& results, std::size_t n) {
  std::vector<std::vector<std::string>> rows{columns()};
  for (const auto& result : results) {
    rows.push_back(cells(result, n));
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  std::printf("\n");
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c] + std::string(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    std::printf("%s\n", line.c_str());
  }
  std::printf("\nMarkdown, for the README:\n\n");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line = "|";
    for (const auto& cell : rows[r]) {
      line += " " + cell + " |";
    }
    std::printf("%s\n", line.c_str());
    if (r == 0) {
      line = "|";
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        line += c == 0 ? "---|" : "---:|";
      }
      std::printf("%s\n", line.c_str());
    }
  }
  std::printf(
      "\n- N RUNNING after: from the framework's start.\n"
      "- evacuation: from a group's schedule POST until N tasks are RUNNING and none is live on\n"
      "  the group's machines; for the groups that held a live task when posted, checked until\n"
      "  the group is UP again (before DOWN: done within the notice).\n"
      "- min RUNNING: the fewest seen from the first POST to the end.\n"
      "- live at DOWN: the framework's live tasks on a group's machines just before its\n"
      "  machine/down, summed over groups (in brackets: master/tasks_lost's rise across them).\n"
      "- moves per task: (tasks launched - N) / N, tasks launched being every task the master\n"
      "  knew of at the end.\n"
      "- HTTP calls: scheduler calls the master took over the whole run (its per-framework\n"
      "  master/frameworks/<name>/<id>/calls counters).\n");
  // Where the calls go: what a policy's call count is made of, to compare policies by type.
  std::printf("\nHTTP calls by type (the master's per-framework calls/<type> counters):\n\n");
  for (const auto& result : results) {
    std::string line = "- " + result.policy + ":";
    for (const auto& [type, count] : result.calls_by_type) {
      line += " " + type + " " + fixed(count, 0);
    }
    std::printf("%s\n", line.c_str());
  }
  for (const auto& result : results) {
    for (const auto& note : result.notes) {
      std::printf("- %s: %s\n", result.policy.c_str(), note.c_str());
    }
  }
}

}  // namespace iof::bench::maintenance
