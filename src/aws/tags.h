// AWS's common tag list form, [{"Key": k, "Value": v}, ...], to and from a map.
#pragma once

#include <map>
#include <string>

#include "core/json.h"

namespace stratus::aws {

// Adds (or overwrites) the tags of a Key/Value list; entries that are not objects are skipped.
inline void MergeTagList(const json::array* list, std::map<std::string, std::string>& into) {
  if (!list) return;
  for (const auto& t : *list)
    if (t.is_object())
      into[std::string(GetString(t.get_object(), "Key").value_or(""))] =
          std::string(GetString(t.get_object(), "Value").value_or(""));
}

inline json::array TagList(const std::map<std::string, std::string>& tags) {
  json::array list;
  for (const auto& [k, v] : tags) list.emplace_back(json::object{{"Key", k}, {"Value", v}});
  return list;
}

}  // namespace stratus::aws
