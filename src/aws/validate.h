// Model-driven input validation: required members, lengths, ranges, patterns and enums,
// reported in AWS's words ("1 validation error detected: Value null at 'roleArn' failed to
// satisfy constraint: Member must not be null").
#pragma once

#include <optional>
#include <string>

#include "aws/model.h"
#include "core/json.h"

namespace stratus::aws {

// Returns the combined message, or nullopt when the input is valid.
// Enum constraints are checked unless check_enums is false (services whose API accepts
// values outside the model's enum, and answers others with its own errors).
std::optional<std::string> ValidateInput(const Shape& input, const json::value& value,
                                         bool check_enums = true);

}  // namespace stratus::aws
