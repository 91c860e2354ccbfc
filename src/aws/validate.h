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
std::optional<std::string> ValidateInput(const Shape& input, const json::value& value);

}  // namespace stratus::aws
