// Field and enum value names looked up the way the JSON readers look them up. Internal to the
// wire layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <google/protobuf/descriptor.h>

namespace iof::wire::json {

// A message type's fields, or an enum type's values, by name, as FindFieldByName and
// FindValueByName find them, without building a std::string per key or hashing through
// protobuf's global symbol table: a 50,000-offer event looks up millions of keys, and those
// lookups cost more than everything else its conversion does. Names are few per type, so a small
// open-addressed table hashed on a name's length and end characters finds most of them at the
// first slot, with one comparison. Built once per type and thread.
template <typename Item>
class NameIndex {
 public:
  struct Entry {
    std::string_view name;
    const Item* item = nullptr;
    // The item's index in its type, kept here: asking the descriptor costs two dependent loads
    // per key.
    int index = -1;
    // For a message field: its type's index, once asked for (see nested()).
    mutable const NameIndex* nested = nullptr;
    // For an enum field: its values' index, once asked for (see values()).
    mutable const NameIndex<google::protobuf::EnumValueDescriptor>* values = nullptr;
  };

  template <typename Owner>
  static const NameIndex& of(const Owner& owner) {
    thread_local std::unordered_map<const Owner*, NameIndex> cache;
    auto [found, added] = cache.try_emplace(&owner);
    if (added) {
      if constexpr (std::is_same_v<Owner, google::protobuf::Descriptor>) {
        found->second.build(owner.field_count(), [&](int i) { return owner.field(i); });
      } else {
        found->second.build(owner.value_count(), [&](int i) { return owner.value(i); });
      }
    }
    return found->second;
  }

  // The entry named `name`; nullptr when there is none.
  const Entry* find(std::string_view name) const {
    if (slots_.empty()) {
      return nullptr;
    }
    for (std::size_t slot = hash(name) & mask_;; slot = (slot + 1) & mask_) {
      const Entry& entry = slots_[slot];
      if (entry.item == nullptr) {
        return nullptr;
      }
      if (same(entry.name, name)) {
        return &entry;
      }
    }
  }

  // The index of a message field's type, remembered in its entry.
  static const NameIndex& nested(const Entry& entry) {
    if (entry.nested == nullptr) {
      entry.nested = &of(*entry.item->message_type());
    }
    return *entry.nested;
  }

  // The index of an enum field's values, remembered in its entry.
  static const NameIndex<google::protobuf::EnumValueDescriptor>& values(const Entry& entry) {
    if (entry.values == nullptr) {
      entry.values =
          &NameIndex<google::protobuf::EnumValueDescriptor>::of(*entry.item->enum_type());
    }
    return *entry.values;
  }

 private:
  static std::size_t hash(std::string_view name) {
    if (name.empty()) {
      return 0;
    }
    return name.size() * 31 + static_cast<unsigned char>(name.front()) * 7 +
           static_cast<unsigned char>(name.back()) * 3 +
           static_cast<unsigned char>(name[name.size() / 2]);
  }
  // Names are short: a loop the compiler keeps inline beats a call to memcmp.
  static bool same(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    return true;
  }

  template <typename ItemAt>
  void build(int count, const ItemAt& item_at) {
    if (count == 0) {
      return;
    }
    std::size_t size = 4;
    while (size < static_cast<std::size_t>(count) * 4) {
      size *= 2;
    }
    slots_.assign(size, Entry{});
    mask_ = size - 1;
    for (int i = 0; i < count; ++i) {
      const Item* item = item_at(i);
      std::size_t slot = hash(item->name()) & mask_;
      while (slots_[slot].item != nullptr) {
        slot = (slot + 1) & mask_;
      }
      slots_[slot] = Entry{item->name(), item, i};
    }
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
};

using FieldsByName = NameIndex<google::protobuf::FieldDescriptor>;
using EnumValuesByName = NameIndex<google::protobuf::EnumValueDescriptor>;

}  // namespace iof::wire::json
