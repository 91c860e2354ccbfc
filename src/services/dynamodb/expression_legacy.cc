// The legacy conditional parameters (Expected, QueryFilter, ScanFilter, KeyConditions,
// AttributeUpdates, AttributesToGet) translated into the expression trees, per AWS's "Legacy
// conditional parameters" pages. Pinned by tests/unit/dynamodb_expression_test.cc.
#include <string>
#include <vector>

#include "core/json.h"
#include "services/dynamodb/expression_internal.h"

namespace stratus::dynamodb {

namespace {

AwsError Invalid(std::string what) {
  return AwsError::Validation("One or more parameter values were invalid: " + std::move(what));
}

ExprNode PathNode(std::string_view name) {
  ExprNode n;
  n.kind = NodeKind::kPath;
  n.path.push_back({std::string(name), -1});
  return n;
}
ExprNode ValueNode(json::value v) {
  ExprNode n;
  n.kind = NodeKind::kValue;
  n.value = std::move(v);
  return n;
}
ExprNode Compare(std::string_view name, CmpOp op, json::value v) {
  ExprNode n;
  n.kind = NodeKind::kCompare;
  n.op = op;
  n.children.push_back(PathNode(name));
  n.children.push_back(ValueNode(std::move(v)));
  return n;
}
ExprNode Function(Fn fn, std::string_view name, std::optional<json::value> v = std::nullopt) {
  ExprNode n;
  n.kind = NodeKind::kFunction;
  n.fn = fn;
  n.children.push_back(PathNode(name));
  if (v) n.children.push_back(ValueNode(std::move(*v)));
  return n;
}

bool Scalar(Type t) { return t == Type::kS || t == Type::kN || t == Type::kB; }

// Validates AttributeValueList for a ComparisonOperator: count, value validity and types.
Result<std::vector<json::value>> CheckOperands(std::string_view op, const json::object& spec) {
  std::vector<json::value> values;
  if (const json::array* list = GetArray(spec, "AttributeValueList"))
    for (const auto& e : *list) values.push_back(e);
  for (auto& v : values)
    if (auto err = ValidateValue(v)) return Fail(*err);
  size_t want_min = 1, want_max = 1;
  if (op == "NULL" || op == "NOT_NULL") want_min = want_max = 0;
  else if (op == "BETWEEN") want_min = want_max = 2;
  else if (op == "IN") want_max = SIZE_MAX;
  if (values.size() < want_min || values.size() > want_max)
    return Fail(Invalid("Invalid number of argument(s) for the " + std::string(op) +
                        " ComparisonOperator"));
  bool scalar_only = op == "LT" || op == "LE" || op == "GT" || op == "GE" || op == "BETWEEN" ||
                     op == "BEGINS_WITH" || op == "CONTAINS" || op == "NOT_CONTAINS" ||
                     op == "IN";
  for (const auto& v : values) {
    Type t = TypeOf(v);
    bool ok = scalar_only ? Scalar(t) : true;
    if (op == "BEGINS_WITH") ok = t == Type::kS || t == Type::kB;
    if (!ok)
      return Fail(Invalid("ComparisonOperator " + std::string(op) + " is not valid for " +
                          std::string(TypeName(t)) + " AttributeValue type"));
  }
  if ((op == "IN" || op == "BETWEEN") && !values.empty())
    for (const auto& v : values)
      if (TypeOf(v) != TypeOf(values[0]))
        return Fail(Invalid("AttributeValues inside AttributeValueList must be of same type"));
  if (op == "BETWEEN") {
    auto c = CompareScalars(values[0], values[1]);
    if (c && *c > 0)
      return Fail(AwsError::Validation(
          "The BETWEEN condition was provided a range where the lower bound is greater than the "
          "upper bound"));
  }
  return values;
}

Result<ExprNode> OperatorNode(std::string_view name, std::string_view op,
                              const json::object& spec) {
  auto values = CheckOperands(op, spec);
  if (!values) return Fail(values.error());
  auto& v = *values;
  if (op == "EQ") return Compare(name, CmpOp::kEq, std::move(v[0]));
  if (op == "NE") return Compare(name, CmpOp::kNe, std::move(v[0]));
  if (op == "LT") return Compare(name, CmpOp::kLt, std::move(v[0]));
  if (op == "LE") return Compare(name, CmpOp::kLe, std::move(v[0]));
  if (op == "GT") return Compare(name, CmpOp::kGt, std::move(v[0]));
  if (op == "GE") return Compare(name, CmpOp::kGe, std::move(v[0]));
  if (op == "NOT_NULL") return Function(Fn::kAttributeExists, name);
  if (op == "NULL") return Function(Fn::kAttributeNotExists, name);
  if (op == "CONTAINS") return Function(Fn::kContains, name, std::move(v[0]));
  if (op == "BEGINS_WITH") return Function(Fn::kBeginsWith, name, std::move(v[0]));
  if (op == "NOT_CONTAINS") {
    // The attribute must exist and not contain the value.
    ExprNode n;
    n.kind = NodeKind::kAnd;
    n.children.push_back(Function(Fn::kAttributeExists, name));
    ExprNode neg;
    neg.kind = NodeKind::kNot;
    neg.children.push_back(Function(Fn::kContains, name, std::move(v[0])));
    n.children.push_back(std::move(neg));
    return n;
  }
  if (op == "IN") {
    ExprNode n;
    n.kind = NodeKind::kIn;
    n.children.push_back(PathNode(name));
    for (auto& e : v) n.children.push_back(ValueNode(std::move(e)));
    return n;
  }
  if (op == "BETWEEN") {
    ExprNode n;
    n.kind = NodeKind::kBetween;
    n.children.push_back(PathNode(name));
    n.children.push_back(ValueNode(std::move(v[0])));
    n.children.push_back(ValueNode(std::move(v[1])));
    return n;
  }
  return Fail(AwsError::Validation("Unsupported operator on ComparisonOperator: " +
                                   std::string(op)));
}

}  // namespace

Result<Condition> Condition::FromLegacy(const json::object& conditions, std::string_view param,
                                        std::string_view conditional_operator) {
  std::vector<ExprNode> terms;
  for (const auto& kv : conditions) {
    std::string_view name = kv.key();
    if (!kv.value().is_object()) return Fail(Invalid("Invalid " + std::string(param)));
    const json::object& spec = kv.value().get_object();
    auto op = GetString(spec, "ComparisonOperator");
    const json::value* value = Find(spec, "Value");
    const json::value* exists = Find(spec, "Exists");
    if (op) {
      if (value)
        return Fail(Invalid("Value and ComparisonOperator cannot be used together for "
                            "Attribute: " + std::string(name)));
      if (exists)
        return Fail(Invalid("Exists and ComparisonOperator cannot be used together for "
                            "Attribute: " + std::string(name)));
      auto n = OperatorNode(name, *op, spec);
      if (!n) return Fail(n.error());
      terms.push_back(std::move(*n));
      continue;
    }
    if (param != "Expected")
      return Fail(Invalid("ComparisonOperator must be specified for attribute: " +
                          std::string(name)));
    if (GetArray(spec, "AttributeValueList"))
      return Fail(Invalid("AttributeValueList can only be used with a ComparisonOperator for "
                          "Attribute: " + std::string(name)));
    bool exists_false = exists && exists->is_bool() && !exists->get_bool();
    if (exists_false) {
      if (value)
        return Fail(Invalid("Value cannot be used when Exists is false for Attribute: " +
                            std::string(name)));
      terms.push_back(Function(Fn::kAttributeNotExists, name));
      continue;
    }
    if (!value)
      return Fail(Invalid("Value must be provided when Exists is " +
                          std::string(exists ? "true" : "null") + " for Attribute: " +
                          std::string(name)));
    json::value v = *value;
    if (auto err = ValidateValue(v)) return Fail(*err);
    terms.push_back(Compare(name, CmpOp::kEq, std::move(v)));
  }
  if (terms.empty()) return Condition();
  ExprNode root;
  root.kind = conditional_operator == "OR" ? NodeKind::kOr : NodeKind::kAnd;
  if (terms.size() == 1) {
    root = std::move(terms[0]);
  } else {
    // kOr evaluates two children; fold left.
    root = std::move(terms[0]);
    for (size_t i = 1; i < terms.size(); ++i) {
      ExprNode n;
      n.kind = conditional_operator == "OR" ? NodeKind::kOr : NodeKind::kAnd;
      n.children.push_back(std::move(root));
      n.children.push_back(std::move(terms[i]));
      root = std::move(n);
    }
  }
  return FromTree(std::move(root));
}

Result<Update> Update::FromLegacy(const json::object& attribute_updates) {
  ExprNode root;
  root.kind = NodeKind::kUpdate;
  for (const auto& kv : attribute_updates) {
    std::string_view name = kv.key();
    if (!kv.value().is_object()) return Fail(Invalid("Invalid AttributeUpdates"));
    const json::object& spec = kv.value().get_object();
    std::string_view action = GetString(spec, "Action").value_or("PUT");
    ExprNode a;
    a.path.push_back({std::string(name), -1});
    if (const json::value* v = Find(spec, "Value")) {
      a.value = *v;
      a.has_value = true;
      if (auto err = ValidateValue(a.value)) return Fail(*err);
    }
    Type t = a.has_value ? TypeOf(a.value) : Type::kInvalid;
    if (action == "PUT") {
      if (!a.has_value)
        return Fail(Invalid("Only DELETE action is allowed when no attribute value is "
                            "specified"));
      a.kind = NodeKind::kLegacyPut;
    } else if (action == "ADD") {
      if (!a.has_value)
        return Fail(Invalid("Only DELETE action is allowed when no attribute value is "
                            "specified"));
      if (t != Type::kN && t != Type::kSS && t != Type::kNS && t != Type::kBS && t != Type::kL)
        return Fail(Invalid("ADD action is not supported for the type " +
                            std::string(TypeName(t))));
      a.kind = NodeKind::kLegacyAdd;
    } else if (action == "DELETE") {
      if (a.has_value && t != Type::kSS && t != Type::kNS && t != Type::kBS)
        return Fail(Invalid("DELETE action with value is not supported for the type " +
                            std::string(TypeName(t))));
      a.kind = NodeKind::kLegacyDelete;
    } else {
      return Fail(Invalid("Invalid Action: " + std::string(action)));
    }
    root.children.push_back(std::move(a));
  }
  return FromTree(std::move(root));
}

Result<Projection> Projection::FromLegacy(const json::array& attributes_to_get) {
  Projection p;
  for (const auto& e : attributes_to_get) {
    if (!e.is_string()) return Fail(Invalid("Invalid AttributesToGet"));
    std::string name(e.get_string());
    for (const Path& q : p.paths_)
      if (q[0].name == name)
        return Fail(Invalid("Duplicate value in attribute name: " + name));
    p.paths_.push_back({{name, -1}});
  }
  return p;
}

Result<KeyCondition> KeyCondition::FromLegacy(const json::object& key_conditions,
                                              std::string_view hash_key,
                                              std::string_view range_key) {
  std::vector<std::tuple<std::string, Op, json::value, json::value>> terms;
  for (const auto& kv : key_conditions) {
    if (!kv.value().is_object()) return Fail(Invalid("Invalid KeyConditions"));
    const json::object& spec = kv.value().get_object();
    std::string_view op = GetString(spec, "ComparisonOperator").value_or("");
    Op kop;
    if (op == "EQ") kop = Op::kEq;
    else if (op == "LT") kop = Op::kLt;
    else if (op == "LE") kop = Op::kLe;
    else if (op == "GT") kop = Op::kGt;
    else if (op == "GE") kop = Op::kGe;
    else if (op == "BEGINS_WITH") kop = Op::kBeginsWith;
    else if (op == "BETWEEN") kop = Op::kBetween;
    else
      return Fail(AwsError::Validation(
          "Attempted conditional constraint is not an indexable operation"));
    auto values = CheckOperands(op, spec);
    if (!values) return Fail(values.error());
    json::value v2 = values->size() > 1 ? (*values)[1] : json::value();
    terms.emplace_back(std::string(kv.key()), kop, (*values)[0], std::move(v2));
  }
  return FromLegacyTerms(std::move(terms), hash_key, range_key);
}

}  // namespace stratus::dynamodb
