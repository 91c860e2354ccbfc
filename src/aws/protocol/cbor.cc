// Smithy RPC v2 CBOR: POST /service/<Service>/operation/<Operation>, smithy-protocol:
// rpc-v2-cbor, bodies as CBOR maps (RFC 8949). Blobs are byte strings, timestamps tag 1.
#include <bit>
#include <cmath>
#include <cstring>

#include "aws/protocol/codec.h"
#include "core/encoding.h"

namespace stratus::aws {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool AtEnd() const { return pos_ >= d_.size(); }

  Result<json::value> Item(int depth = 0) {
    if (depth > 64) return Bad("nesting too deep");
    if (pos_ >= d_.size()) return Bad("unexpected end of input");
    uint8_t ib = static_cast<uint8_t>(d_[pos_++]);
    int major = ib >> 5;
    int info = ib & 31;
    if (major == 7) return Simple(info);
    if (info == 31) return Indefinite(major, depth);
    auto arg = Arg(info);
    if (!arg) return Fail(arg.error());
    uint64_t n = *arg;
    switch (major) {
      case 0:
        if (n > static_cast<uint64_t>(INT64_MAX)) return json::value(n);
        return json::value(static_cast<int64_t>(n));
      case 1:
        return json::value(-1 - static_cast<int64_t>(n));
      case 2: {
        if (n > d_.size() - pos_) return Bad("byte string past end");
        auto s = d_.substr(pos_, n);
        pos_ += n;
        return json::value(Base64Encode(s));
      }
      case 3: {
        if (n > d_.size() - pos_) return Bad("text string past end");
        auto s = d_.substr(pos_, n);
        pos_ += n;
        return json::value(json::string(s));
      }
      case 4: {
        json::array arr;
        for (uint64_t i = 0; i < n; ++i) {
          auto v = Item(depth + 1);
          if (!v) return v;
          arr.push_back(std::move(*v));
        }
        return json::value(std::move(arr));
      }
      case 5: {
        json::object obj;
        for (uint64_t i = 0; i < n; ++i) {
          auto k = Item(depth + 1);
          if (!k) return k;
          if (!k->is_string()) return Bad("map key is not a text string");
          auto v = Item(depth + 1);
          if (!v) return v;
          obj[k->get_string()] = std::move(*v);
        }
        return json::value(std::move(obj));
      }
      case 6: {
        auto v = Item(depth + 1);
        return v;  // tag 1 (epoch time) and others: the tagged value itself
      }
    }
    return Bad("unknown major type");
  }

 private:
  static std::unexpected<AwsError> Bad(std::string what) {
    return Fail(SerializationError("Malformed CBOR: " + what));
  }

  Result<uint64_t> Arg(int info) {
    if (info < 24) return static_cast<uint64_t>(info);
    int len = info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : info == 27 ? 8 : 0;
    if (len == 0) return Fail(SerializationError("Malformed CBOR: bad additional info"));
    if (pos_ + len > d_.size()) return Fail(SerializationError("Malformed CBOR: truncated"));
    uint64_t v = 0;
    for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<uint8_t>(d_[pos_++]);
    return v;
  }

  Result<json::value> Simple(int info) {
    switch (info) {
      case 20: return json::value(false);
      case 21: return json::value(true);
      case 22: case 23: return json::value(nullptr);
      case 25: {
        auto a = Arg(25);
        if (!a) return Fail(a.error());
        return Float(HalfToDouble(static_cast<uint16_t>(*a)));
      }
      case 26: {
        auto a = Arg(26);
        if (!a) return Fail(a.error());
        return Float(std::bit_cast<float>(static_cast<uint32_t>(*a)));
      }
      case 27: {
        auto a = Arg(27);
        if (!a) return Fail(a.error());
        return Float(std::bit_cast<double>(*a));
      }
    }
    if (info < 24) return json::value(nullptr);
    return Bad("unsupported simple value");
  }

  static json::value Float(double d) {
    if (std::isnan(d)) return json::value("NaN");
    if (std::isinf(d)) return json::value(d > 0 ? "Infinity" : "-Infinity");
    return json::value(d);
  }

  static double HalfToDouble(uint16_t h) {
    int exp = (h >> 10) & 0x1f;
    int mant = h & 0x3ff;
    double v;
    if (exp == 0) v = std::ldexp(mant, -24);
    else if (exp != 31) v = std::ldexp(mant + 1024, exp - 25);
    else v = mant == 0 ? INFINITY : NAN;
    return (h & 0x8000) ? -v : v;
  }

