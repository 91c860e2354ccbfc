// Attribute values: descriptors, validation with AWS's messages, item size per AWS's "Item sizes
// and formats" rules, equality and ordering. Pinned by tests/unit/dynamodb_value_test.cc.
#include "services/dynamodb/value.h"

#include <algorithm>
#include <string>
#include <vector>

#include "services/dynamodb/number.h"

namespace stratus::dynamodb {

namespace {

struct Descriptor {
  std::string_view name;
  Type type;
};
constexpr Descriptor kDescriptors[] = {
    {"S", Type::kS},       {"N", Type::kN},   {"B", Type::kB},   {"BOOL", Type::kBool},
    {"NULL", Type::kNull}, {"L", Type::kL},   {"M", Type::kM},   {"SS", Type::kSS},
    {"NS", Type::kNS},     {"BS", Type::kBS},
};

bool JsonKindFits(Type t, const json::value& v) {
  switch (t) {
    case Type::kS:
    case Type::kN:
    case Type::kB:
      return v.is_string();
    case Type::kBool:
    case Type::kNull:
      return v.is_bool();
    case Type::kL:
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return v.is_array();
    case Type::kM:
      return v.is_object();
    default:
      return false;
  }
}

AwsError Invalid(std::string_view what) {
  return AwsError::Validation("One or more parameter values were invalid: " + std::string(what));
}

// Decoded length of base64 text without decoding.
size_t Base64Length(std::string_view b64) {
  size_t n = b64.size();
  size_t pad = 0;
  while (n > 0 && pad < 2 && b64[n - 1] == '=') --n, ++pad;
  return n * 3 / 4;
}

int B64Index(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Streams the bytes of base64 text one at a time (no allocation).
class B64Reader {
 public:
  explicit B64Reader(std::string_view t) : t_(t) {}
  // Next byte, or -1 at the end.
  int Next() {
    while (bits_ < 8) {
      if (pos_ >= t_.size()) return -1;
      int v = B64Index(t_[pos_++]);
      if (v < 0) return -1;  // padding or end
      acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
      bits_ += 6;
    }
    bits_ -= 8;
    return static_cast<int>((acc_ >> bits_) & 0xff);
  }

 private:
  std::string_view t_;
  size_t pos_ = 0;
  uint32_t acc_ = 0;
  int bits_ = 0;
};

std::string Join(const json::array& a) {
  std::string out = "[";
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ", ";
    if (a[i].is_string()) out += std::string_view(a[i].get_string());
  }
  return out + "]";
}

}  // namespace

Type TypeOf(const json::value& v) {
  if (!v.is_object()) return Type::kInvalid;
  const auto& o = v.get_object();
  if (o.size() != 1) return Type::kInvalid;
  const auto& kv = *o.begin();
  for (const auto& d : kDescriptors)
    if (kv.key() == d.name) return JsonKindFits(d.type, kv.value()) ? d.type : Type::kInvalid;
  return Type::kInvalid;
}

std::string_view TypeName(Type t) {
  for (const auto& d : kDescriptors)
    if (d.type == t) return d.name;
  return "";
}

std::string_view ScalarText(const json::value& v) {
  const auto& s = v.get_object().begin()->value().get_string();
  return std::string_view(s);
}

namespace {
// AWS: "DynamoDB supports nested attributes up to 32 levels deep."
constexpr int kMaxNesting = 32;
std::optional<AwsError> ValidateAt(json::value& v, int depth);
}  // namespace

std::optional<AwsError> ValidateValue(json::value& v) { return ValidateAt(v, 0); }

namespace {
std::optional<AwsError> ValidateAt(json::value& v, int depth) {
  static const char* kEmpty =
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
  if (!v.is_object() || v.get_object().empty()) return AwsError::Validation(kEmpty);
  auto& o = v.get_object();
  if (o.size() > 1)
    return AwsError::Validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes");
  Type t = TypeOf(v);
  if (t == Type::kInvalid) return AwsError::Validation(kEmpty);
  auto& inner = o.begin()->value();
  switch (t) {
    case Type::kN: {
      auto n = Number::Parse(inner.get_string());
      if (!n) return n.error();
      inner = n->ToString();
      return std::nullopt;
    }
    case Type::kNull:
      if (!inner.get_bool())
        return Invalid("Null attribute value types must have the value of true");
      return std::nullopt;
    case Type::kL:
    case Type::kM:
      if (depth >= kMaxNesting)
        return Invalid("Nesting Levels have exceeded supported limits");
      if (t == Type::kL) {
        for (auto& e : inner.get_array())
          if (auto err = ValidateAt(e, depth + 1)) return err;
      } else {
        for (auto& kv : inner.get_object())
          if (auto err = ValidateAt(kv.value(), depth + 1)) return err;
      }
      return std::nullopt;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      auto& arr = inner.get_array();
      if (arr.empty()) {
        if (t == Type::kSS) return Invalid("An string set  may not be empty");
        if (t == Type::kNS) return Invalid("An number set  may not be empty");
        return Invalid("Binary sets should not be empty");
      }
      for (auto& e : arr)
        if (!e.is_string()) return AwsError::Validation(kEmpty);
      std::vector<std::string> keys;
      keys.reserve(arr.size());
      for (auto& e : arr) {
        if (t == Type::kNS) {
          auto n = Number::Parse(e.get_string());
          if (!n) return n.error();
          keys.push_back(n->ToString());
        } else {
          keys.emplace_back(e.get_string());
        }
      }
      std::vector<std::string> sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        return Invalid("Input collection " + Join(arr) + " contains duplicates.");
      if (t == Type::kNS)
        for (size_t i = 0; i < arr.size(); ++i) arr[i] = keys[i];
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}
}  // namespace

std::optional<AwsError> ValidateItem(Item& item) {
  for (auto& kv : item)
    if (auto err = ValidateValue(kv.value())) return err;
  return std::nullopt;
}

size_t ValueSize(const json::value& v) {
  Type t = TypeOf(v);
  if (t == Type::kInvalid) return 0;
  const auto& inner = v.get_object().begin()->value();
  switch (t) {
    case Type::kS:
      return inner.get_string().size();
    case Type::kN:
      return NumberTextSize(inner.get_string());
    case Type::kB:
      return Base64Length(inner.get_string());
    case Type::kBool:
    case Type::kNull:
      return 1;
    case Type::kL: {
      size_t n = 3;
      for (const auto& e : inner.get_array()) n += 1 + ValueSize(e);
      return n;
    }
    case Type::kM: {
      size_t n = 3;
      for (const auto& kv : inner.get_object()) n += 1 + kv.key().size() + ValueSize(kv.value());
      return n;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      size_t n = 0;
      for (const auto& e : inner.get_array()) {
        if (!e.is_string()) continue;
        std::string_view s = e.get_string();
        n += t == Type::kSS ? s.size() : t == Type::kNS ? NumberTextSize(s) : Base64Length(s);
      }
      return n;
    }
    default:
      return 0;
  }
}

size_t ItemSize(const Item& item) {
  size_t n = 0;
  for (const auto& kv : item) n += kv.key().size() + ValueSize(kv.value());
  return n;
}

namespace {

bool ScalarEqual(Type t, std::string_view a, std::string_view b) {
  if (t == Type::kN || t == Type::kNS) return CompareNumberText(a, b) == 0;
  if (t == Type::kB || t == Type::kBS) {
    B64Reader x(a), y(b);
    for (;;) {
      int p = x.Next(), q = y.Next();
      if (p != q) return false;
      if (p < 0) return true;
    }
  }
  return a == b;
}

}  // namespace

bool ValuesEqual(const json::value& a, const json::value& b) {
  Type ta = TypeOf(a), tb = TypeOf(b);
  if (ta != tb || ta == Type::kInvalid) return false;
  const auto& x = a.get_object().begin()->value();
  const auto& y = b.get_object().begin()->value();
  switch (ta) {
    case Type::kS:
    case Type::kN:
    case Type::kB:
      return ScalarEqual(ta, x.get_string(), y.get_string());
    case Type::kBool:
    case Type::kNull:
      return x.get_bool() == y.get_bool();
    case Type::kL: {
      const auto& p = x.get_array();
      const auto& q = y.get_array();
      if (p.size() != q.size()) return false;
      for (size_t i = 0; i < p.size(); ++i)
        if (!ValuesEqual(p[i], q[i])) return false;
      return true;
    }
    case Type::kM: {
      const auto& p = x.get_object();
      const auto& q = y.get_object();
      if (p.size() != q.size()) return false;
      for (const auto& kv : p) {
        auto it = q.find(kv.key());
        if (it == q.end() || !ValuesEqual(kv.value(), it->value())) return false;
      }
      return true;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      const auto& p = x.get_array();
      const auto& q = y.get_array();
      if (p.size() != q.size()) return false;
      for (const auto& e : p) {
        bool found = false;
        for (const auto& f : q)
          if (e.is_string() && f.is_string() && ScalarEqual(ta, e.get_string(), f.get_string())) {
            found = true;
            break;
          }
        if (!found) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

std::strong_ordering CompareBinaryText(std::string_view a, std::string_view b) {
  B64Reader x(a), y(b);
  for (;;) {
    int p = x.Next(), q = y.Next();
    if (p != q) return p <=> q;  // -1 (end) sorts first
    if (p < 0) return std::strong_ordering::equal;
  }
}

bool BinaryHasPrefix(std::string_view whole, std::string_view prefix) {
  B64Reader x(whole), y(prefix);
  for (;;) {
    int q = y.Next();
    if (q < 0) return true;
    if (x.Next() != q) return false;
  }
}

bool BinaryContains(std::string_view whole, std::string_view part) {
  // Rare enough (contains() on B) to decode.
  std::string w, p;
  B64Reader x(whole), y(part);
  for (int c; (c = x.Next()) >= 0;) w.push_back(static_cast<char>(c));
  for (int c; (c = y.Next()) >= 0;) p.push_back(static_cast<char>(c));
  return w.find(p) != std::string::npos;
}

std::optional<std::strong_ordering> CompareScalars(const json::value& a, const json::value& b) {
  Type ta = TypeOf(a), tb = TypeOf(b);
  if (ta != tb) return std::nullopt;
  std::string_view x, y;
  switch (ta) {
    case Type::kS: {
      x = ScalarText(a);
      y = ScalarText(b);
      // Unsigned byte order (UTF-8 code units).
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        auto p = static_cast<unsigned char>(x[i]), q = static_cast<unsigned char>(y[i]);
        if (p != q) return p <=> q;
      }
      return x.size() <=> y.size();
    }
    case Type::kN:
      return CompareNumberText(ScalarText(a), ScalarText(b));
    case Type::kB:
      return CompareBinaryText(ScalarText(a), ScalarText(b));
    default:
      return std::nullopt;
  }
}

}  // namespace stratus::dynamodb
