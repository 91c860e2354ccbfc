// Which service and operation a request is for, and in which protocol it came.
#pragma once

#include <string>
#include <vector>

#include "aws/model.h"
#include "aws/protocol/codec.h"
#include "aws/sigv4.h"
#include "core/error.h"
#include "core/http.h"

namespace stratus::aws {

struct Route {
  std::string service_id;
  const Service* service = nullptr;
  const Operation* op = nullptr;
  Protocol protocol = Protocol::Json;
  WireRequest wire;
  // Set when the service was found but the operation was not: render `error` in `protocol`.
  std::optional<AwsError> error;
};

// Finds the service from X-Amz-Target, the smithy-protocol header and path, the form body's
// Action, the SigV4 scope's service, SQS queue URL paths and the Host header; then the
// operation. A request whose service cannot be told answers with the returned error.
Result<Route> RouteRequest(const HttpRequest& req, const SigV4* sig);

// Matches a REST request against one operation's URI template. Returns a score (higher is
// more specific) or -1, and fills the decoded URI labels.
int MatchRestOperation(const Operation& op, const HttpRequest& req,
                       std::vector<std::pair<std::string, std::string>>& labels);

// The service ids of the compiled models that sign with this name (e.g. "monitoring" ->
// cloudwatch; "dynamodb" -> dynamodb, dynamodbstreams).
std::vector<std::string_view> ServicesForSigningName(std::string_view name);

}  // namespace stratus::aws
