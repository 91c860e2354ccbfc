// rest-json and rest-xml: members bound to the URI, query string, headers and status code;
// the rest in a JSON object or an XML document, or one payload member as the whole body.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <pugixml.hpp>

#include "aws/protocol/codec.h"
#include "aws/protocol/xml.h"
#include "core/encoding.h"
#include "core/timefmt.h"

namespace stratus::aws {
namespace {

// Splits a header list value on commas outside double quotes, unquoting quoted items; for
// timestamps in HTTP-date form every second comma separates.
std::vector<std::string> SplitHeaderList(const Shape& elem, std::string_view v) {
  std::vector<std::string> out;
  if (TrimWs(v).empty()) return out;
  bool http_date = elem.type == ShapeType::Timestamp;
  std::string cur;
  bool quoted = false, was_quoted = false;
  int commas = 0;
  auto flush = [&] {
    std::string_view t = was_quoted ? std::string_view(cur) : TrimWs(cur);
    out.emplace_back(t);
    cur.clear();
    was_quoted = false;
  };
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (quoted) {
      if (c == '\\' && i + 1 < v.size()) cur += v[++i];
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"' && TrimWs(cur).empty()) {
      cur.clear();
      quoted = was_quoted = true;
    } else if (c == ',' && !(http_date && ++commas % 2 == 1)) {
      flush();
    } else if (!(was_quoted && !quoted)) {
      cur += c;
    }
  }
  flush();
  return out;
}

Result<json::value> HeaderValue(const MemberRef& m, std::string_view raw) {
  const Shape& s = *m.shape;
  if (s.type == ShapeType::List) {
    json::array arr;
    for (const auto& part : SplitHeaderList(*s.member.shape, raw)) {
      auto r = ScalarFromText(*s.member.shape, part, s.member.ts_format);
      if (!r) return r;
      arr.push_back(std::move(*r));
    }
    return json::value(std::move(arr));
  }
  if (m.json_value) {
    // The JSON text itself is the value, as jsonvalue members are in JSON bodies.
    auto decoded = Base64Decode(TrimWs(raw));
    if (!decoded) return Fail(SerializationError("Header " + std::string(m.WireName()) + " is not valid base64"));
    return json::value(json::string(*decoded));
  }
  return ScalarFromText(s, TrimWs(raw), m.ts_format);
}

std::string HeaderText(const MemberRef& m, const json::value& v) {
  const Shape& s = *m.shape;
  if (s.type == ShapeType::List && v.is_array()) {
    std::string out;
    for (const auto& e : v.get_array()) {
      if (!out.empty()) out += ", ";
      std::string t = ScalarToText(*s.member.shape, e, s.member.ts_format == TsFormat::Default
                                                         ? TsFormat::Rfc822 : s.member.ts_format);
      if (s.member.shape->type == ShapeType::String &&
          (t.find(',') != std::string::npos || t.find('"') != std::string::npos)) {
        std::string q = "\"";
        for (char c : t) {
          if (c == '"' || c == '\\') q += '\\';
          q += c;
        }
        t = q + "\"";
      }
      out += t;
    }
    return out;
  }
  if (m.json_value) return Base64Encode(v.is_string() ? std::string(v.get_string()) : json::serialize(v));
  return ScalarToText(s, v, m.ts_format == TsFormat::Default ? TsFormat::Rfc822 : m.ts_format);
}

bool HasBodyMembers(const Shape& s) {
  for (const auto& m : s.members)
    if (m.location == Location::Body) return true;
  return false;
}

// In responses only headers and the status code leave the body; members a shape binds to
// the URI or query string (shared with inputs) are written in the body.
bool HasOutputBodyMembers(const Shape& s) {
  for (const auto& m : s.members)
    if (m.location != Location::Header && m.location != Location::Headers &&
        m.location != Location::StatusCode)
      return true;
  return false;
}

Result<json::value> ParseBody(bool xml, const Shape& shape, std::string_view body) {
  if (xml) {
    pugi::xml_document doc;
    auto res = doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    if (!res) return Fail(AwsError::Make("MalformedXML",
                                         "The XML you provided was not well-formed or did not "
                                         "validate against our published schema"));
    return ReadXml(shape, doc.document_element(), TsFormat::Default, true);
  }
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return Fail(SerializationError("Unable to parse request body as JSON"));
  return JsonToCanonical(shape, std::move(v), TsFormat::Default);
}

}  // namespace

