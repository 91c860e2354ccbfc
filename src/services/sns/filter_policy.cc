// Filter policy language (Amazon SNS developer guide, "Subscription filter policies"):
// exact strings and numbers, anything-but (values, prefix, suffix), prefix, suffix,
// equals-ignore-case, numeric comparisons and ranges, exists, cidr, $or, nested keys.
#include "services/sns/filter_policy.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cmath>

namespace stratus::sns {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> AsNumber(const json::value& v) {
  if (v.is_number()) return v.to_number<double>();
  if (v.is_string()) {
    try {
      size_t used = 0;
      std::string s(v.get_string());
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (...) {
    }
  }
  return std::nullopt;
}

bool InCidr(std::string_view ip, std::string_view cidr) {
  auto slash = cidr.find('/');
  std::string net(cidr.substr(0, slash));
  int bits = slash == std::string_view::npos ? 32 : std::atoi(std::string(cidr.substr(slash + 1)).c_str());
  in_addr a{}, n{};
  if (inet_pton(AF_INET, std::string(ip).c_str(), &a) != 1 || inet_pton(AF_INET, net.c_str(), &n) != 1)
    return false;
  uint32_t mask = bits == 0 ? 0 : htonl(~uint32_t{0} << (32 - bits));
  return (a.s_addr & mask) == (n.s_addr & mask);
}

// One condition against one value (a string or a number; values of String.Array attributes
// and body arrays are tried one by one by the caller).
bool MatchCondition(const json::value& cond, const json::value& value) {
  if (cond.is_string()) return value.is_string() && value.get_string() == cond.get_string();
  if (cond.is_number()) {
    auto v = AsNumber(value);
    return v && std::fabs(*v - cond.to_number<double>()) < 1e-9;
  }
  if (cond.is_null()) return value.is_null();
  if (!cond.is_object()) return false;
  const auto& o = cond.get_object();
  if (const json::value* p = Find(o, "prefix"); p && p->is_string())
    return value.is_string() && value.get_string().subview().starts_with(p->get_string());
  if (const json::value* p = Find(o, "suffix"); p && p->is_string())
    return value.is_string() && value.get_string().subview().ends_with(p->get_string());
  if (const json::value* p = Find(o, "equals-ignore-case"); p && p->is_string())
    return value.is_string() && Lower(value.get_string()) == Lower(p->get_string());
  if (const json::value* c = Find(o, "cidr"); c && c->is_string())
    return value.is_string() && InCidr(value.get_string(), c->get_string());
  if (const json::value* n = Find(o, "numeric"); n && n->is_array()) {
    auto v = AsNumber(value);
    if (!v) return false;
    const auto& a = n->get_array();
    for (size_t i = 0; i + 1 < a.size(); i += 2) {
      std::string_view op = a[i].is_string() ? std::string_view(a[i].get_string()) : "";
      double x = a[i + 1].to_number<double>();
      bool ok = op == "=" ? *v == x : op == "<" ? *v < x : op == "<=" ? *v <= x
                : op == ">" ? *v > x : op == ">=" ? *v >= x : false;
      if (!ok) return false;
    }
    return true;
  }
  if (const json::value* ab = Find(o, "anything-but")) {
    if (ab->is_array()) {
      for (const auto& x : ab->get_array())
        if (MatchCondition(x, value)) return false;
      return true;
    }
    if (ab->is_object()) return !MatchCondition(*ab, value);
    return !MatchCondition(*ab, value);
  }
  return false;
}

bool IsExists(const json::value& cond, bool& want) {
  if (!cond.is_object()) return false;
  const json::value* e = Find(cond.get_object(), "exists");
  if (!e || !e->is_bool()) return false;
  want = e->get_bool();
  return true;
}

// A key's conditions (an array: any may match) against a present or absent value.
bool MatchKey(const json::array& conds, const json::value* value) {
  for (const auto& c : conds) {
    bool want = false;
    if (IsExists(c, want)) {
      if ((value != nullptr) == want) return true;
      continue;
    }
    if (!value) continue;
    // anything-but on an absent value does not match; on arrays, any element may match.
    if (value->is_array()) {
      for (const auto& e : value->get_array())
        if (MatchCondition(c, e)) return true;
    } else if (MatchCondition(c, *value)) {
      return true;
    }
  }
  return false;
}

bool MatchObject(const json::object& policy, const json::value* subject, bool body_scope,
                 bool top_level);

// The value a message attribute contributes: Number as a number, String.Array as an array,
// String as a string; Binary attributes never match.
std::optional<json::value> AttributeValue(const json::value& attr) {
  if (!attr.is_object()) return std::nullopt;
  std::string_view type = GetString(attr.get_object(), "Type").value_or("");
  std::string_view v = GetString(attr.get_object(), "Value").value_or("");
  if (type.starts_with("Number")) {
    json::value n = json::string(v);  // not braces: those would make an array
    if (auto d = AsNumber(n)) return json::value(*d);
    return std::nullopt;
  }
  if (type == "String.Array") {
    boost::system::error_code ec;
    auto parsed = json::parse(v, ec);
    if (!ec && parsed.is_array()) return parsed;
    return std::nullopt;
  }
  if (type.starts_with("String")) return json::value(json::string(v));
  return std::nullopt;
}

bool MatchObject(const json::object& policy, const json::value* subject, bool body_scope,
                 bool top_level) {
  for (const auto& [key, cond] : policy) {
    if (key == "$or") {
      if (!cond.is_array()) return false;
      bool any = false;
      for (const auto& alt : cond.get_array())
        if (alt.is_object() && MatchObject(alt.get_object(), subject, body_scope, top_level)) any = true;
      if (!any) return false;
      continue;
    }
    const json::value* value = nullptr;
    std::optional<json::value> attr_value;
    if (subject && subject->is_object()) {
      const json::value* raw = Find(subject->get_object(), key);
      if (raw && !body_scope && top_level) {
        attr_value = AttributeValue(*raw);
        value = attr_value ? &*attr_value : nullptr;
      } else {
        value = raw;
      }
    }
    if (cond.is_object()) {
      // Nested keys (body scope).
      if (!value || !value->is_object()) {
        // A nested policy whose every leaf is {"exists": false} matches an absent object.
        json::value empty = json::object();
        if (!MatchObject(cond.get_object(), nullptr, body_scope, false)) return false;
        continue;
      }
      if (!MatchObject(cond.get_object(), value, body_scope, false)) return false;
      continue;
    }
    if (!cond.is_array() || !MatchKey(cond.get_array(), value)) return false;
  }
  return true;
}

std::optional<std::string> CheckConditions(const json::array& conds, size_t& combos) {
  if (conds.empty()) return "Empty arrays are not allowed";
  combos *= conds.size();
  for (const auto& c : conds) {
    if (c.is_string() || c.is_number() || c.is_null() || c.is_bool()) continue;
    if (!c.is_object() || c.get_object().size() != 1) return "Unrecognized match type";
    const auto& [op, arg] = *c.get_object().begin();
    if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
      if (!arg.is_string()) return "" + std::string(op) + " match pattern must be a string";
    } else if (op == "exists") {
      if (!arg.is_bool()) return "exists match pattern must be either true or false.";
    } else if (op == "numeric") {
      if (!arg.is_array() || arg.get_array().empty() || arg.get_array().size() % 2 != 0 ||
          arg.get_array().size() > 4)
        return "Value of < must be numeric";
      for (size_t i = 0; i < arg.get_array().size(); i += 2) {
        const auto& o = arg.get_array()[i];
        if (!o.is_string()) return "Unrecognized numeric range operator";
        std::string_view s = o.get_string();
        if (s != "=" && s != "<" && s != "<=" && s != ">" && s != ">=")
          return "Unrecognized numeric range operator: " + std::string(s);
        if (!arg.get_array()[i + 1].is_number()) return "Value of " + std::string(s) + " must be numeric";
      }
    } else if (op == "anything-but") {
      if (!(arg.is_string() || arg.is_number() || arg.is_array() || arg.is_object()))
        return "Value of anything-but must be an array or single string/number value.";
    } else if (op == "cidr") {
      if (!arg.is_string()) return "Malformed CIDR, one '/' required";
    } else {
      return "Unrecognized match type " + std::string(op);
    }
  }
  return std::nullopt;
}

std::optional<std::string> CheckObject(const json::object& o, int depth, size_t& keys, size_t& combos) {
  if (depth > 5) return "Filter policy too complex";
  for (const auto& [k, v] : o) {
    if (k == "$or") {
      if (!v.is_array() || v.get_array().size() < 2) return "$or must have at least 2 elements";
      size_t total = 0;
      for (const auto& alt : v.get_array()) {
        if (!alt.is_object()) return "$or must contain objects";
        size_t sub = 1;
        if (auto e = CheckObject(alt.get_object(), depth + 1, keys, sub)) return e;
        total += sub;
      }
      combos *= total;
      continue;
    }
    if (v.is_object()) {
      if (auto e = CheckObject(v.get_object(), depth + 1, keys, combos)) return e;
      continue;
    }
    if (!v.is_array()) return "\"" + std::string(k) + "\" must be an object or an array";
    ++keys;
    if (auto e = CheckConditions(v.get_array(), combos)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ValidateFilterPolicy(const json::value& policy) {
  if (!policy.is_object()) return "Filter policy must be a JSON object";
  size_t keys = 0, combos = 1;
  if (auto e = CheckObject(policy.get_object(), 1, keys, combos)) return e;
  // AWS: at most 5 keys (attribute names or nested paths) and 150 combinations.
  if (keys > 5) return "Filter policy can not have more than 5 keys";
  if (combos > 150) return "Filter policy is too complex";
  return std::nullopt;
}

bool MatchesFilterPolicy(const json::value& policy, const json::value& subject, bool body_scope) {
  if (!policy.is_object()) return true;
  return MatchObject(policy.get_object(), &subject, body_scope, true);
}

}  // namespace stratus::sns
