// Helpers the item, query, batch and transaction operations share: reading a request's
// condition and projection (expression or legacy form) and the conditional-check failure.
#pragma once

#include <boost/json/serialize.hpp>

#include <optional>

#include "services/dynamodb/expression.h"

namespace stratus::dynamodb {

// ConditionExpression/FilterExpression (expr_param) or its legacy form (Expected,
// QueryFilter, ScanFilter) with ConditionalOperator; nullopt when neither is present.
Result<std::optional<Condition>> ParseCondition(const json::object& in, Placeholders& ph,
                                                std::string_view expr_param,
                                                std::string_view legacy_param);
// ProjectionExpression or AttributesToGet; nullopt when neither is present.
Result<std::optional<Projection>> ParseProjection(const json::object& in, Placeholders& ph);
// ConditionalCheckFailedException, with the old item when the request asked for it
// (ReturnValuesOnConditionCheckFailure ALL_OLD).
AwsError ConditionFailed(const Item* old_item, const json::object& in);

}  // namespace stratus::dynamodb
