// Evaluation of parsed expressions: conditions (no allocation per evaluation), updates,
// projections and key conditions. Semantics per AWS's "Comparison operator and function
// reference" and "Update expressions" pages. Pinned by tests/unit/dynamodb_expression_test.cc.
#include <algorithm>
#include <charconv>

#include "core/json.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/number.h"

namespace stratus::dynamodb {

namespace {

const json::value* Inner(const json::value& v, std::string_view descriptor) {
  if (!v.is_object()) return nullptr;
  const auto& o = v.get_object();
  if (o.size() != 1 || o.begin()->key() != descriptor) return nullptr;
  return &o.begin()->value();
}
json::value* InnerMut(json::value& v, std::string_view descriptor) {
  if (!v.is_object()) return nullptr;
  auto& o = v.get_object();
  if (o.size() != 1 || o.begin()->key() != descriptor) return nullptr;
  return &o.begin()->value();
}

// Walks steps [from, to) of `path` from `v`.
const json::value* Walk(const json::value* v, const Path& path, size_t from, size_t to) {
  for (size_t k = from; v && k < to; ++k) {
    const PathStep& s = path[k];
    if (s.index >= 0) {
      const json::value* l = Inner(*v, "L");
      if (!l || !l->is_array() || static_cast<size_t>(s.index) >= l->get_array().size())
        return nullptr;
      v = &l->get_array()[static_cast<size_t>(s.index)];
    } else {
      const json::value* m = Inner(*v, "M");
      if (!m || !m->is_object()) return nullptr;
      v = Find(m->get_object(), s.name);
    }
  }
  return v;
}

// ---- condition evaluation ----

struct Operand {
  const json::value* v = nullptr;  // nullptr: absent (or size of an unsized value)
  bool is_count = false;           // size(...) result in `count`
  int64_t count = 0;
  bool present() const { return v || is_count; }
};

Operand EvalOperand(const ExprNode& n, const Item& item) {
  Operand o;
  switch (n.kind) {
    case NodeKind::kPath:
      o.v = Resolve(item, n.path);
      break;
    case NodeKind::kValue:
      o.v = n.value.is_null() ? nullptr : &n.value;
      break;
    case NodeKind::kSize: {
      const json::value* v = n.children.empty() ? nullptr : Resolve(item, n.children[0].path);
      if (!v) break;
      Type t = TypeOf(*v);
      const json::value& in = v->get_object().begin()->value();
      switch (t) {
        case Type::kS: o.count = static_cast<int64_t>(in.get_string().size()); break;
        case Type::kB: o.count = static_cast<int64_t>(ValueSize(*v)); break;
        case Type::kL: case Type::kSS: case Type::kNS: case Type::kBS:
          o.count = static_cast<int64_t>(in.get_array().size());
          break;
        case Type::kM: o.count = static_cast<int64_t>(in.get_object().size()); break;
        default: return o;  // size of N, BOOL, NULL: no value
      }
      o.is_count = true;
      break;
    }
    default:
      break;
  }
  return o;
}

std::optional<std::strong_ordering> CountVsValue(int64_t count, const json::value& v) {
  if (TypeOf(v) != Type::kN) return std::nullopt;
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, count);
  return CompareNumberText(std::string_view(buf, static_cast<size_t>(end - buf)),
                           ScalarText(v));
}

std::optional<std::strong_ordering> Order(const Operand& a, const Operand& b) {
  if (!a.present() || !b.present()) return std::nullopt;
  if (a.is_count && b.is_count) return a.count <=> b.count;
  if (a.is_count) return CountVsValue(a.count, *b.v);
  if (b.is_count) {
    auto c = CountVsValue(b.count, *a.v);
    if (!c) return c;
    return 0 <=> *c;
  }
  return CompareScalars(*a.v, *b.v);
}

bool Equal(const Operand& a, const Operand& b) {
  if (!a.present() || !b.present()) return false;
  if (a.is_count || b.is_count) {
    auto c = Order(a, b);
    return c && *c == 0;
  }
  return ValuesEqual(*a.v, *b.v);
}

bool Contains(const json::value& container, const json::value& item) {
  Type ct = TypeOf(container), it = TypeOf(item);
  const json::value& in = container.get_object().begin()->value();
  switch (ct) {
    case Type::kS:
      return it == Type::kS &&
             std::string_view(in.get_string()).find(ScalarText(item)) != std::string_view::npos;
    case Type::kB:
      return it == Type::kB && BinaryContains(in.get_string(), ScalarText(item));
    case Type::kSS: case Type::kNS: case Type::kBS: {
      Type want = ct == Type::kSS ? Type::kS : ct == Type::kNS ? Type::kN : Type::kB;
      if (it != want) return false;
      std::string_view x = ScalarText(item);
      for (const auto& e : in.get_array()) {
        std::string_view y = e.get_string();
        bool eq = want == Type::kN ? CompareNumberText(x, y) == 0
                  : want == Type::kB ? CompareBinaryText(x, y) == 0
                                     : x == y;
        if (eq) return true;
      }
      return false;
    }
    case Type::kL:
      for (const auto& e : in.get_array())
        if (ValuesEqual(e, item)) return true;
      return false;
    default:
      return false;
  }
}

bool EvalCondition(const ExprNode& n, const Item& item) {
  switch (n.kind) {
    case NodeKind::kOr:
      return EvalCondition(n.children[0], item) || EvalCondition(n.children[1], item);
    case NodeKind::kAnd:
      for (const auto& c : n.children)
        if (!EvalCondition(c, item)) return false;
      return true;
    case NodeKind::kNot:
      return !EvalCondition(n.children[0], item);
    case NodeKind::kCompare: {
      Operand a = EvalOperand(n.children[0], item), b = EvalOperand(n.children[1], item);
      if (n.op == CmpOp::kEq) return Equal(a, b);
      // A missing attribute is unequal to everything.
      if (n.op == CmpOp::kNe) return !Equal(a, b);
      auto c = Order(a, b);
      if (!c) return false;
      switch (n.op) {
        case CmpOp::kLt: return *c < 0;
        case CmpOp::kLe: return *c <= 0;
        case CmpOp::kGt: return *c > 0;
        default: return *c >= 0;
      }
    }
    case NodeKind::kBetween: {
      Operand a = EvalOperand(n.children[0], item);
      Operand lo = EvalOperand(n.children[1], item), hi = EvalOperand(n.children[2], item);
      auto c1 = Order(a, lo), c2 = Order(a, hi);
      return c1 && c2 && *c1 >= 0 && *c2 <= 0;
    }
    case NodeKind::kIn: {
      Operand a = EvalOperand(n.children[0], item);
      for (size_t k = 1; k < n.children.size(); ++k)
        if (Equal(a, EvalOperand(n.children[k], item))) return true;
      return false;
    }
    case NodeKind::kFunction: {
      const json::value* v =
          n.children.empty() ? nullptr : Resolve(item, n.children[0].path);
      switch (n.fn) {
        case Fn::kAttributeExists: return v != nullptr;
        case Fn::kAttributeNotExists: return v == nullptr;
        case Fn::kAttributeType: {
          Operand t = EvalOperand(n.children[1], item);
          if (!v || !t.v || TypeOf(*t.v) != Type::kS) return false;
          return TypeName(TypeOf(*v)) == ScalarText(*t.v);
        }
        case Fn::kBeginsWith: {
          Operand p = EvalOperand(n.children[1], item);
          if (!v || !p.v) return false;
          Type tv = TypeOf(*v), tp = TypeOf(*p.v);
          if (tv != tp) return false;
          if (tv == Type::kS) return ScalarText(*v).starts_with(ScalarText(*p.v));
          if (tv == Type::kB) return BinaryHasPrefix(ScalarText(*v), ScalarText(*p.v));
          return false;
        }
        case Fn::kContains: {
          Operand p = EvalOperand(n.children[1], item);
          if (!v || !p.v) return false;
          return Contains(*v, *p.v);
        }
      }
      return false;
    }
    default:
      return false;
  }
}

// ---- update application ----

AwsError MissingAttribute() {
  return AwsError::Validation(
      "The provided expression refers to an attribute that does not exist in the item");
}
AwsError WrongType() {
  return AwsError::Validation("An operand in the update expression has an incorrect data type");
}
AwsError InvalidPath() {
  return AwsError::Validation(
      "The document path provided in the update expression is invalid for update");
}

Result<json::value> EvalUpdateValue(const ExprNode& n, const Item& item) {
  switch (n.kind) {
    case NodeKind::kPath: {
      const json::value* v = Resolve(item, n.path);
      if (!v) return Fail(MissingAttribute());
      return *v;
    }
    case NodeKind::kValue:
      return n.value;
    case NodeKind::kIfNotExists: {
      if (const json::value* v = Resolve(item, n.children[0].path)) return *v;
      return EvalUpdateValue(n.children[1], item);
    }
    case NodeKind::kListAppend: {
      auto a = EvalUpdateValue(n.children[0], item);
      if (!a) return a;
      auto b = EvalUpdateValue(n.children[1], item);
      if (!b) return b;
      json::value* la = InnerMut(*a, "L");
      const json::value* lb = Inner(*b, "L");
      if (!la || !lb) return Fail(WrongType());
      for (const auto& e : lb->get_array()) la->get_array().push_back(e);
      return a;
    }
    case NodeKind::kPlus:
    case NodeKind::kMinus: {
      auto a = EvalUpdateValue(n.children[0], item);
      if (!a) return a;
      auto b = EvalUpdateValue(n.children[1], item);
      if (!b) return b;
      const json::value* na = Inner(*a, "N");
      const json::value* nb = Inner(*b, "N");
      if (!na || !nb) return Fail(WrongType());
      auto x = Number::Parse(na->get_string());
      if (!x) return Fail(x.error());
      auto y = Number::Parse(nb->get_string());
      if (!y) return Fail(y.error());
      auto r = n.kind == NodeKind::kPlus ? Add(*x, *y) : Subtract(*x, *y);
      if (!r) return Fail(r.error());
      return json::value{{"N", r->ToString()}};
    }
    default:
      return Fail(WrongType());
  }
}

json::value* ResolveMut(Item& item, const Path& path, size_t len) {
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  json::value* v = &it->value();
  for (size_t k = 1; v && k < len; ++k) {
    const PathStep& s = path[k];
    if (s.index >= 0) {
      json::value* l = InnerMut(*v, "L");
      if (!l || static_cast<size_t>(s.index) >= l->get_array().size()) return nullptr;
      v = &l->get_array()[static_cast<size_t>(s.index)];
    } else {
      json::value* m = InnerMut(*v, "M");
      if (!m) return nullptr;
      auto mit = m->get_object().find(s.name);
      v = mit == m->get_object().end() ? nullptr : &mit->value();
    }
  }
  return v;
}

std::optional<AwsError> SetPath(Item& item, const Path& path, json::value value) {
  if (path.size() == 1) {
    item[path[0].name] = std::move(value);
    return std::nullopt;
  }
  json::value* parent = ResolveMut(item, path, path.size() - 1);
  if (!parent) return InvalidPath();
  const PathStep& last = path.back();
  if (last.index >= 0) {
    json::value* l = InnerMut(*parent, "L");
    if (!l) return InvalidPath();
    auto& arr = l->get_array();
    if (static_cast<size_t>(last.index) < arr.size()) arr[static_cast<size_t>(last.index)] = value;
    else arr.push_back(std::move(value));
    return std::nullopt;
  }
  json::value* m = InnerMut(*parent, "M");
  if (!m) return InvalidPath();
  m->get_object()[last.name] = std::move(value);
  return std::nullopt;
}

std::optional<AwsError> RemovePath(Item& item, const Path& path) {
  if (path.size() == 1) {
    item.erase(path[0].name);
    return std::nullopt;
  }
  json::value* parent = ResolveMut(item, path, path.size() - 1);
  if (!parent) return InvalidPath();
  const PathStep& last = path.back();
  if (last.index >= 0) {
    json::value* l = InnerMut(*parent, "L");
    if (!l) return InvalidPath();
    auto& arr = l->get_array();
    if (static_cast<size_t>(last.index) < arr.size()) arr.erase(arr.begin() + last.index);
    return std::nullopt;
  }
  json::value* m = InnerMut(*parent, "M");
  if (!m) return InvalidPath();
  m->get_object().erase(last.name);
  return std::nullopt;
}

bool IsSetType(Type t) { return t == Type::kSS || t == Type::kNS || t == Type::kBS; }

bool SetHas(Type t, const json::array& set, std::string_view x) {
  for (const auto& e : set) {
    std::string_view y = e.get_string();
    bool eq = t == Type::kNS ? CompareNumberText(x, y) == 0
              : t == Type::kBS ? CompareBinaryText(x, y) == 0
                               : x == y;
    if (eq) return true;
  }
  return false;
}

// ADD for expressions and AttributeUpdates: numbers add, sets union; `lists` (legacy only)
// appends lists.
std::optional<AwsError> AddTo(Item& item, const Path& path, const json::value& value,
                              bool lists, const AwsError& mismatch) {
  json::value* cur = ResolveMut(item, path, path.size());
  if (!cur) return SetPath(item, path, value);
  Type tc = TypeOf(*cur), tv = TypeOf(value);
  if (tc != tv) return mismatch;
  if (tc == Type::kN) {
    auto x = Number::Parse(ScalarText(*cur));
    if (!x) return x.error();
    auto y = Number::Parse(ScalarText(value));
    if (!y) return y.error();
    auto r = Add(*x, *y);
    if (!r) return r.error();
    *cur = json::value{{"N", r->ToString()}};
    return std::nullopt;
  }
  if (IsSetType(tc)) {
    auto& set = cur->get_object().begin()->value().get_array();
    for (const auto& e : value.get_object().begin()->value().get_array())
      if (!SetHas(tc, set, e.get_string())) set.push_back(e);
    return std::nullopt;
  }
  if (lists && tc == Type::kL) {
    auto& l = cur->get_object().begin()->value().get_array();
    for (const auto& e : value.get_object().begin()->value().get_array()) l.push_back(e);
    return std::nullopt;
  }
  return mismatch;
}

std::optional<AwsError> DeleteFrom(Item& item, const Path& path, const json::value& value,
                                   const AwsError& mismatch) {
  json::value* cur = ResolveMut(item, path, path.size());
  if (!cur) return std::nullopt;
  Type tc = TypeOf(*cur);
  if (tc != TypeOf(value) || !IsSetType(tc)) return mismatch;
  auto& set = cur->get_object().begin()->value().get_array();
  const auto& del = value.get_object().begin()->value().get_array();
  json::array kept;
  for (const auto& e : set)
    if (!SetHas(tc, del, e.get_string())) kept.push_back(e);
  if (kept.empty()) return RemovePath(item, path);
  set = std::move(kept);
  return std::nullopt;
}

// Orders paths so that, among siblings of one list, higher indices come first (REMOVE a[1],
// a[2] removes the elements at the original positions).
bool RemoveOrder(const Path* a, const Path* b) {
  size_t n = std::min(a->size(), b->size());
  for (size_t k = 0; k < n; ++k) {
    const PathStep& x = (*a)[k];
    const PathStep& y = (*b)[k];
    if (x.index != y.index) return x.index > y.index;
    if (x.name != y.name) return x.name < y.name;
  }
  return a->size() > b->size();
}

}  // namespace

