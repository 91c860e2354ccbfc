#include "services/dynamodb/value.h"

namespace stratus::dynamodb {

Type TypeOf(const json::value&) { return Type::kInvalid; }
std::string_view TypeName(Type) { return ""; }
std::optional<AwsError> ValidateValue(json::value&) { return std::nullopt; }
std::optional<AwsError> ValidateItem(Item&) { return std::nullopt; }
size_t ValueSize(const json::value&) { return 0; }
size_t ItemSize(const Item&) { return 0; }
bool ValuesEqual(const json::value& a, const json::value& b) { return a == b; }
std::optional<std::strong_ordering> CompareScalars(const json::value&, const json::value&) {
  return std::nullopt;
}

}  // namespace stratus::dynamodb
