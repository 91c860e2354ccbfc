// Protocol codecs: wire <-> canonical value (the JSON-protocol form of a shape: member names
// as in the model, blobs as base64 strings, timestamps as epoch seconds). One function pair
// per protocol; codec.cc dispatches on Protocol.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/model.h"
#include "core/error.h"
#include "core/http.h"
#include "core/json.h"

namespace stratus::aws {

// What routing learned about a request that decoding needs.
struct WireRequest {
  const HttpRequest* http = nullptr;
  // query protocol: the decoded form body and URL parameters, in order.
  std::vector<std::pair<std::string, std::string>> params;
  // rest protocols: URI labels matched from the request URI template (decoded).
  std::vector<std::pair<std::string, std::string>> labels;
};

struct EncodeOptions {
  std::string_view request_id;  // outlives the encoding (the gateway's exchange)
};

// Decodes the request into the operation's input value (an object; {} without input).
// Type errors become the protocol's serialization error (SerializationException for JSON
// protocols, a 400 for the others).
Result<json::value> DecodeRequest(Protocol p, const Service& svc, const Operation& op,
                                  const WireRequest& req);

// Encodes a successful output into the response (status, headers, body).
void EncodeResponse(Protocol p, const Service& svc, const Operation& op, const json::value& output,
                    const EncodeOptions& opts, HttpResponse& out);

// Encodes an error. `op` may be null when the operation is unknown.
void EncodeError(Protocol p, const Service& svc, const Operation* op, const AwsError& err,
                 const EncodeOptions& opts, HttpResponse& out);

// ---- per-protocol entry points (each in its own file) ----
Result<json::value> DecodeQuery(const Service& svc, const Operation& op, const WireRequest& req);
void EncodeQuery(const Service& svc, const Operation& op, const json::value& output,
                 const EncodeOptions& opts, HttpResponse& out);
void EncodeQueryError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                      HttpResponse& out);

Result<json::value> DecodeJson(const Service& svc, const Operation& op, const WireRequest& req);
void EncodeJson(const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out);
void EncodeJsonError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out);

Result<json::value> DecodeRest(bool xml, const Service& svc, const Operation& op,
                               const WireRequest& req);
void EncodeRest(bool xml, const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out);
void EncodeRestError(bool xml, const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out);

Result<json::value> DecodeCbor(const Service& svc, const Operation& op, const WireRequest& req);
void EncodeCbor(const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out);
void EncodeCborError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out);

// The JSON protocol with CBOR bodies (application/x-amz-cbor-1.1): the same CBOR items as
// above, but timestamps are tag 1 with epoch milliseconds (as the AWS SDK for Java writes and
// reads them), errors carry x-amzn-ErrorType, and no smithy-protocol header.
// A canonical value of `shape` as CBOR (timestamps in milliseconds when `millis`).
std::string EncodeCborValue(const Shape& shape, const json::value& v, bool millis);
Result<json::value> DecodeJsonCbor(const Service& svc, const Operation& op, const WireRequest& req);
void EncodeJsonCbor(const Service& svc, const Operation& op, const json::value& output,
                    const EncodeOptions& opts, HttpResponse& out);
void EncodeJsonCborError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                         HttpResponse& out);

// ---- shared helpers ----
// JSON-protocol body value <-> canonical value for a shape (renames members with
// locationName, converts timestamps, checks types). Used by json, rest-json.
// Takes the value by value: callers that own the parsed body move it in and nothing is copied.
Result<json::value> JsonToCanonical(const Shape& shape, json::value v, TsFormat fmt);
// The canonical value as JSON-protocol text, written straight from the value (no copy).
void AppendCanonicalJson(const Shape& shape, const json::value& v, TsFormat fmt, std::string& out);
// The same for an object of a structure or map shape, with no json::value around it.
void AppendCanonicalJson(const Shape& shape, const json::object& v, std::string& out);
std::string CanonicalToJsonText(const Shape& shape, const json::value& v, TsFormat fmt);
// A structure's JSON text with `member` given as ready text (written by the handler), the
// other members from `v`, in model order.
std::string CanonicalToJsonTextWith(const Shape& shape, const json::object& v,
                                   std::string_view member, std::string_view text);
// A 200 JSON-protocol response with `body` as it is.
void EncodeJsonBody(const Service& svc, std::string body, HttpResponse& out);
// A scalar from its text form (headers, query strings, XML text) into the canonical value.
Result<json::value> ScalarFromText(const Shape& shape, std::string_view text, TsFormat fmt);
// A canonical scalar as text; timestamps in `fmt` (Default: ISO 8601).
std::string ScalarToText(const Shape& shape, const json::value& v, TsFormat fmt);
// Epoch milliseconds of a canonical timestamp value (number of seconds).
int64_t TimestampMillis(const json::value& v);
json::value TimestampValue(int64_t epoch_ms);

AwsError SerializationError(std::string message);
// The namespace some services put before the error code in __type (JSON and CBOR errors).
std::string_view JsonErrorPrefix(const Service& svc);
// Adds an error's extra members (JSON texts) to a JSON error body.
void AddExtraMembers(const AwsError& err, json::object& body);

}  // namespace stratus::aws
