// awsJson1_0 / awsJson1_1: POST / with X-Amz-Target "<targetPrefix>.<Operation>", the input
// as a JSON object; output and errors as JSON. With awsQueryCompatible (SQS, CloudWatch)
// errors also carry x-amzn-query-error "<query code>;<Sender|Receiver>".
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "core/timefmt.h"

namespace stratus::aws {
namespace {

std::string TypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return "String";
    case json::kind::bool_: return "Boolean";
    case json::kind::array: return "Array";
    case json::kind::object: return "Object";
    case json::kind::null: return "Null";
    default: return "Number";
  }
}

AwsError TypeError(const Shape& shape, const json::value& v) {
  return SerializationError("Unexpected " + TypeName(v) + " for shape " + shape.name);
}

}  // namespace

Result<json::value> JsonToCanonical(const Shape& shape, json::value v, TsFormat fmt) {
  switch (shape.type) {
    case ShapeType::Structure: {
      if (!v.is_object()) return Fail(TypeError(shape, v));
      if (shape.plain_json_body) {
        // Wire names are the model's: check and convert the members where they are, dropping
        // nulls and anything the shape does not have, with no new object.
        auto& in = v.get_object();
        for (auto it = in.begin(); it != in.end();) {
          const MemberRef* m = shape.FindMember(it->key());
          if (!m || m->location != Location::Body || it->value().is_null()) {
            it = in.erase(it);
            continue;
          }
          auto r = JsonToCanonical(*m->shape, std::move(it->value()), m->ts_format);
          if (!r) return r;
          it->value() = std::move(*r);
          ++it;
        }
        return v;
      }
      json::object out;
      auto& in = v.get_object();
      for (const auto& m : shape.members) {
        if (m.location != Location::Body) continue;
        auto it = in.find(m.WireName());
        if (it == in.end() || it->value().is_null()) continue;
        auto r = JsonToCanonical(*m.shape, std::move(it->value()), m.ts_format);
        if (!r) return r;
        out.emplace(m.name, std::move(*r));
      }
      return json::value(std::move(out));
    }
    case ShapeType::List: {
      if (!v.is_array()) return Fail(TypeError(shape, v));
      auto& arr = v.get_array();
      for (auto& e : arr) {
        if (e.is_null()) continue;
        auto r = JsonToCanonical(*shape.member.shape, std::move(e), shape.member.ts_format);
        if (!r) return r;
        e = std::move(*r);
      }
      return v;
    }
    case ShapeType::Map: {
      if (!v.is_object()) return Fail(TypeError(shape, v));
      json::object out;
      for (auto& [k, e] : v.get_object()) {
        if (e.is_null()) continue;  // dense maps skip null values
        auto r = JsonToCanonical(*shape.value.shape, std::move(e), shape.value.ts_format);
        if (!r) return r;
        out.emplace(k, std::move(*r));
      }
      return json::value(std::move(out));
    }
    case ShapeType::String:
      if (!v.is_string()) return Fail(TypeError(shape, v));
      return v;
    case ShapeType::Boolean:
      if (!v.is_bool()) return Fail(TypeError(shape, v));
      return v;
    case ShapeType::Integer: case ShapeType::Long: case ShapeType::Byte: case ShapeType::Short:
    case ShapeType::BigInteger:
      if (v.is_int64() || v.is_uint64()) return v;
      if (v.is_double() && v.get_double() == static_cast<double>(static_cast<int64_t>(v.get_double())))
        return json::value(static_cast<int64_t>(v.get_double()));
      return Fail(TypeError(shape, v));
    case ShapeType::Float: case ShapeType::Double: case ShapeType::BigDecimal:
      if (v.is_number()) return v;
      if (v.is_string() && (v.get_string() == "NaN" || v.get_string() == "Infinity" ||
                            v.get_string() == "-Infinity"))
        return v;
      return Fail(TypeError(shape, v));
    case ShapeType::Timestamp:
      if (v.is_number()) return v;
      if (v.is_string()) {
        auto ms = ParseTimestamp(v.get_string());
        if (!ms) return Fail(TypeError(shape, v));
        return TimestampValue(*ms);
      }
      return Fail(TypeError(shape, v));
    case ShapeType::Blob:
      if (!v.is_string() || !IsBase64(v.get_string()))
        return Fail(TypeError(shape, v));
      return v;
    case ShapeType::Document:
      return v;
  }
  return v;
}