  Result<json::value> Indefinite(int major, int depth) {
    auto is_break = [&] { return pos_ < d_.size() && static_cast<uint8_t>(d_[pos_]) == 0xff; };
    if (major == 2 || major == 3) {
      std::string acc;
      while (!is_break()) {
        if (pos_ >= d_.size()) return Bad("unterminated string");
        auto chunk = Item(depth + 1);
        if (!chunk) return chunk;
        if (!chunk->is_string()) return Bad("bad string chunk");
        if (major == 2) acc += Base64Decode(chunk->get_string()).value_or("");
        else acc += chunk->get_string();
      }
      ++pos_;
      return major == 2 ? json::value(Base64Encode(acc)) : json::value(json::string(acc));
    }
    if (major == 4) {
      json::array arr;
      while (!is_break()) {
        if (pos_ >= d_.size()) return Bad("unterminated array");
        auto v = Item(depth + 1);
        if (!v) return v;
        arr.push_back(std::move(*v));
      }
      ++pos_;
      return json::value(std::move(arr));
    }
    if (major == 5) {
      json::object obj;
      while (!is_break()) {
        if (pos_ >= d_.size()) return Bad("unterminated map");
        auto k = Item(depth + 1);
        if (!k) return k;
        if (!k->is_string()) return Bad("map key is not a text string");
        auto v = Item(depth + 1);
        if (!v) return v;
        obj[k->get_string()] = std::move(*v);
      }
      ++pos_;
      return json::value(std::move(obj));
    }
    return Bad("indefinite length not allowed here");
  }

  std::string_view d_;
  size_t pos_ = 0;
};