Result<json::value> DecodeRest(bool xml, const Service& svc, const Operation& op,
                               const WireRequest& req) {
  json::object out;
  if (!op.input) return json::value(std::move(out));
  const Shape& in = *op.input;
  const HttpRequest& http = *req.http;
  std::vector<std::pair<std::string, std::string>> qparams;
  bool have_q = false;
  for (const auto& m : in.members) {
    switch (m.location) {
      case Location::Uri: {
        for (const auto& [k, v] : req.labels)
          if (k == m.WireName()) {
            auto r = ScalarFromText(*m.shape, v, m.ts_format == TsFormat::Default ? TsFormat::Iso8601 : m.ts_format);
            if (!r) return r;
            out[m.name] = std::move(*r);
          }
        break;
      }
      case Location::QueryString: {
        if (!have_q) {
          qparams = http.QueryParams();
          have_q = true;
        }
        if (m.shape->type == ShapeType::Map) {
          json::object map;
          bool list_values = m.shape->value.shape->type == ShapeType::List;
          // Parameters bound to other members stay out of the map.
          for (const auto& [k, v] : qparams) {
            bool bound = false;
            for (const auto& other : in.members)
              bound |= other.location == Location::QueryString && other.shape->type != ShapeType::Map &&
                       other.WireName() == k;
            if (bound) continue;
            bool literal = false;
            for (const auto& [lk, lv] : op.uri_query) literal |= lk == k;
            if (literal) continue;
            if (list_values) {
              auto& slot = map[k];
              if (!slot.is_array()) slot = json::array();
              slot.get_array().emplace_back(json::string(v));
            } else if (!map.contains(k)) {
              map[k] = json::string(v);
            }
          }
          if (!map.empty()) out[m.name] = std::move(map);
        } else if (m.shape->type == ShapeType::List) {
          json::array arr;
          for (const auto& [k, v] : qparams)
            if (k == m.WireName()) {
              auto r = ScalarFromText(*m.shape->member.shape, v, m.shape->member.ts_format == TsFormat::Default ? TsFormat::Iso8601 : m.shape->member.ts_format);
              if (!r) return r;
              arr.push_back(std::move(*r));
            }
          if (!arr.empty()) out[m.name] = std::move(arr);
        } else {
          for (const auto& [k, v] : qparams)
            if (k == m.WireName()) {
              auto r = ScalarFromText(*m.shape, v, m.ts_format == TsFormat::Default ? TsFormat::Iso8601 : m.ts_format);
              if (!r) return r;
              out[m.name] = std::move(*r);
              break;
            }
        }
        break;
      }
      case Location::Header: {
        if (!http.headers.Has(m.WireName())) break;
        auto r = HeaderValue(m, http.headers.Get(m.WireName()));
        if (!r) return r;
        out[m.name] = std::move(*r);
        break;
      }
      case Location::Headers: {
        json::object map;
        std::string_view prefix = m.WireName();
        for (const auto& [k, v] : http.headers.all()) {
          if (k.size() >= prefix.size() && IEquals(std::string_view(k).substr(0, prefix.size()), prefix))
            map[k.substr(prefix.size())] = json::string(v);
        }
        if (!map.empty()) out[m.name] = std::move(map);
        break;
      }
      default:
        break;
    }
  }
  std::string_view body = http.body;
  if (!in.payload.empty()) {
    const MemberRef* pm = in.FindMember(in.payload);
    if (pm) {
      const Shape& ps = *pm->shape;
      if (ps.type == ShapeType::Blob) {
        if (!body.empty() || ps.streaming) out[pm->name] = Base64Encode(body);
      } else if (ps.type == ShapeType::String) {
        if (!body.empty()) out[pm->name] = json::string(body);
      } else if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        auto r = ParseBody(xml, ps, body);
        if (!r) return r;
        out[pm->name] = std::move(*r);
      }
    }
  } else if (HasBodyMembers(in) && body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto r = ParseBody(xml, in, body);
    if (!r) return r;
    for (auto& [k, v] : r->get_object()) out[k] = std::move(v);
  }
  return json::value(std::move(out));
}

