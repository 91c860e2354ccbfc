// Shared pieces of the expression layer: ExpressionAttributeNames/Values bookkeeping, document
// path text and overlap checks, type names in messages. Pinned by
// tests/unit/dynamodb_expression_test.cc.
#include <string>
#include <vector>

#include "services/dynamodb/expression_internal.h"

namespace stratus::dynamodb {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "[a, [2], c]" as AWS prints paths in overlap messages.
std::string PathForMessage(const Path& p) {
  std::string out = "[";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) out += ", ";
    if (p[i].index >= 0) out += "[" + std::to_string(p[i].index) + "]";
    else out += p[i].name;
  }
  return out + "]";
}


}  // namespace

std::string_view LongTypeName(Type t) {
  switch (t) {
    case Type::kS: return "STRING";
    case Type::kN: return "NUMBER";
    case Type::kB: return "BINARY";
    case Type::kBool: return "BOOLEAN";
    case Type::kNull: return "NULL";
    case Type::kL: return "LIST";
    case Type::kM: return "MAP";
    case Type::kSS: return "STRING_SET";
    case Type::kNS: return "NUMBER_SET";
    case Type::kBS: return "BINARY_SET";
    default: return "UNKNOWN";
  }
}

// ---- Placeholders -------------------------------------------------------------------------

namespace {
// A key the expression grammar can refer to: the prefix, then [A-Za-z0-9_]+.
bool ValidPlaceholderKey(std::string_view key, char prefix) {
  if (key.size() < 2 || key[0] != prefix) return false;
  for (char c : key.substr(1))
    if (!IsNameChar(c)) return false;
  return true;
}
}  // namespace

Placeholders::Placeholders(const json::object* names, const json::object* values)
    : names_(names), values_(values) {}

std::optional<AwsError> Placeholders::CheckShape() const {
  if (names_ && names_->empty())
    return AwsError::Validation("ExpressionAttributeNames must not be empty");
  if (values_ && values_->empty())
    return AwsError::Validation("ExpressionAttributeValues must not be empty");
  if (names_)
    for (const auto& kv : *names_)
      if (!ValidPlaceholderKey(kv.key(), '#'))
        return AwsError::Validation(
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" +
            std::string(kv.key()) + "\"");
  if (values_)
    for (const auto& kv : *values_)
      if (!ValidPlaceholderKey(kv.key(), ':'))
        return AwsError::Validation(
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" +
            std::string(kv.key()) + "\"");
  return std::nullopt;
}

std::optional<AwsError> Placeholders::CheckAllUsed() const {
  if (auto err = CheckShape()) return err;
  if (expressions == 0) {
    if (names_) {
      return AwsError::Validation(
          "ExpressionAttributeNames can only be specified when using expressions");
    }
    if (values_) {
      return AwsError::Validation(
          "ExpressionAttributeValues can only be specified when using expressions");
    }
    return std::nullopt;
  }
  auto unused = [](const json::object* given, const std::set<std::string>& used,
                   std::string_view param) -> std::optional<AwsError> {
    if (!given) return std::nullopt;
    std::set<std::string> left;
    for (const auto& kv : *given)
      if (!used.contains(std::string(kv.key()))) left.insert(std::string(kv.key()));
    if (left.empty()) return std::nullopt;
    std::string keys;
    for (const auto& k : left) keys += (keys.empty() ? "" : ", ") + k;
    return AwsError::Validation("Value provided in " + std::string(param) +
                                " unused in expressions: keys: {" + keys + "}");
  };
  if (auto err = unused(names_, used_names, "ExpressionAttributeNames")) return err;
  return unused(values_, used_values, "ExpressionAttributeValues");
}

std::string PathToString(const Path& p) {
  std::string out;
  for (const auto& s : p) {
    if (s.index >= 0) {
      out += "[" + std::to_string(s.index) + "]";
    } else {
      if (!out.empty()) out += ".";
      out += s.name;
    }
  }
  return out;
}

std::optional<AwsError> CheckPathOverlaps(const std::vector<Path>& paths,
                                          std::string_view which) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) {
      const Path& a = paths[i];
      const Path& b = paths[j];
      size_t n = std::min(a.size(), b.size());
      size_t k = 0;
      bool conflict = false;
      for (; k < n; ++k) {
        if (a[k].index != b[k].index || a[k].name != b[k].name) {
          // Same position, one a list index and the other a map key: conflict.
          conflict = (a[k].index >= 0) != (b[k].index >= 0);
          break;
        }
      }
      std::string kind;
      if (k == n) kind = "overlap";
      else if (conflict) kind = "conflict";
      else continue;
      return AwsError::Validation("Invalid " + std::string(which) + ": Two document paths " +
                                  kind + " with each other; must remove or rewrite one of "
                                  "these paths; path one: " + PathForMessage(a) +
                                  ", path two: " + PathForMessage(b));
    }
  }
  return std::nullopt;
}


}  // namespace stratus::dynamodb