AwsError UpdateEvalError(std::string_view message) {
  return AwsError::Validation(std::string(message));
}

const json::value* Resolve(const Item& item, const Path& path) {
  if (path.empty() || path[0].index >= 0) return nullptr;
  const json::value* v = Find(item, path[0].name);
  return Walk(v, path, 1, path.size());
}

// ---- Condition ----

Result<Condition> Condition::Parse(std::string_view text, Placeholders& ph,
                                   std::string_view which) {
  auto tree = ParseConditionTree(text, ph, which, false);
  if (!tree) return Fail(tree.error());
  Condition c;
  c.root_ = std::make_shared<const ExprNode>(std::move(*tree));
  return c;
}

Result<bool> Condition::Evaluate(const Item& item) const {
  if (!root_) return true;
  return EvalCondition(*root_, item);
}

namespace {
void CollectNames(const ExprNode& n, std::vector<std::string>& out) {
  if (n.kind == NodeKind::kPath && !n.path.empty() &&
      std::find(out.begin(), out.end(), n.path[0].name) == out.end())
    out.push_back(n.path[0].name);
  for (const auto& c : n.children) CollectNames(c, out);
}
}  // namespace

std::vector<std::string> Condition::TopLevelNames() const {
  std::vector<std::string> out;
  if (root_) CollectNames(*root_, out);
  return out;
}

