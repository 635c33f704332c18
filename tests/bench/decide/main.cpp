// The decision benchmark (issue 17): how fast the framework turns what a large master sends into
// calls, against how fast protobuf alone parses the same bytes (the practical limit).
//
//   scripts/bench-decide.sh [flags]     (builds, then runs this program)
//
// For OFFERS events of each size (one offer per agent, shaped like a real master's) and for
// storms of status updates, it prints the raw protobuf parse rate of the event bytes, the
// framework's decode + decide + encode rate in protobuf and in JSON, and their ratios, each the
// best of --repeat runs. "start" is a framework with no task yet getting the event (it launches
// --tasks tasks); "steady" is the same framework once those run (it declines everything). Then it
// checks the targets and exits 1 if one is missed:
// - linear cost: cost(50k) / cost(5k) <= 12, per scenario and encoding;
// - protobuf at the largest size: decode + decide + encode at >= 30% of the raw parse rate;
// - JSON within 3x of protobuf at every size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "iof/common/memory.hpp"
#include "iof/framework/state_file.hpp"

#include "cluster_events.hpp"
#include "framework_driver.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using iof::bench::FrameworkDriver;
using iof::wire::ContentType;
namespace v1 = mesos::v1;

const std::string framework_id = "9bb5ef83-7767-42da-a174-28e30947f6e6-0001";

// The best of `repeat` timings of `run`, each after its own untimed `prepare`.
double best_seconds(int repeat, const std::function<void()>& prepare,
                    const std::function<void()>& run) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    prepare();
    const auto start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

double raw_parse_seconds(int repeat, const std::vector<std::string>& bodies) {
  return best_seconds(
      repeat, [] {},
      [&] {
        for (const auto& body : bodies) {
          v1::scheduler::Event event;
          if (!event.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
            std::fprintf(stderr, "raw parse failed\n");
            std::exit(2);
          }
        }
      });
}

struct Row {
  std::string scenario;
  std::size_t size = 0;  // offers or updates in the event(s)
  double raw = 0;        // seconds
  std::map<ContentType, double> framework;
  std::size_t calls = 0;
};

std::string size_text(std::size_t n) {
  return n % 1000 == 0 ? std::to_string(n / 1000) + "k" : std::to_string(n);
}