void EncodeRest(bool xml, const Service& svc, const Operation& op, const json::value& output,
                const EncodeOptions& opts, HttpResponse& out) {
  out.status = op.response_code;
  const char* content_type = xml ? "application/xml" : "application/json";
  if (!op.output || !output.is_object()) {
    if (!xml) {
      out.headers.Set("Content-Type", content_type);
      out.body = "{}";
    }
    return;
  }
  const Shape& os = *op.output;
  const auto& obj = output.get_object();
  for (const auto& m : os.members) {
    auto* v = Find(obj, m.name);
    if (!v || v->is_null()) continue;
    if (m.location == Location::Header) {
      out.headers.Set(m.WireName(), HeaderText(m, *v));
    } else if (m.location == Location::Headers && v->is_object()) {
      for (const auto& [k, hv] : v->get_object())
        out.headers.Set(std::string(m.WireName()) + std::string(k),
                        hv.is_string() ? std::string(hv.get_string()) : json::serialize(hv));
    } else if (m.location == Location::StatusCode) {
      if (auto code = GetInt(obj, m.name)) out.status = static_cast<int>(*code);
    }
  }
  if (!os.payload.empty()) {
    const MemberRef* pm = os.FindMember(os.payload);
    auto* v = pm ? Find(obj, pm->name) : nullptr;
    if (pm && v && !v->is_null()) {
      const Shape& ps = *pm->shape;
      if (ps.type == ShapeType::Blob) {
        out.body = v->is_string() ? Base64Decode(v->get_string()).value_or("") : "";
        if (!out.headers.Has("Content-Type")) out.headers.Set("Content-Type", "application/octet-stream");
      } else if (ps.type == ShapeType::String) {
        out.body = v->is_string() ? std::string(v->get_string()) : "";
        if (!out.headers.Has("Content-Type")) out.headers.Set("Content-Type", "text/plain");
      } else if (xml) {
        std::string_view name = pm->has_location_name ? std::string_view(pm->location_name)
                                : !ps.location_name.empty() ? std::string_view(ps.location_name)
                                                            : std::string_view(ps.name);
        WriteXmlMember(out.body, *pm, name, *v, true);
        out.headers.Set("Content-Type", content_type);
      } else {
        out.body = CanonicalToJsonText(ps, *v, TsFormat::Default);
        out.headers.Set("Content-Type", content_type);
      }
    }
    return;
  }
  if (!HasOutputBodyMembers(os)) return;
  if (xml) {
    std::string_view root = !os.location_name.empty() ? std::string_view(os.location_name)
                                                      : std::string_view(os.name);
    MemberRef ref;
    ref.shape = &os;
    WriteXmlMember(out.body, ref, root, output, true);
  } else {
    out.body = CanonicalToJsonText(os, output, TsFormat::Default);
  }
  out.headers.Set("Content-Type", content_type);
}

void EncodeRestError(bool xml, const Service& svc, const AwsError& err, const EncodeOptions& opts,
                     HttpResponse& out) {
  out.status = err.http_status;
  if (!xml) {
    out.headers.Set("Content-Type", "application/json");
    out.headers.Set("x-amzn-ErrorType", err.code);
    json::object body;
    body["message"] = err.message;
    AddExtraMembers(err, body);
    out.body = json::serialize(body);
    return;
  }
  out.headers.Set("Content-Type", "application/xml");
  std::string& b = out.body;
  bool s3 = svc.id == "s3";
  b += s3 ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>" : "<ErrorResponse><Error><Type>";
  if (!s3) {
    b += err.sender_fault ? "Sender" : "Receiver";
    b += "</Type>";
  }
  b += "<Code>";
  XmlEscape(b, err.code);
  b += "</Code><Message>";
  XmlEscape(b, err.message);
  b += "</Message>";
  if (s3) {
    b += "<RequestId>";
    XmlEscape(b, opts.request_id);
    b += "</RequestId></Error>";
  } else {
    b += "</Error><RequestId>";
    XmlEscape(b, opts.request_id);
    b += "</RequestId></ErrorResponse>";
  }
}

}  // namespace stratus::aws
