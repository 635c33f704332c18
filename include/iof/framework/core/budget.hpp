#pragma once

// A disruption budget as Kubernetes writes one (a Deployment's maxSurge / maxUnavailable): a
// count of tasks, or a percentage of N. Parsed once from a flag, resolved against N to the count
// the evacuate policy uses.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace iof::framework {

struct Budget {
  enum class Kind { count, percent };
  // Kubernetes rounds maxSurge up and maxUnavailable down, so that a percentage never forbids
  // all surge and never allows more missing tasks than it says.
  enum class Rounding { up, down };

  Kind kind = Kind::count;
  std::uint32_t value = 0;  // tasks, or percent of N

  // The count for N tasks.
  std::uint32_t resolve(std::uint32_t n, Rounding rounding) const {
    if (kind == Kind::count) {
      return value;
    }
    const std::uint64_t scaled = static_cast<std::uint64_t>(n) * value;
    const std::uint64_t count = rounding == Rounding::up ? (scaled + 99) / 100 : scaled / 100;
    return static_cast<std::uint32_t>(count);
  }

  friend bool operator==(const Budget&, const Budget&) = default;
};

// The largest count a budget flag takes, and the largest surge percentage: with N at most
// 1,000,000 every resolved budget, and N plus it, stays far within 32 bits. (Kubernetes sets no
// limit on a maxSurge percentage; ten times N is already more than any cluster offers.)
inline constexpr std::uint32_t max_budget_value = 1'000'000;
inline constexpr std::uint32_t max_surge_percent = 1'000;

// "3" or "25%": digits only, no sign, no spaces. A percentage above `max_percent` is refused
// (Kubernetes lets maxSurge exceed 100%, never maxUnavailable).
inline std::optional<Budget> parse_budget(std::string_view text, std::uint32_t max_percent) {
  Budget budget;
  if (text.ends_with('%')) {
    budget.kind = Budget::Kind::percent;
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), budget.value);
  if (error != std::errc() || rest != text.data() + text.size()) {
    return std::nullopt;
  }
  const std::uint32_t limit = budget.kind == Budget::Kind::percent ? max_percent : max_budget_value;
  if (budget.value > limit) {
    return std::nullopt;
  }
  return budget;
}

}  // namespace iof::framework