void print_row(const Row& row) {
  const double pb = row.framework.at(ContentType::protobuf);
  const double json = row.framework.at(ContentType::json);
  const auto rate = [&](double seconds) { return static_cast<double>(row.size) / seconds / 1000; };
  std::printf(
      "| %-24s | %6s | %9.0f k/s | %9.1f ms %8.0f k/s | %5.0f%% | %9.1f ms %8.0f k/s | %5.2fx "
      "| %6zu |\n",
      row.scenario.c_str(), size_text(row.size).c_str(), rate(row.raw), pb * 1000, rate(pb),
      100 * row.raw / pb, json * 1000, rate(json), json / pb, row.calls);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  iof::retain_freed_memory();  // as the framework and mesos-sim do
  CLI::App app{"decide_bench: decode + decide + encode against the raw protobuf parse rate"};
  std::vector<std::size_t> sizes{1000, 5000, 10000, 50000};
  std::uint32_t tasks = 500;
  std::size_t storm = 10000;
  int repeat = 3;
  std::uint32_t state_tasks = 5000;
  bool check_targets = true;
  app.add_option("--sizes", sizes, "offers per OFFERS event (agents)")->delimiter(',');
  app.add_option("--tasks", tasks, "tasks the framework runs in the OFFERS scenarios");
  app.add_option("--storm", storm, "updates in each storm (and tasks running then); 0: none");
  app.add_option("--repeat", repeat, "runs per measurement; the best is printed")
      ->check(CLI::Range(1, 100));
  app.add_option("--state_tasks", state_tasks, "tasks in the state file measured; 0: none");
  app.add_flag("!--no-targets", check_targets, "print only; do not check the issue's targets");
  CLI11_PARSE(app, argc, argv);
  std::sort(sizes.begin(), sizes.end());

  std::printf("decide_bench: evacuate policy, default flags; best of %d runs\n", repeat);
  std::printf("| %-24s | %6s | %13s | %24s | %6s | %24s | %6s | %6s |\n", "event", "size",
              "raw pb parse", "framework protobuf", "ratio", "framework JSON", "j/pb", "calls");
  std::printf(
      "|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(26, '-').c_str(), std::string(8, '-').c_str(),
      std::string(15, '-').c_str(), std::string(26, '-').c_str(), std::string(8, '-').c_str(),
      std::string(26, '-').c_str(), std::string(8, '-').c_str(), std::string(8, '-').c_str());

  std::vector<Row> rows;
  struct EventSize {
    std::size_t offers, wire_bytes, parsed_bytes;
  };
  std::vector<EventSize> sizes_seen;
  for (const std::size_t n : sizes) {
    const auto event = iof::bench::offers_event(framework_id, n, 1);
    Row start;
    start.scenario = "OFFERS start (launch " + std::to_string(tasks) + ")";
    start.size = n;
    Row steady;
    steady.scenario = "OFFERS steady (decline)";
    steady.size = n;
    start.raw = steady.raw = raw_parse_seconds(repeat, {event.SerializeAsString()});
    for (const auto type : {ContentType::protobuf, ContentType::json}) {
      const std::string bytes = iof::bench::frame(event, type);
      std::unique_ptr<FrameworkDriver> driver;
      start.framework[type] = best_seconds(
          repeat, [&] { driver = std::make_unique<FrameworkDriver>(type, tasks, framework_id); },
          [&] { driver->feed(bytes); });
      start.calls = driver->calls_sent();
      for (const auto& update : iof::bench::update_events(driver->launched(), false)) {
        driver->feed(iof::bench::frame(update, type));
      }
      driver->advance(std::chrono::seconds(1));
      const std::size_t calls_before = driver->calls_sent();
      const std::string again =
          iof::bench::frame(iof::bench::offers_event(framework_id, n, 2), type);
      steady.framework[type] = best_seconds(
          repeat, [] {}, [&] { driver->feed(again); });
      steady.calls = (driver->calls_sent() - calls_before) / static_cast<std::size_t>(repeat);
    }
    print_row(start);
    print_row(steady);
    sizes_seen.push_back({n, event.ByteSizeLong(), event.SpaceUsedLong()});
    rows.push_back(start);
    rows.push_back(steady);
  }

  if (storm > 0) {
    // A framework running `storm` tasks, one per agent of a cluster five times that size.
    const auto placed = iof::bench::offers_event(framework_id, storm * 5, 1);
    for (const bool reconciliation : {false, true}) {
      Row row;
      row.scenario = reconciliation ? "UPDATE reconciliation" : "UPDATE RUNNING (ack each)";
      row.size = storm;
      std::vector<std::string> bodies;
      for (const auto type : {ContentType::protobuf, ContentType::json}) {
        const std::string offers = iof::bench::frame(placed, type);
        std::string bytes;
        std::unique_ptr<FrameworkDriver> driver;
        std::size_t calls_before = 0;
        row.framework[type] = best_seconds(
            repeat,
            [&] {
              driver = std::make_unique<FrameworkDriver>(type, static_cast<std::uint32_t>(storm),
                                                         framework_id);
              driver->feed(offers);
              bytes.clear();
              bodies.clear();
              for (const auto& update :
                   iof::bench::update_events(driver->launched(), reconciliation)) {
                bytes += iof::bench::frame(update, type);
                bodies.push_back(update.SerializeAsString());
              }
              calls_before = driver->calls_sent();
            },
            [&] { driver->feed(bytes); });
        row.calls = driver->calls_sent() - calls_before;
      }
      row.raw = raw_parse_seconds(repeat, bodies);
      print_row(row);
      rows.push_back(row);
    }
  }

  std::printf("\n");
  for (const auto& seen : sizes_seen) {
    std::printf("OFFERS event of %s offers: %.1f MB in protobuf, %.1f MB parsed in memory\n",
                size_text(seen.offers).c_str(), static_cast<double>(seen.wire_bytes) / 1e6,
                static_cast<double>(seen.parsed_bytes) / 1e6);
  }
  if (state_tasks > 0) {
    // The --state_file of a framework running `state_tasks` tasks: its size, and the time to take
    // the snapshot and write it (temporary file, fsync, rename, fsync of the directory).
    FrameworkDriver driver(ContentType::protobuf, state_tasks, framework_id);
    driver.feed(iof::bench::frame(iof::bench::offers_event(framework_id, state_tasks * 2, 1),
                                  ContentType::protobuf));
    for (const auto& update : iof::bench::update_events(driver.launched(), false)) {
      driver.feed(iof::bench::frame(update, ContentType::protobuf));
    }
    const auto directory = std::filesystem::temp_directory_path() / "decide_bench_state";
    std::filesystem::create_directories(directory);
    const std::string path = (directory / "state.json").string();
    const double seconds = best_seconds(
        repeat, [] {},
        [&] {
          if (auto saved =
                  iof::framework::save_state_file(path, driver.session().core().snapshot());
              !saved) {
            std::fprintf(stderr, "%s\n", saved.error().message.c_str());
            std::exit(2);
          }
        });
    std::printf("state file with %u tasks: %ju bytes, snapshot + write %.1f ms\n", state_tasks,
                static_cast<std::uintmax_t>(std::filesystem::file_size(path)), seconds * 1000);
    std::filesystem::remove_all(directory);
  }

  if (!check_targets) {
    return 0;
  }
  bool met = true;
  const auto verdict = [&](bool ok, const std::string& what) {
    std::printf("%s  %s\n", ok ? "met   " : "MISSED", what.c_str());
    met = met && ok;
  };
  std::printf("\ntargets\n");
  const auto find = [&](const std::string& prefix, std::size_t n) -> const Row* {
    for (const auto& row : rows) {
      if (row.size == n && row.scenario.rfind(prefix, 0) == 0) {
        return &row;
      }
    }
    return nullptr;
  };
  const std::size_t largest = sizes.back();
  for (const std::string prefix : {"OFFERS start", "OFFERS steady"}) {
    const Row* small = find(prefix, 5000);
    const Row* big = find(prefix, 50000);
    for (const auto type : {ContentType::protobuf, ContentType::json}) {
      if (small && big) {
        const double ratio = big->framework.at(type) / small->framework.at(type);
        char text[160];
        std::snprintf(text, sizeof text, "%s %s: cost(50k) / cost(5k) = %.1f <= 12", prefix.c_str(),
                      type == ContentType::json ? "JSON" : "protobuf", ratio);
        verdict(ratio <= 12, text);
      }
    }
    if (const Row* row = find(prefix, largest)) {
      const double share = row->raw / row->framework.at(ContentType::protobuf);
      char text[160];
      std::snprintf(text, sizeof text, "%s protobuf at %s: %.0f%% of the raw parse rate >= 30%%",
                    prefix.c_str(), size_text(largest).c_str(), 100 * share);
      verdict(share >= 0.30, text);
    }
  }
  for (const auto& row : rows) {
    const double factor =
        row.framework.at(ContentType::json) / row.framework.at(ContentType::protobuf);
    char text[160];
    std::snprintf(text, sizeof text, "%s %s: JSON %.2fx protobuf <= 3x", row.scenario.c_str(),
                  size_text(row.size).c_str(), factor);
    verdict(factor <= 3, text);
  }
  return met ? 0 : 1;
}
