// DynamoDB's number type: a decimal of up to 38 significant digits with exponent range
// 1E-130 to 9.9999999999999999999999999999999999999E+125 (positive and negative), never a
// double. Parse validates and normalises (AWS answers "1.50" as "1.5", "-0" as "0",
// "1E+2" as "100"); arithmetic is exact and fails as AWS fails when a result leaves the range
// or needs more than 38 digits.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace stratus::dynamodb {

class Number {
 public:
  Number() = default;  // zero
  // AWS's ValidationException messages for bad text, overflow, underflow and precision.
  static Result<Number> Parse(std::string_view text);
  // The canonical text DynamoDB stores and returns.
  std::string ToString() const;
  bool IsZero() const { return digits_.empty(); }

  friend Result<Number> Add(const Number& a, const Number& b);
  friend Result<Number> Subtract(const Number& a, const Number& b);
  friend std::strong_ordering operator<=>(const Number& a, const Number& b);
  friend bool operator==(const Number& a, const Number& b) = default;

 private:
  // From possibly zero-padded digits; value = 0.digits x 10^exponent. Checks range/precision.
  static Result<Number> Make(bool negative, std::string digits, int64_t exponent);

  bool negative_ = false;
  std::string digits_;    // significant digits, no leading/trailing zeros; empty for zero
  int32_t exponent_ = 0;  // value = 0.digits_ x 10^exponent_
};

// Numeric ordering of two number texts (as stored on the wire) without allocating; the texts
// are assumed valid (ValidateValue has normalised them).
std::strong_ordering CompareNumberText(std::string_view a, std::string_view b);
// Bytes a number takes in AWS's item-size accounting (base-100 digit pairs + 1, +1 if negative).
size_t NumberTextSize(std::string_view text);

// AWS's number errors (ValidationException), shared with update arithmetic.
AwsError NumberOverflow();
AwsError NumberUnderflow();
AwsError NumberPrecision();

}  // namespace stratus::dynamodb
