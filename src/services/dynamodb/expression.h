// The DynamoDB expression language: condition and filter expressions, update expressions,
// projection expressions and key conditions, with ExpressionAttributeNames / Values, plus the
// legacy parameters (Expected, AttributeUpdates, AttributesToGet, KeyConditions, QueryFilter,
// ScanFilter, ConditionalOperator) translated into the same evaluators. Parse errors carry
// AWS's exact ValidationException messages ("Invalid ConditionExpression: Syntax error; token:
// \"<\", near: \"a < <\"", "Value provided in ExpressionAttributeValues unused in expressions:
// keys: {:v}", "An expression attribute name used in the document path is not defined;
// attribute name: #n", reserved words, ...).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "services/dynamodb/value.h"

namespace stratus::dynamodb {

// The ExpressionAttributeNames / ExpressionAttributeValues of one request, shared by all of
// its expressions, recording which placeholders the expressions used.
class Placeholders {
 public:
  // Either may be null (parameter absent). Values are validated (ValidateValue) on use.
  Placeholders(const json::object* names, const json::object* values);
  // After every expression of the request is parsed: AWS's errors for names or values given
  // but not used ("Value provided in ExpressionAttributeNames unused in expressions: keys:
  // {#a}"), and for ExpressionAttributeNames/Values given with no expression at all.
  std::optional<AwsError> CheckAllUsed() const;
  // AWS's checks of the parameters themselves, before any expression is parsed: empty maps
  // ("ExpressionAttributeNames must not be empty") and keys without their '#' / ':' prefix
  // ("ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\""). CheckAllUsed
  // repeats them.
  std::optional<AwsError> CheckShape() const;

  const json::object* names() const { return names_; }
  const json::object* values() const { return values_; }
  std::set<std::string> used_names, used_values;
  int expressions = 0;  // expressions parsed with these placeholders

 private:
  const json::object* names_;
  const json::object* values_;
};

// One step of a document path: an attribute/map key, or a list index.
struct PathStep {
  std::string name;  // resolved (placeholders substituted)
  int index = -1;    // >= 0: list index, name empty
  friend bool operator==(const PathStep&, const PathStep&) = default;
};
using Path = std::vector<PathStep>;
std::string PathToString(const Path& p);  // a.b[2].c

// Resolves a path in an item; nullptr when absent.
const json::value* Resolve(const Item& item, const Path& path);

struct ExprNode;  // parsed tree, private to the implementation

// ConditionExpression / FilterExpression. `which` names the parameter in messages
// ("ConditionExpression", "FilterExpression").
class Condition {
 public:
  static Result<Condition> Parse(std::string_view text, Placeholders& ph, std::string_view which);
  // Legacy forms. `param` is "Expected", "QueryFilter" or "ScanFilter"; conditional_operator
  // is "AND" (default) or "OR".
  static Result<Condition> FromLegacy(const json::object& conditions, std::string_view param,
                                      std::string_view conditional_operator);
  // Evaluates against an item (an absent item is an empty object). Type mismatches are false,
  // as in AWS; errors only where AWS raises them at evaluation time.
  Result<bool> Evaluate(const Item& item) const;
  // The top-level attribute names the condition reads, in first-use order (Query's "Filter
  // Expression can only contain non-primary key attributes" check).
  std::vector<std::string> TopLevelNames() const;
  // From an already built tree (legacy forms, PartiQL).
  static Condition FromTree(ExprNode tree);

 private:
  std::shared_ptr<const ExprNode> root_;
};

// UpdateExpression (SET, REMOVE, ADD, DELETE) or the legacy AttributeUpdates.
class Update {
 public:
  static Result<Update> Parse(std::string_view text, Placeholders& ph);
  static Result<Update> FromLegacy(const json::object& attribute_updates);
  // Applies to `item` in place (item is empty for a new item). Evaluation errors are AWS's
  // ("The provided expression refers to an attribute that does not exist in the item",
  // "An operand in the update expression has an incorrect data type", ...).
  std::optional<AwsError> Apply(Item& item) const;
  // Every path the update writes or removes, for key-attribute checks ("Cannot update
  // attribute pk. This attribute is part of the key") and ReturnValues UPDATED_OLD/NEW.
  const std::vector<Path>& Targets() const { return targets_; }
  // From an already built tree (legacy forms).
  static Update FromTree(ExprNode tree);

 private:
  std::shared_ptr<const ExprNode> root_;
  std::vector<Path> targets_;
};

// ProjectionExpression or the legacy AttributesToGet.
class Projection {
 public:
  static Result<Projection> Parse(std::string_view text, Placeholders& ph);
  static Result<Projection> FromLegacy(const json::array& attributes_to_get);
  // The item reduced to the projected paths (nested paths keep their enclosing maps/lists,
  // list elements compacted in index order, as AWS returns them).
  Item Apply(const Item& item) const;
  // The top-level attribute names the projection reads.
  std::vector<std::string> TopLevelNames() const;
  // From already resolved paths (PartiQL's SELECT list).
  static Projection FromPaths(std::vector<Path> paths);

 private:
  std::vector<Path> paths_;
};

// KeyConditionExpression (or the legacy KeyConditions) against a table's or index's key
// schema: equality on the partition key and at most one condition on the sort key.
struct KeyCondition {
  enum class Op { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  std::string hash_name;
  json::value hash_value;
  std::string range_name;  // empty when there is no sort-key condition
  Op op = Op::kNone;
  json::value v1, v2;      // operands (v2 for BETWEEN)

  // Errors are AWS's: "Query condition missed key schema element: pk", "Query key condition
  // not supported", "Invalid KeyConditionExpression: ...". `range_key` empty for a hash-only
  // schema.
  static Result<KeyCondition> Parse(std::string_view text, Placeholders& ph,
                                    std::string_view hash_key, std::string_view range_key);
  static Result<KeyCondition> FromLegacy(const json::object& key_conditions,
                                         std::string_view hash_key, std::string_view range_key);
  // From (attribute, op, v1, v2) terms, with the same key-schema checks as Parse.
  static Result<KeyCondition> FromLegacyTerms(
      std::vector<std::tuple<std::string, Op, json::value, json::value>> terms,
      std::string_view hash_key, std::string_view range_key);
  // Whether an item's sort-key value satisfies the sort-key condition (true for kNone).
  bool RangeMatches(const json::value& range_value) const;
};

}  // namespace stratus::dynamodb