Condition Condition::FromTree(ExprNode tree) {
  Condition c;
  c.root_ = std::make_shared<const ExprNode>(std::move(tree));
  return c;
}

// ---- Update ----

Result<Update> Update::Parse(std::string_view text, Placeholders& ph) {
  auto tree = ParseUpdateTree(text, ph);
  if (!tree) return Fail(tree.error());
  return FromTree(std::move(*tree));
}

Update Update::FromTree(ExprNode tree) {
  Update u;
  for (const auto& a : tree.children) u.targets_.push_back(a.path);
  u.root_ = std::make_shared<const ExprNode>(std::move(tree));
  return u;
}

std::optional<AwsError> Update::Apply(Item& item) const {
  if (!root_) return std::nullopt;
  const auto& actions = root_->children;
  // SET operands are all read from the item as it was before the update.
  std::vector<std::pair<const ExprNode*, json::value>> sets;
  for (const auto& a : actions) {
    if (a.kind != NodeKind::kSet) continue;
    auto v = EvalUpdateValue(a.children[0], item);
    if (!v) return v.error();
    sets.emplace_back(&a, std::move(*v));
  }
  for (auto& [a, v] : sets)
    if (auto err = SetPath(item, a->path, std::move(v))) return err;
  std::vector<const Path*> removes;
  for (const auto& a : actions)
    if (a.kind == NodeKind::kRemove) removes.push_back(&a.path);
  std::sort(removes.begin(), removes.end(), RemoveOrder);
  for (const Path* p : removes)
    if (auto err = RemovePath(item, *p)) return err;
  for (const auto& a : actions) {
    switch (a.kind) {
      case NodeKind::kAdd:
        if (auto err = AddTo(item, a.path, a.children[0].value, false, WrongType())) return err;
        break;
      case NodeKind::kDelete:
        if (auto err = DeleteFrom(item, a.path, a.children[0].value, WrongType())) return err;
        break;
      case NodeKind::kLegacyPut:
        item[a.path[0].name] = a.value;
        break;
      case NodeKind::kLegacyAdd:
      case NodeKind::kLegacyDelete: {
        static const AwsError mismatch = AwsError::Validation(
            "One or more parameter values were invalid: Type mismatch for attribute to update");
        if (a.kind == NodeKind::kLegacyDelete && !a.has_value) {
          item.erase(a.path[0].name);
          break;
        }
        auto err = a.kind == NodeKind::kLegacyAdd
                       ? AddTo(item, a.path, a.value, true, mismatch)
                       : DeleteFrom(item, a.path, a.value, mismatch);
        if (err) return err;
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

// ---- Projection ----

Result<Projection> Projection::Parse(std::string_view text, Placeholders& ph) {
  auto paths = ParseProjectionPaths(text, ph);
  if (!paths) return Fail(paths.error());
  Projection p;
  p.paths_ = std::move(*paths);
  return p;
}

namespace {

// Copies the parts of `src` named by `paths` (all sharing steps [0, depth)).
std::optional<json::value> ProjectValue(const json::value& src,
                                        const std::vector<const Path*>& paths, size_t depth) {
  for (const Path* p : paths)
    if (p->size() == depth) return src;  // whole value (overlaps were rejected)
  if (const json::value* m = Inner(src, "M")) {
    json::object out;
    for (const Path* p : paths) {
      const std::string& name = (*p)[depth].name;
      if ((*p)[depth].index >= 0 || out.contains(name)) continue;
      const json::value* child = Find(m->get_object(), name);
      if (!child) continue;
      std::vector<const Path*> group;
      for (const Path* q : paths)
        if ((*q)[depth].index < 0 && (*q)[depth].name == name) group.push_back(q);
      if (auto v = ProjectValue(*child, group, depth + 1)) out[name] = std::move(*v);
    }
    if (out.empty()) return std::nullopt;
    return json::value{{"M", std::move(out)}};
  }
  if (const json::value* l = Inner(src, "L")) {
    std::vector<int> indices;
    for (const Path* p : paths)
      if ((*p)[depth].index >= 0) indices.push_back((*p)[depth].index);
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    json::array out;
    const auto& arr = l->get_array();
    for (int idx : indices) {
      if (static_cast<size_t>(idx) >= arr.size()) continue;
      std::vector<const Path*> group;
      for (const Path* q : paths)
        if ((*q)[depth].index == idx) group.push_back(q);
      if (auto v = ProjectValue(arr[static_cast<size_t>(idx)], group, depth + 1))
        out.push_back(std::move(*v));
    }
    if (out.empty()) return std::nullopt;
    return json::value{{"L", std::move(out)}};
  }
  return std::nullopt;
}

}  // namespace

Item Projection::Apply(const Item& item) const {
  Item out;
  for (const Path& p : paths_) {
    const std::string& name = p[0].name;
    if (out.contains(name)) continue;
    const json::value* v = Find(item, name);
    if (!v) continue;
    std::vector<const Path*> group;
    for (const Path& q : paths_)
      if (q[0].name == name) group.push_back(&q);
    if (auto r = ProjectValue(*v, group, 1)) out[name] = std::move(*r);
  }
  return out;
}

Projection Projection::FromPaths(std::vector<Path> paths) {
  Projection p;
  p.paths_ = std::move(paths);
  return p;
}

std::vector<std::string> Projection::TopLevelNames() const {
  std::vector<std::string> out;
  for (const Path& p : paths_)
    if (std::find(out.begin(), out.end(), p[0].name) == out.end()) out.push_back(p[0].name);
  return out;
}

// ---- KeyCondition ----

namespace {

AwsError KeyError(std::string message) { return AwsError::Validation(std::move(message)); }

struct KeyTerm {
  std::string name;
  KeyCondition::Op op;
  json::value v1, v2;
};

// Builds the key condition from its terms (shared with KeyConditions).
Result<KeyCondition> FromTerms(std::vector<KeyTerm> terms, std::string_view hash_key,
                               std::string_view range_key) {
  if (terms.size() > 2) return Fail(KeyError("Conditions can be of length 1 or 2 only"));
  if (terms.size() == 2 && terms[0].name == terms[1].name)
    return Fail(KeyError("KeyConditionExpressions must only contain one condition per key"));
  KeyCondition kc;
  bool have_hash = false;
  for (auto& t : terms) {
    if (t.name == hash_key) {
      if (t.op != KeyCondition::Op::kEq) return Fail(KeyError("Query key condition not supported"));
      kc.hash_name = t.name;
      kc.hash_value = std::move(t.v1);
      have_hash = true;
    } else if (!range_key.empty() && t.name == range_key) {
      kc.range_name = t.name;
      kc.op = t.op;
      kc.v1 = std::move(t.v1);
      kc.v2 = std::move(t.v2);
    } else {
      return Fail(KeyError("Query condition missed key schema element: " +
                           std::string(range_key.empty() ? hash_key : range_key)));
    }
  }
  if (!have_hash)
    return Fail(KeyError("Query condition missed key schema element: " + std::string(hash_key)));
  return kc;
}

std::optional<AwsError> CollectTerms(const ExprNode& n, std::vector<KeyTerm>& out) {
  auto bad_op = [](std::string_view op) {
    return KeyError("Invalid operator used in KeyConditionExpression: " + std::string(op));
  };
  switch (n.kind) {
    case NodeKind::kAnd:
      for (const auto& c : n.children)
        if (auto err = CollectTerms(c, out)) return err;
      return std::nullopt;
    case NodeKind::kOr: return bad_op("OR");
    case NodeKind::kNot: return bad_op("NOT");
    case NodeKind::kIn: return bad_op("IN");
    case NodeKind::kCompare: {
      const ExprNode* path = &n.children[0];
      const ExprNode* value = &n.children[1];
      CmpOp op = n.op;
      if (op == CmpOp::kNe) return bad_op("<>");
      if (path->kind != NodeKind::kPath && value->kind == NodeKind::kPath) {
        std::swap(path, value);
        op = op == CmpOp::kLt ? CmpOp::kGt : op == CmpOp::kGt ? CmpOp::kLt
             : op == CmpOp::kLe ? CmpOp::kGe : op == CmpOp::kGe ? CmpOp::kLe : op;
      }
      if (path->kind != NodeKind::kPath || value->kind != NodeKind::kValue ||
          path->path.size() != 1)
        return KeyError("Query key condition not supported");
      KeyTerm t;
      t.name = path->path[0].name;
      t.op = op == CmpOp::kEq   ? KeyCondition::Op::kEq
             : op == CmpOp::kLt ? KeyCondition::Op::kLt
             : op == CmpOp::kLe ? KeyCondition::Op::kLe
             : op == CmpOp::kGt ? KeyCondition::Op::kGt
                                : KeyCondition::Op::kGe;
      t.v1 = value->value;
      out.push_back(std::move(t));
      return std::nullopt;
    }
    case NodeKind::kBetween: {
      if (n.children[0].kind != NodeKind::kPath || n.children[0].path.size() != 1 ||
          n.children[1].kind != NodeKind::kValue || n.children[2].kind != NodeKind::kValue)
        return KeyError("Query key condition not supported");
      out.push_back({n.children[0].path[0].name, KeyCondition::Op::kBetween,
                     n.children[1].value, n.children[2].value});
      return std::nullopt;
    }
    case NodeKind::kFunction: {
      if (n.children.size() != 2 || n.children[0].kind != NodeKind::kPath ||
          n.children[0].path.size() != 1 || n.children[1].kind != NodeKind::kValue)
        return KeyError("Query key condition not supported");
      out.push_back({n.children[0].path[0].name, KeyCondition::Op::kBeginsWith,
                     n.children[1].value, json::value()});
      return std::nullopt;
    }
    default:
      return KeyError("Query key condition not supported");
  }
}

}  // namespace

Result<KeyCondition> KeyCondition::Parse(std::string_view text, Placeholders& ph,
                                         std::string_view hash_key,
                                         std::string_view range_key) {
  auto tree = ParseConditionTree(text, ph, "KeyConditionExpression", true);
  if (!tree) return Fail(tree.error());
  std::vector<KeyTerm> terms;
  if (auto err = CollectTerms(*tree, terms)) return Fail(*err);
  return FromTerms(std::move(terms), hash_key, range_key);
}

Result<KeyCondition> KeyCondition::FromLegacyTerms(
    std::vector<std::tuple<std::string, Op, json::value, json::value>> terms,
    std::string_view hash_key, std::string_view range_key) {
  std::vector<KeyTerm> t;
  for (auto& [name, op, v1, v2] : terms) t.push_back({name, op, std::move(v1), std::move(v2)});
  return FromTerms(std::move(t), hash_key, range_key);
}

bool KeyCondition::RangeMatches(const json::value& range_value) const {
  switch (op) {
    case Op::kNone:
      return true;
    case Op::kBeginsWith: {
      Type t = TypeOf(range_value);
      if (t != TypeOf(v1)) return false;
      if (t == Type::kS) return ScalarText(range_value).starts_with(ScalarText(v1));
      if (t == Type::kB) return BinaryHasPrefix(ScalarText(range_value), ScalarText(v1));
      return false;
    }
    case Op::kBetween: {
      auto a = CompareScalars(range_value, v1), b = CompareScalars(range_value, v2);
      return a && b && *a >= 0 && *b <= 0;
    }
    default: {
      auto c = CompareScalars(range_value, v1);
      if (!c) return false;
      switch (op) {
        case Op::kEq: return *c == 0;
        case Op::kLt: return *c < 0;
        case Op::kLe: return *c <= 0;
        case Op::kGt: return *c > 0;
        default: return *c >= 0;
      }
    }
  }
}

}  // namespace stratus::dynamodb
