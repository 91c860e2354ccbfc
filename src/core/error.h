// AwsError: the one error type of Stratus. Handlers return it as a value (Result<T>); the
// protocol layer renders it to the wire in one place (aws/protocol/errors.cc).
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace stratus {

struct AwsError {
  std::string code;     // e.g. "ValidationError", "InvalidParameterValue"
  std::string message;  // AWS's message, word for word where known
  int http_status = 400;
  bool sender_fault = true;  // query protocol <Type>Sender</Type> vs Receiver
  // Extra members rendered beside code/message (e.g. CancellationReasons); JSON text.
  std::vector<std::pair<std::string, std::string>> extra_json;
  // Optional override of the query-compatible error code (x-amzn-query-error), e.g.
  // "AWS.SimpleQueueService.NonExistentQueue". Empty: same as code.
  std::string query_code;

  static AwsError Make(std::string code, std::string message, int status = 400) {
    AwsError e;
    e.code = std::move(code);
    e.message = std::move(message);
    e.http_status = status;
    e.sender_fault = status < 500;
    return e;
  }
  // The JSON/REST protocols' generic validation failure.
  static AwsError Validation(std::string message) {
    return Make("ValidationException", std::move(message));
  }
  // The query protocols' generic validation failure.
  static AwsError QueryValidation(std::string message) {
    return Make("ValidationError", std::move(message));
  }
  static AwsError InvalidParameterValue(std::string message) {
    return Make("InvalidParameterValue", std::move(message));
  }
  static AwsError MissingParameter(std::string message) {
    return Make("MissingParameter", std::move(message));
  }
  static AwsError AccessDenied(std::string message) {
    return Make("AccessDenied", std::move(message), 403);
  }
  static AwsError NotImplemented(std::string_view service, std::string_view operation) {
    return Make("NotImplemented",
                std::string(service) + " operation " + std::string(operation) +
                    " is not implemented by Stratus yet",
                501);
  }
  static AwsError Internal(std::string message) {
    return Make("InternalFailure", std::move(message), 500);
  }
};

template <typename T>
using Result = std::expected<T, AwsError>;

inline std::unexpected<AwsError> Fail(AwsError e) { return std::unexpected<AwsError>(std::move(e)); }

}  // namespace stratus
