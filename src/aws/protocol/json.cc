// awsJson1_0 / awsJson1_1: POST / with X-Amz-Target "<targetPrefix>.<Operation>", the input
// as a JSON object; output and errors as JSON. With awsQueryCompatible (SQS, CloudWatch)
// errors also carry x-amzn-query-error "<query code>;<Sender|Receiver>".
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cstring>

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

namespace {

// The text being written: a string grown by doubling, written through a pointer, so a character
// costs a compare and a store (std::string::push_back is an out-of-line call).
class TextOut {
 public:
  explicit TextOut(std::string& s) : s_(s) {
    // Little slack up front (resizing zero-fills): a page appends one item at a time.
    size_t n = s_.size();
    s_.resize(n + 256);
    Rebase(n);
  }
  void Put(char c) {
    if (p_ == end_) [[unlikely]]
      Grow(1);
    *p_++ = c;
  }
  void Append(std::string_view v) {
    if (static_cast<size_t>(end_ - p_) < v.size()) [[unlikely]]
      Grow(v.size());
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  // Cuts the string to what was written.
  void Finish() { s_.resize(p_ - s_.data()); }

 private:
  [[gnu::noinline]] void Grow(size_t k) {
    size_t n = p_ - s_.data();
    s_.resize(std::max(2 * s_.size(), n + k + 256));
    Rebase(n);
  }
  void Rebase(size_t n) {
    p_ = s_.data() + n;
    end_ = s_.data() + s_.size();
  }
  std::string& s_;
  char* p_;
  char* end_;
};

// Appends `s` as a JSON string, escaped as Boost.JSON's serializer escapes it (quote,
// backslash and control characters; everything else as is).
void AppendJsonString(std::string_view s, TextOut& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.Put('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    // Eight characters at a time while none is a control character, quote or backslash.
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    while (i + 8 <= s.size()) {
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      uint64_t q = x ^ (kOnes * '"'), b = x ^ (kOnes * '\\');
      if ((((x - kOnes * 0x20) & ~x) | ((q - kOnes) & ~q) | ((b - kOnes) & ~b)) & kHigh) break;
      i += 8;
    }
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.Append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"': out.Append("\\\""); break;
      case '\\': out.Append("\\\\"); break;
      case '\b': out.Append("\\b"); break;
      case '\f': out.Append("\\f"); break;
      case '\n': out.Append("\\n"); break;
      case '\r': out.Append("\\r"); break;
      case '\t': out.Append("\\t"); break;
      default:
        out.Append("\\u00");
        out.Put(kHex[c >> 4]);
        out.Put(kHex[c & 15]);
    }
  }
  out.Append(s.substr(run));
  out.Put('"');
}

// Appends a value with no shape to follow, as json::serialize writes it.
void AppendPlain(const json::value& v, TextOut& out) {
  switch (v.kind()) {
    case json::kind::string: return AppendJsonString(v.get_string(), out);
    case json::kind::int64: case json::kind::uint64: {
      char buf[24];
      auto r = v.is_int64() ? std::to_chars(buf, buf + sizeof buf, v.get_int64())
                            : std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.Append(std::string_view(buf, r.ptr - buf));
      return;
    }
    case json::kind::double_: out.Append(json::serialize(v)); return;
    case json::kind::bool_: out.Append(v.get_bool() ? "true" : "false"); return;
    case json::kind::null: out.Append("null"); return;
    case json::kind::array: {
      out.Put('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.Put(',');
        first = false;
        AppendPlain(e, out);
      }
      out.Put(']');
      return;
    }
    case json::kind::object: {
      out.Put('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.Put(',');
        first = false;
        AppendJsonString(kv.key(), out);
        out.Put(':');
        AppendPlain(kv.value(), out);
      }
      out.Put('}');
      return;
    }
  }
}

bool InBody(const MemberRef& m) {
  return m.location != Location::Header && m.location != Location::Headers &&
         m.location != Location::StatusCode;
}

void AppendCanonical(const Shape& shape, const json::value& v, TsFormat fmt, TextOut& out);

// A structure or map (the caller checked the shape's type).
// Ready text for one member of a structure (CanonicalToJsonTextWith).
struct RawMember {
  std::string_view name, text;
};

