// --agent_attributes: the selectors and the Mesos --attributes text of each entry.
#include "iof/sim/agent_attributes.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace iof::sim {

namespace v1 = mesos::v1;

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

// Splits on any of `separators`, keeping empty pieces.
std::vector<std::string_view> split(std::string_view text, std::string_view separators) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find_first_of(separators, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      return out;
    }
    start = end + 1;
  }
}

template <class Number>
bool whole(std::string_view text, Number& out) {
  const auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && rest == text.data() + text.size() && !text.empty();
}

// '*', agentN or agent[N-M].
Result<AgentAttributeRule> selector(std::string_view text) {
  AgentAttributeRule rule;
  if (text == "*") {
    return rule;
  }
  const Error bad{"Invalid agent selector '" + std::string(text) +
                  "': expected '*', agentN or agent[N-M]"};
  if (!text.starts_with("agent")) {
    return bad;
  }
  text.remove_prefix(5);
  if (whole(text, rule.first)) {
    rule.last = rule.first;
    return rule;
  }
  const auto dash = text.find('-');
  if (!text.starts_with('[') || !text.ends_with(']') || dash == std::string_view::npos ||
      !whole(text.substr(1, dash - 1), rule.first) ||
      !whole(text.substr(dash + 1, text.size() - dash - 2), rule.last)) {
    return bad;
  }
  if (rule.first > rule.last) {
    return Error{"Invalid agent selector 'agent" + std::string(text) +
                 "': " + std::to_string(rule.first) + " is above " + std::to_string(rule.last)};
  }
  return rule;
}

// "[1-10,20-30]" as ranges.
bool ranges(std::string_view text, v1::Value::Ranges& out) {
  text = trim(text.substr(1, text.size() - 2));
  for (const auto piece : split(text, ",")) {
    const auto item = trim(piece);
    const auto dash = item.find('-');
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    if (dash == std::string_view::npos || !whole(trim(item.substr(0, dash)), begin) ||
        !whole(trim(item.substr(dash + 1)), end) || begin > end) {
      return false;
    }
    auto* range = out.add_range();
    range->set_begin(begin);
    range->set_end(end);
  }
  return true;
}

// One name:value pair, typed as Attributes::parse types it.
Result<v1::Attribute> attribute(std::string_view pair) {
  const auto colon = pair.find(':');
  const auto name = colon == std::string_view::npos ? std::string_view() : pair.substr(0, colon);
  const auto value =
      colon == std::string_view::npos ? std::string_view() : trim(pair.substr(colon + 1));
  if (name.empty() || value.empty()) {
    return Error{"Invalid attribute key:value pair '" + std::string(pair) + "'"};
  }
  v1::Attribute out;
  out.set_name(std::string(name));
  double number = 0;
  if (value.starts_with('{')) {
    return Error{"Attribute '" + std::string(name) +
                 "' is a set: agents take only text, scalar and ranges attributes"};
  }
  if (value.starts_with('[')) {
    out.set_type(v1::Value::RANGES);
    if (!value.ends_with(']') || !ranges(value, *out.mutable_ranges())) {
      return Error{"Invalid ranges '" + std::string(value) + "' for attribute '" +
                   std::string(name) + "': expected [N-M,...]"};
    }
  } else if (whole(value, number) && std::isfinite(number)) {
    out.set_type(v1::Value::SCALAR);
    out.mutable_scalar()->set_value(number);
  } else {
    out.set_type(v1::Value::TEXT);
    out.mutable_text()->set_value(std::string(value));
  }
  return out;
}

}  // namespace

Result<std::vector<AgentAttributeRule>> parse_agent_attributes(std::string_view text) {
  std::vector<AgentAttributeRule> rules;
  if (trim(text).empty()) {
    return rules;
  }
  for (const auto piece : split(text, "|")) {
    const auto entry = trim(piece);
    const auto equals = entry.find('=');
    if (equals == std::string_view::npos) {
      return Error{"Invalid entry '" + std::string(entry) + "': expected SELECTOR=ATTRIBUTES"};
    }
    auto rule = selector(trim(entry.substr(0, equals)));
    if (!rule) {
      return rule.error();
    }
    for (const auto token : split(entry.substr(equals + 1), ";\n")) {
      if (trim(token).empty()) {
        continue;  // tokenized as upstream does: empty tokens vanish
      }
      auto parsed = attribute(trim(token));
      if (!parsed) {
        return parsed.error();
      }
      rule->attributes.push_back(std::move(*parsed));
    }
    if (rule->attributes.empty()) {
      return Error{"Invalid entry '" + std::string(entry) + "': no attributes"};
    }
    rules.push_back(std::move(*rule));
  }
  return rules;
}

std::vector<v1::Attribute> attributes_for(const std::vector<AgentAttributeRule>& rules,
                                          std::uint64_t ordinal) {
  std::vector<v1::Attribute> out;
  for (const auto& rule : rules) {
    if (ordinal < rule.first || ordinal > rule.last) {
      continue;
    }
    for (const auto& attribute : rule.attributes) {
      bool replaced = false;
      for (auto& existing : out) {
        if (existing.name() == attribute.name()) {
          existing = attribute;
          replaced = true;
        }
      }
      if (!replaced) {
        out.push_back(attribute);
      }
    }
  }
  return out;
}

}  // namespace iof::sim
