// Pipelined calls, measured: calls a second against the mesos-sim binary over real HTTP, and the
// time the framework's runtime takes to acknowledge a storm of status updates, each with the
// call window 1 (one call at a time, as before pipelining) and with the default window.
// Each runs on loopback and behind a proxy that adds a round trip (1 ms by default, a datacenter
// network's order), where the round trips that pipelining saves show.
// Usage: calls_bench [--calls=20000] [--storm=10000] [--windows=1,64] [--rtts_us=0,1000]
//                    [--rounds=3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "iof/framework/session.hpp"

#include "bench.hpp"

namespace {

struct Options {
  std::size_t calls = 20000;
  std::size_t storm = 10000;
  std::vector<std::size_t> windows{1, iof::framework::default_call_window};
  std::vector<std::size_t> rtts_us{0, 1000};
  std::size_t rounds = 3;
};

std::size_t number(std::string_view text, std::string_view flag) {
  char* end = nullptr;
  const std::string copy(text);
  const unsigned long long value = std::strtoull(copy.c_str(), &end, 10);
  if (copy.empty() || *end != '\0' || value == 0 || value > 10'000'000) {
    throw std::runtime_error(
        fmt::format("Invalid value '{}' for {}: expected 1..10000000", copy, flag));
  }
  return static_cast<std::size_t>(value);
}

std::vector<std::size_t> numbers(std::string_view text, std::string_view flag, bool zero) {
  std::vector<std::size_t> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    out.push_back(zero && item == "0" ? 0 : number(item, flag));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  if (out.empty()) {
    throw std::runtime_error(fmt::format("Invalid value for {}: expected a list", flag));
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view flag) -> std::optional<std::string_view> {
      if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=') {
        return arg.substr(flag.size() + 1);
      }
      return std::nullopt;
    };
    if (auto calls = value("--calls")) {
      options.calls = number(*calls, "--calls");
    } else if (auto storm = value("--storm")) {
      options.storm = number(*storm, "--storm");
    } else if (auto rounds = value("--rounds")) {
      options.rounds = number(*rounds, "--rounds");
    } else if (auto rtts = value("--rtts_us")) {
      options.rtts_us = numbers(*rtts, "--rtts_us", true);
    } else if (auto windows = value("--windows")) {
      options.windows = numbers(*windows, "--windows", false);
      if (*std::max_element(options.windows.begin(), options.windows.end()) > 1024) {
        throw std::runtime_error("Invalid value for --windows: expected windows of 1..1024");
      }
    } else {
      throw std::runtime_error(
          fmt::format("Unknown argument '{}'; usage: calls_bench [--calls=N] [--storm=N] "
                      "[--windows=1,64] [--rtts_us=0,1000] [--rounds=N]",
                      arg));
    }
  }
  return options;
}

// The best of `rounds`: the least disturbed by whatever else the machine runs.
template <class Run>
double best(std::size_t rounds, Run run) {
  double out = 0;
  for (std::size_t i = 0; i < rounds; ++i) {
    out = std::max(out, run());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options options = parse(argc, argv);
    spdlog::set_level(spdlog::level::off);
    std::vector<std::string> comparisons;
    std::printf("calls_bench: %zu calls against mesos-sim, a storm of %zu updates, best of %zu\n\n",
                options.calls, options.storm, options.rounds);
    std::printf("| round trip | window | DECLINE calls/s to mesos-sim | storm acknowledged in |\n");
    std::printf("|---:|---:|---:|---:|\n");
    for (const auto rtt_us : options.rtts_us) {
      const std::chrono::microseconds rtt(rtt_us);
      std::vector<std::pair<double, double>> results;
      for (const auto window : options.windows) {
        const double calls_per_second = best(options.rounds, [&] {
          return iof::bench::calls_per_second(options.calls, window, rtt);
        });
        // The best storm is the shortest: best() keeps the largest of what it is given.
        const double storm_seconds =
            1 / best(options.rounds,
                     [&] { return 1 / iof::bench::storm_seconds(options.storm, window, rtt); });
        results.emplace_back(calls_per_second, storm_seconds);
        std::printf("| %.1f ms | %zu | %.0f | %.3f s |\n", static_cast<double>(rtt_us) / 1000,
                    window, calls_per_second, storm_seconds);
        std::fflush(stdout);
      }
      if (results.size() > 1) {
        comparisons.push_back(fmt::format(
            "round trip {:.1f} ms, window {} against window {}: calls/s x{:.1f}, storm time "
            "{:.3f} s against {:.3f} s (x{:.1f} faster)",
            static_cast<double>(rtt_us) / 1000, options.windows.back(), options.windows.front(),
            results.back().first / results.front().first, results.back().second,
            results.front().second, results.front().second / results.back().second));
      }
    }
    std::printf("\n");
    for (const auto& line : comparisons) {
      std::printf("%s\n", line.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "calls_bench: %s\n", e.what());
    return 1;
  }
}