void Head(std::string& out, int major, uint64_t n) {
  uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out += static_cast<char>(m | n);
  } else if (n <= 0xff) {
    out += static_cast<char>(m | 24);
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(m | 25);
    for (int i = 1; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  } else if (n <= 0xffffffffULL) {
    out += static_cast<char>(m | 26);
    for (int i = 3; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  } else {
    out += static_cast<char>(m | 27);
    for (int i = 7; i >= 0; --i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
}

void Text(std::string& out, std::string_view s) {
  Head(out, 3, s.size());
  out += s;
}

void Double(std::string& out, double d) {
  out += static_cast<char>(0xfb);
  uint64_t bits = std::bit_cast<uint64_t>(d);
  for (int i = 7; i >= 0; --i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

void Int(std::string& out, int64_t v) {
  if (v >= 0) Head(out, 0, static_cast<uint64_t>(v));
  else Head(out, 1, static_cast<uint64_t>(-1 - v));
}

// `millis`: timestamps as tag 1 with integer epoch milliseconds (application/x-amz-cbor-1.1)
// rather than floating-point seconds (rpc-v2-cbor).
void Write(std::string& out, const Shape* shape, const json::value& v, bool millis = false);

void WriteUntyped(std::string& out, const json::value& v) { Write(out, nullptr, v); }

void Write(std::string& out, const Shape* shape, const json::value& v, bool millis) {
  ShapeType t = shape ? shape->type : ShapeType::Document;
  if (v.is_null()) {
    out += static_cast<char>(0xf6);
    return;
  }
  switch (t) {
    case ShapeType::Structure: {
      if (!v.is_object()) break;
      size_t n = 0;
      for (const auto& m : shape->members)
        if (auto* mv = Find(v.get_object(), m.name); mv && !mv->is_null()) ++n;
      Head(out, 5, n);
      for (const auto& m : shape->members) {
        auto* mv = Find(v.get_object(), m.name);
        if (!mv || mv->is_null()) continue;
        Text(out, m.name);
        Write(out, m.shape, *mv, millis);
      }
      return;
    }
    case ShapeType::List:
      if (!v.is_array()) break;
      Head(out, 4, v.get_array().size());
      for (const auto& e : v.get_array()) Write(out, shape->member.shape, e, millis);
      return;
    case ShapeType::Map:
      if (!v.is_object()) break;
      Head(out, 5, v.get_object().size());
      for (const auto& [k, e] : v.get_object()) {
        Text(out, k);
        Write(out, shape->value.shape, e, millis);
      }
      return;
    case ShapeType::Blob:
      if (v.is_string()) {
        auto bytes = Base64Decode(v.get_string()).value_or("");
        Head(out, 2, bytes.size());
        out += bytes;
        return;
      }
      break;
    case ShapeType::Timestamp:
      out += static_cast<char>(0xc1);  // tag 1
      if (millis) Int(out, TimestampMillis(v));
      else Double(out, static_cast<double>(TimestampMillis(v)) / 1000.0);
      return;
    case ShapeType::Float: case ShapeType::Double: case ShapeType::BigDecimal:
      if (v.is_string()) {
        std::string_view s = v.get_string();
        Double(out, s == "NaN" ? NAN : s == "Infinity" ? INFINITY : -INFINITY);
        return;
      }
      if (v.is_number()) {
        Double(out, v.to_number<double>());
        return;
      }
      break;
    default:
      break;
  }
  // Untyped (documents, mismatches): by the JSON kind.
  switch (v.kind()) {
    case json::kind::bool_: out += static_cast<char>(v.get_bool() ? 0xf5 : 0xf4); return;
    case json::kind::int64: Int(out, v.get_int64()); return;
    case json::kind::uint64: Head(out, 0, v.get_uint64()); return;
    case json::kind::double_: Double(out, v.get_double()); return;
    case json::kind::string: Text(out, v.get_string()); return;
    case json::kind::array:
      Head(out, 4, v.get_array().size());
      for (const auto& e : v.get_array()) WriteUntyped(out, e);
      return;
    case json::kind::object:
      Head(out, 5, v.get_object().size());
      for (const auto& [k, e] : v.get_object()) {
        Text(out, k);
        WriteUntyped(out, e);
      }
      return;
    case json::kind::null: out += static_cast<char>(0xf6); return;
  }
}

// Canonical timestamps are seconds; x-amz-cbor-1.1 requests carry milliseconds.
void MillisToSeconds(const Shape& shape, json::value& v, int depth = 0) {
  if (depth > 64) return;
  switch (shape.type) {
    case ShapeType::Structure:
      if (!v.is_object()) return;
      for (const auto& m : shape.members)
        if (auto it = v.get_object().find(m.name); it != v.get_object().end())
          MillisToSeconds(*m.shape, it->value(), depth + 1);
      return;
    case ShapeType::List:
      if (!v.is_array()) return;
      for (auto& e : v.get_array()) MillisToSeconds(*shape.member.shape, e, depth + 1);
      return;
    case ShapeType::Map:
      if (!v.is_object()) return;
      for (auto& [k, e] : v.get_object()) MillisToSeconds(*shape.value.shape, e, depth + 1);
      return;
    case ShapeType::Timestamp:
      if (v.is_number()) v = TimestampValue(std::llround(v.to_number<double>()));
      return;
    default:
      return;
  }
}

void SetHeaders(HttpResponse& out) {
  out.headers.Set("Content-Type", "application/cbor");
  out.headers.Set("smithy-protocol", "rpc-v2-cbor");
}

}  // namespace

Result<json::value> DecodeCbor(const Service& svc, const Operation& op, const WireRequest& req) {
  if (!op.input) return json::value(json::object());
  std::string_view body = req.http->body;
  if (body.empty()) return json::value(json::object());
  Reader r(body);
  auto v = r.Item();
  if (!v) return v;
  if (!r.AtEnd()) return Fail(SerializationError("Malformed CBOR: trailing bytes"));
  if (!v->is_object()) return Fail(SerializationError("Expected a CBOR map for the input"));
  // Drop explicit nulls before the typed walk, as absent members.
  return JsonToCanonical(*op.input, std::move(*v), TsFormat::UnixTimestamp);
}

void EncodeCbor(const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out) {
  out.status = 200;
  SetHeaders(out);
  if (!op.output) {
    Head(out.body, 5, 0);
    return;
  }
  Write(out.body, op.output, output);
}

void EncodeCborError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out) {
  out.status = err.http_status;
  SetHeaders(out);
  json::object body;
  body["__type"] = std::string(JsonErrorPrefix(svc)) + err.code;
  body["message"] = err.message;
  WriteUntyped(out.body, json::value(std::move(body)));
  if (svc.query_compatible)
    out.headers.Set("x-amzn-query-error", (err.query_code.empty() ? err.code : err.query_code) +
                                              ";" + (err.sender_fault ? "Sender" : "Receiver"));
}

}  // namespace stratus::aws

namespace stratus::aws {

std::string EncodeCborValue(const Shape& shape, const json::value& v, bool millis) {
  std::string out;
  Write(out, &shape, v, millis);
  return out;
}

Result<json::value> DecodeJsonCbor(const Service& svc, const Operation& op, const WireRequest& req) {
  auto v = DecodeCbor(svc, op, req);
  if (v && op.input) MillisToSeconds(*op.input, *v);
  return v;
}

void EncodeJsonCbor(const Service& svc, const Operation& op, const json::value& output,
                    const EncodeOptions& opts, HttpResponse& out) {
  out.status = 200;
  out.headers.Set("Content-Type", "application/x-amz-cbor-1.1");
  if (!op.output) {
    Head(out.body, 5, 0);
    return;
  }
  Write(out.body, op.output, output, true);
}

void EncodeJsonCborError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                         HttpResponse& out) {
  out.status = err.http_status;
  out.headers.Set("Content-Type", "application/x-amz-cbor-1.1");
  out.headers.Set("x-amzn-ErrorType", err.code);
  json::object body;
  body["__type"] = std::string(JsonErrorPrefix(svc)) + err.code;
  body["message"] = err.message;
  AddExtraMembers(err, body);
  WriteUntyped(out.body, json::value(std::move(body)));
}

}  // namespace stratus::aws
