// The canonical value of Stratus: the JSON-protocol form of a shape (member names as in the
// model, blobs as base64 strings, timestamps as epoch seconds). Boost.JSON holds it.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace stratus {
namespace json = boost::json;

// Member lookup helpers that never throw.
inline const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}
inline std::optional<std::string_view> GetString(const json::object& o, std::string_view key) {
  if (auto* v = Find(o, key); v && v->is_string()) return std::string_view(v->get_string());
  return std::nullopt;
}
inline std::optional<int64_t> GetInt(const json::object& o, std::string_view key) {
  if (auto* v = Find(o, key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
    if (v->is_double()) return static_cast<int64_t>(v->get_double());
  }
  return std::nullopt;
}
inline std::optional<bool> GetBool(const json::object& o, std::string_view key) {
  if (auto* v = Find(o, key); v && v->is_bool()) return v->get_bool();
  return std::nullopt;
}
inline const json::object* GetObject(const json::object& o, std::string_view key) {
  if (auto* v = Find(o, key); v && v->is_object()) return &v->get_object();
  return nullptr;
}
inline const json::array* GetArray(const json::object& o, std::string_view key) {
  if (auto* v = Find(o, key); v && v->is_array()) return &v->get_array();
  return nullptr;
}

}  // namespace stratus
