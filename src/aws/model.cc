#include "aws/model.h"

#include <algorithm>

#include <boost/json/parse.hpp>

#include <mutex>

#include "models.h"  // generated

namespace stratus::aws {
namespace {

ShapeType ParseType(std::string_view t) {
  static const std::unordered_map<std::string_view, ShapeType> kTypes = {
      {"structure", ShapeType::Structure}, {"list", ShapeType::List},
      {"map", ShapeType::Map},             {"string", ShapeType::String},
      {"integer", ShapeType::Integer},     {"long", ShapeType::Long},
      {"float", ShapeType::Float},         {"double", ShapeType::Double},
      {"boolean", ShapeType::Boolean},     {"timestamp", ShapeType::Timestamp},
      {"blob", ShapeType::Blob},           {"biginteger", ShapeType::BigInteger},
      {"bigdecimal", ShapeType::BigDecimal}, {"byte", ShapeType::Byte},
      {"short", ShapeType::Short},         {"document", ShapeType::Document}};
  auto it = kTypes.find(t);
  return it == kTypes.end() ? ShapeType::String : it->second;
}

TsFormat ParseTsFormat(std::string_view f) {
  if (f == "iso8601") return TsFormat::Iso8601;
  if (f == "rfc822") return TsFormat::Rfc822;
  if (f == "unixTimestamp") return TsFormat::UnixTimestamp;
  return TsFormat::Default;
}

std::string Str(const json::object& o, std::string_view k) {
  auto v = GetString(o, k);
  return v ? std::string(*v) : std::string();
}

std::optional<double> Num(const json::object& o, std::string_view k) {
  const json::value* v = Find(o, k);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  return std::nullopt;
}

void ReadXmlNs(const json::object& o, std::string& uri, std::string& prefix) {
  const json::value* ns = Find(o, "xmlNamespace");
  if (!ns) return;
  if (ns->is_string()) {
    uri = ns->get_string();
  } else if (ns->is_object()) {
    uri = Str(ns->get_object(), "uri");
    prefix = Str(ns->get_object(), "prefix");
  }
}

Result<MemberRef> ReadRef(const Service& svc, std::string name, const json::value& v) {
  if (!v.is_object()) return Fail(AwsError::Internal("model: member " + name + " not an object"));
  const auto& o = v.get_object();
  MemberRef m;
  m.name = std::move(name);
  auto shape_name = GetString(o, "shape");
  if (!shape_name) return Fail(AwsError::Internal("model: member " + m.name + " has no shape"));
  m.shape = svc.FindShape(*shape_name);
  if (!m.shape) return Fail(AwsError::Internal("model: unknown shape " + std::string(*shape_name)));
  auto loc = Str(o, "location");
  if (loc == "header") m.location = Location::Header;
  else if (loc == "headers") m.location = Location::Headers;
  else if (loc == "uri") m.location = Location::Uri;
  else if (loc == "querystring") m.location = Location::QueryString;
  else if (loc == "statusCode") m.location = Location::StatusCode;
  if (auto ln = GetString(o, "locationName")) {
    m.location_name = *ln;
    m.has_location_name = true;
  } else if (!m.shape->location_name.empty()) {
    // botocore: a shape's own locationName is the default serialized name of references.
    m.location_name = m.shape->location_name;
    m.has_location_name = true;
  }
  m.query_name = Str(o, "queryName");
  ReadXmlNs(o, m.xml_ns_uri, m.xml_ns_prefix);
  m.ts_format = ParseTsFormat(Str(o, "timestampFormat"));
  if (m.ts_format == TsFormat::Default) m.ts_format = m.shape->ts_format;
  m.xml_attribute = GetBool(o, "xmlAttribute").value_or(false);
  m.flattened = GetBool(o, "flattened").value_or(false) || m.shape->flattened;
  m.idempotency_token = GetBool(o, "idempotencyToken").value_or(false);
  m.json_value = GetBool(o, "jsonvalue").value_or(false);
  m.host_label = GetBool(o, "hostLabel").value_or(false);
  m.event_payload = GetBool(o, "eventpayload").value_or(false);
  return m;
}

void ParseUri(Operation& op) {
  std::string_view uri = op.request_uri;
  std::string_view path = uri, query;
  if (auto q = uri.find('?'); q != std::string_view::npos) {
    path = uri.substr(0, q);
    query = uri.substr(q + 1);
  }
  size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    op.path_segments.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  // "/" yields one empty segment; "/a/" yields "a" and "".
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    op.uri_query.emplace_back(std::string(pair.substr(0, eq)),
                              eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::Query: return "query";
    case Protocol::Ec2: return "ec2";
    case Protocol::Json: return "json";
    case Protocol::RestJson: return "rest-json";
    case Protocol::RestXml: return "rest-xml";
    case Protocol::RpcV2Cbor: return "smithy-rpc-v2-cbor";
    case Protocol::JsonCbor: return "json-cbor";
  }
  return "?";
}

const MemberRef* Shape::FindMember(std::string_view n) const {
  for (const auto& m : members)
    if (m.name == n) return &m;
  return nullptr;
}

bool Shape::IsNumber() const {
  switch (type) {
    case ShapeType::Integer: case ShapeType::Long: case ShapeType::Float:
    case ShapeType::Double: case ShapeType::BigInteger: case ShapeType::BigDecimal:
    case ShapeType::Byte: case ShapeType::Short:
      return true;
    default:
      return false;
  }
}

bool Service::Speaks(Protocol p) const {
  for (auto q : protocols)
    if (q == p) return true;
  return false;
}

const Operation* Service::FindOperation(std::string_view name) const {
  auto it = operations.find(name);
  return it == operations.end() ? nullptr : &it->second;
}

const Shape* Service::FindShape(std::string_view name) const {
  auto it = shapes.find(std::string(name));
  return it == shapes.end() ? nullptr : it->second.get();
}

Result<const Operation*> AddOperation(Service& svc, const json::value& v) {
  if (!v.is_object()) return Fail(AwsError::Internal("model: operation not an object"));
  const auto& o = v.get_object();
  Operation op;
  op.name = Str(o, "name");
  if (auto* http = GetObject(o, "http")) {
    if (auto m = GetString(*http, "method")) op.method = *m;
    if (auto u = GetString(*http, "requestUri")) op.request_uri = *u;
    if (auto rc = GetInt(*http, "responseCode")) op.response_code = static_cast<int>(*rc);
  }
  if (auto* in = GetObject(o, "input")) {
    op.input = svc.FindShape(Str(*in, "shape"));
    op.input_location_name = Str(*in, "locationName");
    std::string prefix;
    ReadXmlNs(*in, op.input_xml_ns_uri, prefix);
  }
  if (auto* out = GetObject(o, "output")) {
    op.output = svc.FindShape(Str(*out, "shape"));
    op.result_wrapper = Str(*out, "resultWrapper");
  }
  if (auto* errs = GetArray(o, "errors")) {
    for (const auto& e : *errs)
      if (e.is_object())
        if (const Shape* s = svc.FindShape(Str(e.get_object(), "shape"))) op.errors.push_back(s);
  }
  if (auto* ep = GetObject(o, "endpoint")) op.host_prefix = Str(*ep, "hostPrefix");
  op.no_auth = Str(o, "authtype") == "none";
  ParseUri(op);
  auto [it, inserted] = svc.operations.insert_or_assign(op.name, std::move(op));
  return &it->second;
}

Result<std::unique_ptr<Service>> LoadService(std::string id, const json::value& model) {
  if (!model.is_object()) return Fail(AwsError::Internal("model: not an object"));
  const auto& root = model.get_object();
  auto svc = std::make_unique<Service>();
  svc->id = std::move(id);
  if (auto* md = GetObject(root, "metadata")) {
    svc->api_version = Str(*md, "apiVersion");
    svc->service_id = Str(*md, "serviceId");
    svc->signing_name = Str(*md, "signingName");
    svc->endpoint_prefix = Str(*md, "endpointPrefix");
    svc->target_prefix = Str(*md, "targetPrefix");
    svc->json_version = Str(*md, "jsonVersion");
    svc->xml_namespace = Str(*md, "xmlNamespace");
    svc->service_full_name = Str(*md, "serviceFullName");
    svc->query_compatible = Find(*md, "awsQueryCompatible") != nullptr;
    auto add = [&](std::string_view p) {
      if (p == "query") svc->protocols.push_back(Protocol::Query);
      else if (p == "ec2") svc->protocols.push_back(Protocol::Ec2);
      else if (p == "json") svc->protocols.push_back(Protocol::Json);
      else if (p == "rest-json") svc->protocols.push_back(Protocol::RestJson);
      else if (p == "rest-xml") svc->protocols.push_back(Protocol::RestXml);
      else if (p == "smithy-rpc-v2-cbor") svc->protocols.push_back(Protocol::RpcV2Cbor);
    };
    if (auto* ps = GetArray(*md, "protocols")) {
      for (const auto& p : *ps)
        if (p.is_string()) add(p.get_string());
    }
    if (svc->protocols.empty()) add(Str(*md, "protocol"));
    if (svc->signing_name.empty()) svc->signing_name = svc->endpoint_prefix;
  }
  if (svc->protocols.empty()) svc->protocols.push_back(Protocol::Json);
  if (svc->json_version.empty()) svc->json_version = "1.0";

  const json::object* shapes = GetObject(root, "shapes");
  if (shapes) {
    // Pass 1: create every shape with its own traits, so references can resolve.
    for (const auto& [name, def] : *shapes) {
      auto s = std::make_unique<Shape>();
      s->name = name;
      if (def.is_object()) {
        const auto& o = def.get_object();
        s->type = ParseType(Str(o, "type"));
        s->min = Num(o, "min");
        s->max = Num(o, "max");
        s->pattern = Str(o, "pattern");
        s->location_name = Str(o, "locationName");
        ReadXmlNs(o, s->xml_ns_uri, s->xml_ns_prefix);
        s->ts_format = ParseTsFormat(Str(o, "timestampFormat"));
        s->flattened = GetBool(o, "flattened").value_or(false);
        s->sensitive = GetBool(o, "sensitive").value_or(false);
        s->is_union = GetBool(o, "union").value_or(false);
        s->exception = GetBool(o, "exception").value_or(false);
        s->event_stream = GetBool(o, "eventstream").value_or(false);
        s->event = GetBool(o, "event").value_or(false);
        s->streaming = GetBool(o, "streaming").value_or(false);
        s->document = GetBool(o, "document").value_or(false);
        if (s->document) s->type = ShapeType::Document;
        s->payload = Str(o, "payload");
        if (auto* en = GetArray(o, "enum"))
          for (const auto& e : *en)
            if (e.is_string()) s->enums.emplace_back(e.get_string());
        if (auto* err = GetObject(o, "error")) {
          s->has_error = true;
          s->error_code = Str(*err, "code");
          if (auto st = GetInt(*err, "httpStatusCode")) s->error_status = static_cast<int>(*st);
          s->sender_fault = GetBool(*err, "senderFault").value_or(s->error_status < 500);
        }
      }
      svc->shapes.emplace(name, std::move(s));
    }
    // Pass 2: resolve members, list elements and map entries.
    for (const auto& [name, def] : *shapes) {
      if (!def.is_object()) continue;
      const auto& o = def.get_object();
      Shape& s = *svc->shapes.at(std::string(name));
      if (auto* members = GetObject(o, "members")) {
        std::vector<std::string_view> required;
        if (auto* req = GetArray(o, "required"))
          for (const auto& r : *req)
            if (r.is_string()) required.emplace_back(r.get_string());
        for (const auto& [mname, mdef] : *members) {
          auto ref = ReadRef(*svc, std::string(mname), mdef);
          if (!ref) return Fail(ref.error());
          for (auto r : required)
            if (r == ref->name) ref->required = true;
          s.members.push_back(std::move(*ref));
        }
        s.plain_json_body = std::ranges::all_of(s.members, [](const MemberRef& m) {
          return m.location != Location::Body || m.WireName() == m.name;
        });
      }
      if (auto* m = Find(o, "member")) {
        auto ref = ReadRef(*svc, "", *m);
        if (!ref) return Fail(ref.error());
        s.member = std::move(*ref);
      }
      if (auto* k = Find(o, "key")) {
        auto ref = ReadRef(*svc, "", *k);
        if (!ref) return Fail(ref.error());
        s.key = std::move(*ref);
      }
      if (auto* v = Find(o, "value")) {
        auto ref = ReadRef(*svc, "", *v);
        if (!ref) return Fail(ref.error());
        s.value = std::move(*ref);
      }
    }
  }
  if (auto* ops = GetObject(root, "operations")) {
    for (const auto& [name, def] : *ops) {
      auto r = AddOperation(*svc, def);
      if (!r) return Fail(r.error());
    }
  }
  return svc;
}

std::span<const std::string_view> CompiledServiceIds() {
  static const std::vector<std::string_view> ids = [] {
    std::vector<std::string_view> out;
    for (const auto* m : gen::AllModels())
      if (m->variant_of.empty()) out.push_back(m->id);
    return out;
  }();
  return ids;
}

std::span<const std::string_view> CompiledOperationNames(std::string_view id) {
  for (const auto* m : gen::AllModels())
    if (m->id == id) return m->operations;
  return {};
}

const Service* CompiledService(std::string_view id) {
  struct Slot {
    std::once_flag once;
    std::unique_ptr<Service> svc;
  };
  static std::unordered_map<std::string_view, Slot> slots = [] {
    std::unordered_map<std::string_view, Slot> m;
    for (const auto* src : gen::AllModels()) m[src->id];
    return m;
  }();
  auto it = slots.find(id);
  if (it == slots.end()) return nullptr;
  std::call_once(it->second.once, [&] {
    for (const auto* src : gen::AllModels()) {
      if (src->id != id) continue;
      auto loaded = LoadService(std::string(id), boost::json::parse(src->json));
      if (loaded) it->second.svc = std::move(*loaded);
    }
  });
  return it->second.svc.get();
}

}  // namespace stratus::aws
