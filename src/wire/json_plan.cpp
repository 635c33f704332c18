#include "json_plan.hpp"

#include <algorithm>
#include <unordered_map>

#include <google/protobuf/descriptor.pb.h>

namespace iof::wire::json {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

FieldPlan plan_field(const FieldDescriptor& field) {
  FieldPlan plan{
      &field,
      {},
      field.cpp_type(),
      field.type(),
      field.is_repeated(),
      field.is_map(),
      !field.is_repeated() && field.has_default_value() && !field.options().deprecated()};
  append_quoted(field.name(), plan.key);
  plan.key += ':';
  return plan;
}

const TypePlan& plan_of(const Descriptor& descriptor, KeyOrder order) {
  thread_local std::unordered_map<const Descriptor*, TypePlan> plans[2];
  auto [found, inserted] = plans[order == KeyOrder::sorted ? 1 : 0].try_emplace(&descriptor);
  TypePlan& plan = found->second;
  if (!inserted) {
    return plan;
  }
  int largest_number = 0;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    plan.fields.push_back(plan_field(*descriptor.field(i)));
    largest_number = std::max(largest_number, descriptor.field(i)->number());
  }
  if (order == KeyOrder::sorted) {
    std::sort(plan.fields.begin(), plan.fields.end(),
              [](const auto& a, const auto& b) { return a.field->name() < b.field->name(); });
  }
  // Field numbers of Mesos messages are small; a table indexed by number is the quickest lookup.
  // A type numbering its fields into the millions gets none, and is written by reflection.
  constexpr int largest_tabled_number = 1 << 16;
  if (largest_number > largest_tabled_number) {
    return plan;
  }
  plan.position_by_number.assign(static_cast<std::size_t>(largest_number) + 1, -1);
  for (std::size_t position = 0; position < plan.fields.size(); ++position) {
    plan.position_by_number[static_cast<std::size_t>(plan.fields[position].field->number())] =
        static_cast<int>(position);
  }
  return plan;
}

}  // namespace iof::wire::json
