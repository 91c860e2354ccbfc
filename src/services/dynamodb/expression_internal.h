// The parsed form shared by the expression parser (expression_parse.cc), the legacy
// translations (expression_legacy.cc) and the evaluators (expression.cc). Private to
// stratus_ddb_lang.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "services/dynamodb/expression.h"

namespace stratus::dynamodb {

enum class NodeKind {
  // conditions
  kOr, kAnd, kNot, kCompare, kBetween, kIn, kFunction,
  // operands
  kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus,
  // update: root holds actions; an action has `path` and (SET/ADD/DELETE) children[0]
  kUpdate, kSet, kRemove, kAdd, kDelete,
  // legacy AttributeUpdates actions (value in `value`, or none for DELETE without value)
  kLegacyPut, kLegacyAdd, kLegacyDelete,
};
enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class Fn { kAttributeExists, kAttributeNotExists, kAttributeType, kBeginsWith, kContains };

struct ExprNode {
  NodeKind kind = NodeKind::kValue;
  CmpOp op = CmpOp::kEq;
  Fn fn = Fn::kAttributeExists;
  bool parenthesized = false;  // for "redundant parentheses"
  bool has_value = false;      // legacy DELETE with/without value
  Path path;
  json::value value;
  std::vector<ExprNode> children;
};

// Short ("S") and update-expression ("STRING") type names used in AWS's messages.
std::string_view LongTypeName(Type t);

// Parsing entry points used by the public classes. `which` is the parameter name used in
// messages ("ConditionExpression", "KeyConditionExpression", ...).
Result<ExprNode> ParseConditionTree(std::string_view text, Placeholders& ph,
                                    std::string_view which, bool key_condition);
Result<ExprNode> ParseUpdateTree(std::string_view text, Placeholders& ph);
Result<std::vector<Path>> ParseProjectionPaths(std::string_view text, Placeholders& ph);

// Overlap/conflict check of document paths ("Two document paths overlap with each other; ...").
std::optional<AwsError> CheckPathOverlaps(const std::vector<Path>& paths, std::string_view which);

// Update application helpers (expression.cc).
AwsError UpdateEvalError(std::string_view message);

}  // namespace stratus::dynamodb