json::value CanonicalToJson(const Shape& shape, const json::value& v, TsFormat fmt) {
  switch (shape.type) {
    case ShapeType::Structure: {
      if (!v.is_object()) return v;
      json::object out;
      const auto& in = v.get_object();
      for (const auto& m : shape.members) {
        if (m.location == Location::Header || m.location == Location::Headers ||
            m.location == Location::StatusCode)
          continue;
        auto it = in.find(m.name);
        if (it == in.end() || it->value().is_null()) continue;
        out.emplace(m.WireName(), CanonicalToJson(*m.shape, it->value(), m.ts_format));
      }
      return json::value(std::move(out));
    }
    case ShapeType::List: {
      if (!v.is_array()) return v;
      json::array out;
      out.reserve(v.get_array().size());
      for (const auto& e : v.get_array())
        out.push_back(CanonicalToJson(*shape.member.shape, e, shape.member.ts_format));
      return json::value(std::move(out));
    }
    case ShapeType::Map: {
      if (!v.is_object()) return v;
      json::object out;
      for (const auto& [k, e] : v.get_object())
        out.emplace(k, CanonicalToJson(*shape.value.shape, e, shape.value.ts_format));
      return json::value(std::move(out));
    }
    case ShapeType::Timestamp:
      if (fmt == TsFormat::Iso8601) return json::value(FormatIso8601(TimestampMillis(v)));
      if (fmt == TsFormat::Rfc822) return json::value(FormatHttpDate(TimestampMillis(v)));
      if (v.is_string()) return TimestampValue(TimestampMillis(v));
      return v;
    default:
      return v;
  }
}

Result<json::value> DecodeJson(const Service& svc, const Operation& op, const WireRequest& req) {
  if (!op.input) return json::value(json::object());
  std::string_view body = req.http->body;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return Fail(SerializationError("Start of structure or map found where not expected."));
  if (!parsed.is_object()) return Fail(SerializationError("Start of list found where not expected"));
  return JsonToCanonical(*op.input, std::move(parsed), TsFormat::Default);
}

void EncodeJson(const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out) {
  out.status = 200;
  out.headers.Set("Content-Type", "application/x-amz-json-" + svc.json_version);
  if (!op.output) {
    out.body = "{}";
    return;
  }
  out.body = json::serialize(CanonicalToJson(*op.output, output, TsFormat::Default));
}

void EncodeJsonError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out) {
  out.status = err.http_status;
  out.headers.Set("Content-Type", "application/x-amz-json-" + svc.json_version);
  json::object body;
  body["__type"] = std::string(JsonErrorPrefix(svc)) + err.code;
  body["message"] = err.message;
  AddExtraMembers(err, body);
  out.body = json::serialize(body);
  if (svc.query_compatible) {
    out.headers.Set("x-amzn-query-error",
                    (err.query_code.empty() ? err.code : err.query_code) + ";" +
                        (err.sender_fault ? "Sender" : "Receiver"));
  }
}

// The namespace some services put before the error code in __type. SDKs strip it; tools that
// compare raw bodies do not.
std::string_view JsonErrorPrefix(const Service& svc) {
  if (svc.id == "dynamodb") return "com.amazonaws.dynamodb.v20120810#";
  if (svc.id == "dynamodbstreams") return "com.amazonaws.dynamodb.v20120810#";
  if (svc.id == "sqs") return "com.amazonaws.sqs#";
  return "";
}

}  // namespace stratus::aws
