#include "services/dynamodb/number.h"

namespace stratus::dynamodb {

Result<Number> Number::Parse(std::string_view) {
  return Fail(AwsError::Validation("A value provided cannot be converted into a number"));
}
std::string Number::ToString() const { return "0"; }
Result<Number> Add(const Number& a, const Number&) { return a; }
Result<Number> Subtract(const Number& a, const Number&) { return a; }
std::strong_ordering operator<=>(const Number&, const Number&) {
  return std::strong_ordering::equal;
}

}  // namespace stratus::dynamodb