// A structure or map (the caller checked the shape's type).
void AppendObject(const Shape& shape, const json::object& in, TextOut& out,
                  const RawMember* raw = nullptr) {
  out.Put('{');
  bool first = true;
  if (shape.type == ShapeType::Map) {
    for (const auto& [k, e] : in) {
      if (!first) out.Put(',');
      first = false;
      AppendJsonString(k, out);
      out.Put(':');
      AppendCanonical(*shape.value.shape, e, shape.value.ts_format, out);
    }
    out.Put('}');
    return;
  }
  auto member = [&](const MemberRef& m, const json::value* mv) {
    if (!InBody(m) || (mv && mv->is_null())) return;
    if (!first) out.Put(',');
    first = false;
    AppendJsonString(m.WireName(), out);
    out.Put(':');
    if (mv)
      AppendCanonical(*m.shape, *mv, m.ts_format, out);
    else
      out.Append(raw->text);
  };
  if (in.size() == 1 && !raw) {
    // One member present (a DynamoDB AttributeValue, say): look it up rather than looking
    // for every member of the shape.
    if (const MemberRef* m = shape.FindMember(in.begin()->key())) member(*m, &in.begin()->value());
  } else {
    // Members in model order, as the model lists them.
    for (const auto& m : shape.members) {
      if (raw && m.name == raw->name)
        member(m, nullptr);
      else if (auto it = in.find(m.name); it != in.end())
        member(m, &it->value());
    }
  }
  out.Put('}');
}

void AppendCanonical(const Shape& shape, const json::value& v, TsFormat fmt, TextOut& out) {
  switch (shape.type) {
    case ShapeType::Structure:
    case ShapeType::Map:
      if (!v.is_object()) return AppendPlain(v, out);
      return AppendObject(shape, v.get_object(), out);
    case ShapeType::List: {
      if (!v.is_array()) return AppendPlain(v, out);
      out.Put('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.Put(',');
        first = false;
        AppendCanonical(*shape.member.shape, e, shape.member.ts_format, out);
      }
      out.Put(']');
      return;
    }
    case ShapeType::Timestamp:
      if (fmt == TsFormat::Iso8601) return AppendJsonString(FormatIso8601(TimestampMillis(v)), out);
      if (fmt == TsFormat::Rfc822) return AppendJsonString(FormatHttpDate(TimestampMillis(v)), out);
      if (v.is_string()) return AppendPlain(TimestampValue(TimestampMillis(v)), out);
      return AppendPlain(v, out);
    default:
      return AppendPlain(v, out);
  }
}

}  // namespace

void AppendCanonicalJson(const Shape& shape, const json::value& v, TsFormat fmt, std::string& out) {
  TextOut o(out);
  AppendCanonical(shape, v, fmt, o);
  o.Finish();
}

void AppendCanonicalJson(const Shape& shape, const json::object& v, std::string& out) {
  TextOut o(out);
  if (shape.type == ShapeType::Structure || shape.type == ShapeType::Map)
    AppendObject(shape, v, o);
  else
    AppendPlain(json::value(v), o);
  o.Finish();
}

std::string CanonicalToJsonTextWith(const Shape& shape, const json::object& v,
                                   std::string_view member, std::string_view text) {
  std::string out;
  out.reserve(text.size() + 256);
  TextOut o(out);
  RawMember raw{member, text};
  AppendObject(shape, v, o, &raw);
  o.Finish();
  return out;
}

std::string CanonicalToJsonText(const Shape& shape, const json::value& v, TsFormat fmt) {
  std::string out;
  out.reserve(256);
  AppendCanonicalJson(shape, v, fmt, out);
  return out;
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

void EncodeJsonBody(const Service& svc, std::string body, HttpResponse& out) {
  out.status = 200;
  out.headers.Set("Content-Type", "application/x-amz-json-" + svc.json_version);
  out.body = std::move(body);
}

void EncodeJson(const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out) {
  EncodeJsonBody(svc, op.output ? CanonicalToJsonText(*op.output, output, TsFormat::Default) : "{}",
                 out);
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
