#include "aws/validate.h"

#include <cctype>
#include <mutex>
#include <regex>
#include <unordered_map>

#include <boost/json/serialize.hpp>

#include "aws/protocol/codec.h"
#include "core/utf8.h"

namespace stratus::aws {
namespace {

std::string Lower1(std::string_view name) {
  std::string s(name);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::u32string ToU32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    out += NextCodePoint(s, i, cp) ? static_cast<char32_t>(cp) : U'\xfffd';
  }
  return out;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

// Java-style model patterns as a std::wregex: "\uXXXX" escapes (AWS models also write
// 5- and 6-digit ones such as \u10000) become the code point itself.
const std::wregex* Pattern(const Shape& shape) {
  static std::mutex mu;
  static std::unordered_map<const Shape*, std::unique_ptr<std::wregex>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(&shape);
  if (it != cache.end()) return it->second.get();
  std::wstring p;
  const std::string& src = shape.pattern;
  std::u32string u = ToU32(src);
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i] == U'\\' && i + 1 < u.size() && u[i + 1] == U'u') {
      size_t j = i + 2;
      uint32_t cp = 0;
      size_t digits = 0;
      auto hexval = [](char32_t c) -> int {
        if (c >= U'0' && c <= U'9') return static_cast<int>(c - U'0');
        if (c >= U'a' && c <= U'f') return static_cast<int>(c - U'a' + 10);
        if (c >= U'A' && c <= U'F') return static_cast<int>(c - U'A' + 10);
        return -1;
      };
      while (j < u.size() && digits < 6 && hexval(u[j]) >= 0) {
        uint32_t next = cp * 16 + static_cast<uint32_t>(hexval(u[j]));
        if (digits >= 4 && next > 0x10FFFF) break;
        cp = next;
        ++j;
        ++digits;
      }
      if (digits >= 4) {
        if (cp < 0x80) {
          wchar_t buf[8];
          swprintf(buf, 8, L"\\x%02x", cp);
          p += buf;
        } else {
          p += static_cast<wchar_t>(cp);
        }
        i = j - 1;
        continue;
      }
    }
    if (u[i] == U'\\' && i + 1 < u.size() && (u[i + 1] == U'p' || u[i + 1] == U'P' ||
                                               u[i + 1] == U'A' || u[i + 1] == U'Z' ||
                                               u[i + 1] == U'z' || u[i + 1] == U'h')) {
      // Unsupported by ECMAScript regexes: skip validating this pattern.
      cache[&shape] = nullptr;
      return nullptr;
    }
    p += static_cast<wchar_t>(u[i]);
  }
  std::unique_ptr<std::wregex> re;
  try {
    re = std::make_unique<std::wregex>(p, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error&) {
    re = nullptr;
  }
  auto* raw = re.get();
  cache[&shape] = std::move(re);
  return raw;
}

std::string FormatValue(const Shape& shape, const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_array()) {
    std::string s = "[";
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) s += ", ";
      first = false;
      s += shape.type == ShapeType::List ? FormatValue(*shape.member.shape, e) : json::serialize(e);
    }
    return s + "]";
  }
  return ScalarToText(shape, v, TsFormat::Default);
}

std::string FormatNumber(double d) {
  if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
  return std::to_string(d);
}

// The path of a value in AWS's form ("tags.1.member.key"), built only when an error is
// reported: validation runs on every request and almost always passes.
struct Path {
  const Path* parent;
  std::string_view name;   // a member name (first letter lowered on rendering) or literal
  bool member;             // name is a member name
  size_t index = 0;        // list element (1-based) when name is empty and index > 0
  std::string Render() const {
    std::string head = parent ? parent->Render() : std::string();
    std::string part;
    if (index > 0) part = std::to_string(index);
    else part = member ? Lower1(name) : std::string(name);
    if (head.empty()) return part;
    return head + "." + part;
  }
};

class Validator {
 public:
  std::vector<std::string> errors;
  bool check_enums = true;

