#include "services/dynamodb/expression.h"

namespace stratus::dynamodb {

struct ExprNode {};

namespace {
AwsError NotYet() { return AwsError::Validation("Expressions are not implemented yet"); }
}  // namespace

Placeholders::Placeholders(const json::object* names, const json::object* values)
    : names_(names), values_(values) {}
std::optional<AwsError> Placeholders::CheckAllUsed() const { return std::nullopt; }

std::string PathToString(const Path&) { return ""; }
const json::value* Resolve(const Item&, const Path&) { return nullptr; }

Result<Condition> Condition::Parse(std::string_view, Placeholders&, std::string_view) {
  return Fail(NotYet());
}
Result<Condition> Condition::FromLegacy(const json::object&, std::string_view, std::string_view) {
  return Fail(NotYet());
}
Result<bool> Condition::Evaluate(const Item&) const { return false; }

Result<Update> Update::Parse(std::string_view, Placeholders&) { return Fail(NotYet()); }
Result<Update> Update::FromLegacy(const json::object&) { return Fail(NotYet()); }
std::optional<AwsError> Update::Apply(Item&) const { return NotYet(); }

Result<Projection> Projection::Parse(std::string_view, Placeholders&) { return Fail(NotYet()); }
Result<Projection> Projection::FromLegacy(const json::array&) { return Fail(NotYet()); }
Item Projection::Apply(const Item& item) const { return item; }
std::vector<std::string> Projection::TopLevelNames() const { return {}; }

Result<KeyCondition> KeyCondition::Parse(std::string_view, Placeholders&, std::string_view,
                                         std::string_view) {
  return Fail(NotYet());
}
Result<KeyCondition> KeyCondition::FromLegacy(const json::object&, std::string_view,
                                              std::string_view) {
  return Fail(NotYet());
}
bool KeyCondition::RangeMatches(const json::value&) const { return true; }

}  // namespace stratus::dynamodb
