// The arithmetic a master does on resources: scalar totals, containment, sums and differences,
// each on Mesos Resources objects built as upstream builds them (see merge.cpp).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "iof/wire/resources.hpp"

#include "detail.hpp"

namespace iof::wire::text {

using mesos::v1::Resource;
using mesos::v1::Value;
using namespace detail;

namespace {

bool ranges_within(const Value::Ranges& want, const Value::Ranges& have) {
  const Value::Ranges wanted = coalesce(want, {});
  const Value::Ranges held = coalesce(have, {});
  return std::all_of(wanted.range().begin(), wanted.range().end(), [&](const Value::Range& w) {
    return std::any_of(held.range().begin(), held.range().end(), [&](const Value::Range& h) {
      return w.begin() >= h.begin() && w.end() <= h.end();
    });
  });
}

// mesos::contains(Resource, Resource) on normalized resources without allocation_info.
bool holds(const Resource& have, const Resource& want) {
  if (have.has_shared() != want.has_shared() || !same_kind(have, want, true)) {
    return false;
  }
  // Shared resources, exclusive disks and persistent volumes are only ever taken whole.
  bool whole = have.has_shared();
  if (have.has_disk()) {
    using Source = Resource::DiskInfo::Source;
    if (have.disk().has_source()) {
      const auto& source = have.disk().source();
      whole = whole || source.type() == Source::BLOCK || source.type() == Source::MOUNT ||
              (source.type() == Source::RAW && source.has_id());
    }
    whole = whole || have.disk().has_persistence();
  }
  if (whole && !same_amount(have, want)) {
    return false;
  }
  switch (have.type()) {
    case Value::SCALAR:
      return to_fixed(want.scalar().value()) <= to_fixed(have.scalar().value());
    case Value::RANGES:
      return ranges_within(want.ranges(), have.ranges());
    case Value::SET: {
      if (want.set().item_size() > have.set().item_size()) {
        return false;
      }
      const auto& items = have.set().item();
      return std::all_of(want.set().item().begin(), want.set().item().end(),
                         [&](const std::string& item) {
                           return std::find(items.begin(), items.end(), item) != items.end();
                         });
    }
    case Value::TEXT:
      break;
  }
  return false;
}

// Takes `take` out of `have`, both normalized and of the same kind; false when not held.
bool subtract_amount(Resource& have, const Resource& take) {
  switch (have.type()) {
    case Value::SCALAR: {
      const long long left = to_fixed(have.scalar().value());
      const long long right = to_fixed(take.scalar().value());
      if (right > left) {
        return false;
      }
      have.mutable_scalar()->set_value(to_floating(left - right));
      return true;
    }
    case Value::RANGES: {
      if (!ranges_within(take.ranges(), have.ranges())) {
        return false;
      }
      std::vector<Span> remaining = spans(coalesce(have.ranges(), {}));
      for (const Span& cut : spans(coalesce(take.ranges(), {}))) {
        std::vector<Span> next;
        for (const Span& span : remaining) {
          if (cut.end < span.begin || cut.begin > span.end) {
            next.push_back(span);
            continue;
          }
          if (cut.begin > span.begin) {
            next.push_back({span.begin, cut.begin - 1});
          }
          if (cut.end < span.end) {
            next.push_back({cut.end + 1, span.end});
          }
        }
        remaining = std::move(next);
      }
      *have.mutable_ranges() = remaining.empty() ? Value::Ranges{} : coalesce(remaining);
      return true;
    }
    case Value::SET: {
      auto* items = have.mutable_set()->mutable_item();
      for (const auto& item : take.set().item()) {
        const auto found = std::find(items->begin(), items->end(), item);
        if (found == items->end()) {
          return false;
        }
        items->erase(found);
      }
      return true;
    }
    case Value::TEXT:
      break;
  }
  return false;
}

}  // namespace

double scalar(const std::vector<Resource>& resources, std::string_view name) {
  long long total = 0;
  for (const auto& resource : resources) {
    if (resource.type() == Value::SCALAR && resource.name() == name) {
      total = fixed_add(total, to_fixed(resource.scalar().value()));
    }
  }
  return to_floating(total);
}

bool contains(const std::vector<Resource>& have, const std::vector<Resource>& want) {
  std::vector<Resource> remaining = normalized(have);
  for (const Resource& wanted : normalized(want)) {
    const auto match = std::find_if(remaining.begin(), remaining.end(),
                                    [&](const Resource& held) { return holds(held, wanted); });
    if (match == remaining.end()) {
      return false;
    }
    if (is_persistent_volume(wanted)) {
      remaining.erase(match);
    }
  }
  return true;
}

std::vector<Resource> sum(const std::vector<Resource>& left, const std::vector<Resource>& right) {
  std::vector<Resource> all = normalized(left);
  for (Resource resource : normalized(right)) {
    add(all, std::move(resource), true);
  }
  for (Resource& resource : all) {
    downgrade(resource);
  }
  return all;
}

Result<std::vector<Resource>> difference(const std::vector<Resource>& have,
                                         const std::vector<Resource>& take) {
  std::vector<Resource> remaining = normalized(have);
  for (const Resource& wanted : normalized(take)) {
    const auto match = std::find_if(remaining.begin(), remaining.end(), [&](const Resource& held) {
      return held.has_shared() == wanted.has_shared() && same_kind(held, wanted, true);
    });
    if (match == remaining.end() || !subtract_amount(*match, wanted)) {
      return Error{"Resource '" + resource_text(wanted) + "' is not held"};
    }
    if (is_empty(*match)) {
      remaining.erase(match);
    }
  }
  for (Resource& resource : remaining) {
    downgrade(resource);
  }
  return remaining;
}

}  // namespace iof::wire::text
