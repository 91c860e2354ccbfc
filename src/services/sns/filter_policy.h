// SNS subscription filter policies: parsing with AWS's limits and matching against message
// attributes or a JSON message body.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace stratus::sns {

// Checks a policy's syntax and limits; returns AWS's InvalidParameter reason on failure.
std::optional<std::string> ValidateFilterPolicy(const json::value& policy);

// Whether a message passes the policy. With body scope, `subject` is the parsed JSON body;
// otherwise it is the message attributes as {"name": {"Type": "String", "Value": "..."}}.
bool MatchesFilterPolicy(const json::value& policy, const json::value& subject, bool body_scope);

}  // namespace stratus::sns