  void Check(const MemberRef& ref, const json::value* v, const Path& path) {
    const Shape& s = *ref.shape;
    if (!v || v->is_null()) {
      if (ref.required) Add(s, nullptr, path, "Member must not be null");
      return;
    }
    switch (s.type) {
      case ShapeType::Structure:
        if (!v->is_object()) return;
        for (const auto& m : s.members) {
          Path child{&path, m.name, true};
          Check(m, Find(v->get_object(), m.name), child);
        }
        return;
      case ShapeType::List: {
        if (!v->is_array()) return;
        const auto& arr = v->get_array();
        Length(s, *v, arr.size(), path);
        size_t i = 1;
        for (const auto& e : arr) {
          Path idx{&path, {}, false, i++};
          Path member{&idx, "member", false};
          Check(s.member, &e, member);
        }
        return;
      }
      case ShapeType::Map: {
        if (!v->is_object()) return;
        Length(s, *v, v->get_object().size(), path);
        for (const auto& [k, e] : v->get_object()) {
          Path key_path{&path, k, false};
          Path key{&key_path, "key", false};
          json::value key_value(k);
          CheckScalar(*s.key.shape, key_value, key);
          Path value{&key_path, "member", false};
          Check(s.value, &e, value);
        }
        return;
      }
      default:
        CheckScalar(s, *v, path);
    }
  }

 private:
  void Add(const Shape& s, const json::value* v, const Path& path, const std::string& what) {
    std::string msg = "Value ";
    if (!v) msg += "null ";
    else if (!s.sensitive) msg += "'" + FormatValue(s, *v) + "' ";
    msg += "at '" + path.Render() + "' failed to satisfy constraint: " + what;
    errors.push_back(std::move(msg));
  }

  void Length(const Shape& s, const json::value& v, size_t n, const Path& path) {
    if (s.min && static_cast<double>(n) < *s.min)
      Add(s, &v, path, "Member must have length greater than or equal to " + FormatNumber(*s.min));
    if (s.max && static_cast<double>(n) > *s.max)
      Add(s, &v, path, "Member must have length less than or equal to " + FormatNumber(*s.max));
  }

  void CheckScalar(const Shape& s, const json::value& v, const Path& path) {
    if (s.type == ShapeType::String && v.is_string()) {
      std::string_view str = v.get_string();
      if (s.min || s.max) Length(s, v, CodePoints(str), path);
      if (check_enums && !s.enums.empty()) {
        bool ok = false;
        for (const auto& e : s.enums) ok |= e == str;
        if (!ok) {
          std::string set;
          for (const auto& e : s.enums) set += (set.empty() ? "" : ", ") + e;
          Add(s, &v, path, "Member must satisfy enum value set: [" + set + "]");
        }
      }
      if (!s.pattern.empty()) {
        if (const std::wregex* re = Pattern(s)) {
          std::u32string u = ToU32(str);
          std::wstring w(u.begin(), u.end());
          if (!std::regex_match(w, *re))
            Add(s, &v, path, "Member must satisfy regular expression pattern: " + s.pattern);
        }
      }
    } else if (s.type == ShapeType::Blob && v.is_string()) {
      if (!s.min && !s.max) return;
      std::string_view b64 = v.get_string();
      size_t pad = 0;
      while (pad < b64.size() && b64[b64.size() - 1 - pad] == '=') ++pad;
      Length(s, v, b64.size() / 4 * 3 - (pad > 2 ? 2 : pad), path);
    } else if (s.IsNumber() && v.is_number()) {
      double d = v.to_number<double>();
      if (s.min && d < *s.min)
        Add(s, &v, path, "Member must have value greater than or equal to " + FormatNumber(*s.min));
      if (s.max && d > *s.max)
        Add(s, &v, path, "Member must have value less than or equal to " + FormatNumber(*s.max));
    }
  }
};

}  // namespace

std::optional<std::string> ValidateInput(const Shape& input, const json::value& value,
                                         bool check_enums) {
  Validator v;
  v.check_enums = check_enums;
  MemberRef top;
  top.shape = &input;
  if (!value.is_object()) return std::nullopt;
  for (const auto& m : input.members) {
    Path path{nullptr, m.name, true};
    v.Check(m, Find(value.get_object(), m.name), path);
  }
  if (v.errors.empty()) return std::nullopt;
  std::string msg = std::to_string(v.errors.size()) +
                    (v.errors.size() == 1 ? " validation error detected: "
                                          : " validation errors detected: ");
  for (size_t i = 0; i < v.errors.size(); ++i) {
    if (i) msg += "; ";
    msg += v.errors[i];
  }
  return msg;
}

}  // namespace stratus::aws
