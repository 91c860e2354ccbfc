#include "aws/protocol/codec.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

#include "core/encoding.h"
#include "core/timefmt.h"

namespace stratus::aws {

AwsError SerializationError(std::string message) {
  return AwsError::Make("SerializationException", std::move(message));
}

void AddExtraMembers(const AwsError& err, json::object& body) {
  for (const auto& [k, v] : err.extra_json) {
    boost::system::error_code ec;
    auto parsed = json::parse(v, ec);
    if (!ec) body[k] = std::move(parsed);
  }
}

int64_t TimestampMillis(const json::value& v) {
  if (v.is_int64()) return v.get_int64() * 1000;
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64()) * 1000;
  if (v.is_double()) return static_cast<int64_t>(std::llround(v.get_double() * 1000.0));
  if (v.is_string()) return ParseTimestamp(v.get_string()).value_or(0);
  return 0;
}

json::value TimestampValue(int64_t ms) {
  if (ms % 1000 == 0) return json::value(ms / 1000);
  return json::value(static_cast<double>(ms) / 1000.0);
}

namespace {
Result<json::value> ParseNumberText(const Shape& shape, std::string_view text) {
  if (shape.type == ShapeType::Float || shape.type == ShapeType::Double ||
      shape.type == ShapeType::BigDecimal) {
    if (text == "NaN" || text == "Infinity" || text == "-Infinity") return json::value(text);
    double d = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || p != text.data() + text.size())
      return Fail(SerializationError("Value '" + std::string(text) + "' is not a valid number"));
    return json::value(d);
  }
  int64_t i = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec != std::errc() || p != text.data() + text.size())
    return Fail(SerializationError("Value '" + std::string(text) + "' is not a valid integer"));
  return json::value(i);
}
}  // namespace

Result<json::value> ScalarFromText(const Shape& shape, std::string_view text, TsFormat fmt) {
  switch (shape.type) {
    case ShapeType::Boolean:
      if (text == "true") return json::value(true);
      if (text == "false") return json::value(false);
      return Fail(SerializationError("Value '" + std::string(text) + "' is not a valid boolean"));
    case ShapeType::Integer: case ShapeType::Long: case ShapeType::Float: case ShapeType::Double:
    case ShapeType::BigInteger: case ShapeType::BigDecimal: case ShapeType::Byte:
    case ShapeType::Short:
      return ParseNumberText(shape, text);
    case ShapeType::Timestamp: {
      auto ms = ParseTimestamp(text);
      if (!ms) return Fail(SerializationError("Value '" + std::string(text) +
                                              "' is not a valid timestamp"));
      return TimestampValue(*ms);
    }
    default:
      return json::value(json::string(text));
  }
}

std::string ScalarToText(const Shape& shape, const json::value& v, TsFormat fmt) {
  if (shape.type == ShapeType::Timestamp) {
    int64_t ms = TimestampMillis(v);
    switch (fmt) {
      case TsFormat::Rfc822: return FormatHttpDate(ms);
      case TsFormat::UnixTimestamp: return FormatEpochSeconds(ms);
      default: return FormatIso8601(ms);
    }
  }
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, p);
  }
  return json::serialize(v);
}

Result<json::value> DecodeRequest(Protocol p, const Service& svc, const Operation& op,
                                  const WireRequest& req) {
  switch (p) {
    case Protocol::Query:
    case Protocol::Ec2: return DecodeQuery(svc, op, req);
    case Protocol::Json: return DecodeJson(svc, op, req);
    case Protocol::RestJson: return DecodeRest(false, svc, op, req);
    case Protocol::RestXml: return DecodeRest(true, svc, op, req);
    case Protocol::RpcV2Cbor: return DecodeCbor(svc, op, req);
    case Protocol::JsonCbor: return DecodeJsonCbor(svc, op, req);
  }
  return json::value(json::object());
}

void EncodeResponse(Protocol p, const Service& svc, const Operation& op, const json::value& output,
                    const EncodeOptions& opts, HttpResponse& out) {
  switch (p) {
    case Protocol::Query:
    case Protocol::Ec2: return EncodeQuery(svc, op, output, opts, out);
    case Protocol::Json: return EncodeJson(svc, op, output, opts, out);
    case Protocol::RestJson: return EncodeRest(false, svc, op, output, opts, out);
    case Protocol::RestXml: return EncodeRest(true, svc, op, output, opts, out);
    case Protocol::RpcV2Cbor: return EncodeCbor(svc, op, output, opts, out);
    case Protocol::JsonCbor: return EncodeJsonCbor(svc, op, output, opts, out);
  }
}

void EncodeError(Protocol p, const Service& svc, const Operation* op, const AwsError& err,
                 const EncodeOptions& opts, HttpResponse& out) {
  // An error named after a modelled error shape takes its code and status from the model.
  AwsError e = err;
  if (const Shape* s = svc.FindShape(e.code); s && s->exception && s->has_error) {
    if (e.query_code.empty() && !s->error_code.empty()) e.query_code = s->error_code;
  }
  switch (p) {
    case Protocol::Query:
    case Protocol::Ec2: return EncodeQueryError(svc, e, opts, out);
    case Protocol::Json: return EncodeJsonError(svc, e, opts, out);
    case Protocol::RestJson: return EncodeRestError(false, svc, e, opts, out);
    case Protocol::RestXml: return EncodeRestError(true, svc, e, opts, out);
    case Protocol::RpcV2Cbor: return EncodeCborError(svc, e, opts, out);
    case Protocol::JsonCbor: return EncodeJsonCborError(svc, e, opts, out);
  }
}

}  // namespace stratus::aws
