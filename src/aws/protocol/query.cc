// awsQuery (and ec2): form-encoded "Action=...&Version=...&A.member.1=..." requests, XML
// responses wrapped in <OpResponse><OpResult>, errors as <ErrorResponse>.
#include <algorithm>
#include <charconv>
#include <map>

#include <boost/json/parse.hpp>

#include "aws/protocol/codec.h"
#include "aws/protocol/xml.h"

namespace stratus::aws {
namespace {

// The flat "A.B.1.C" keys as a tree.
struct Node {
  std::string value;
  bool has_value = false;
  std::map<std::string, Node, std::less<>> children;
};

void Insert(Node& root, std::string_view key, const std::string& value) {
  Node* n = &root;
  while (true) {
    size_t dot = key.find('.');
    std::string_view part = key.substr(0, dot);
    n = &n->children[std::string(part)];
    if (dot == std::string_view::npos) break;
    key.remove_prefix(dot + 1);
  }
  n->value = value;
  n->has_value = true;
}

// Children named by positive integers, in numeric order.
std::vector<const Node*> Indexed(const Node& n) {
  std::vector<std::pair<long, const Node*>> items;
  for (const auto& [k, c] : n.children) {
    long idx = 0;
    auto [p, ec] = std::from_chars(k.data(), k.data() + k.size(), idx);
    if (ec == std::errc() && p == k.data() + k.size() && idx > 0) items.emplace_back(idx, &c);
  }
  std::sort(items.begin(), items.end());
  std::vector<const Node*> out;
  for (auto& [i, c] : items) out.push_back(c);
  return out;
}

const Node* Child(const Node& n, std::string_view name) {
  auto it = n.children.find(name);
  return it == n.children.end() ? nullptr : &it->second;
}

Result<json::value> Read(const MemberRef& ref, const Node& n);

Result<json::value> ReadMapEntries(const Shape& shape, const std::vector<const Node*>& entries) {
  std::string_view kname = shape.key.has_location_name ? std::string_view(shape.key.location_name) : "key";
  std::string_view vname = shape.value.has_location_name ? std::string_view(shape.value.location_name) : "value";
  json::object out;
  for (const Node* e : entries) {
    const Node* k = Child(*e, kname);
    const Node* v = Child(*e, vname);
    if (!k) continue;
    if (!v) {
      out[k->value] = json::value(json::string());
      continue;
    }
    auto r = Read(shape.value, *v);
    if (!r) return r;
    out[k->value] = std::move(*r);
  }
  return json::value(std::move(out));
}

Result<json::value> Read(const MemberRef& ref, const Node& n) {
  const Shape& shape = *ref.shape;
  switch (shape.type) {
    case ShapeType::Structure: {
      json::object out;
      for (const auto& m : shape.members) {
        const Node* c = Child(n, XmlMemberName(m));
        if (!c && m.flattened && m.shape->type == ShapeType::List) {
          // An empty flattened list is sent under the member's own name: "Entries=".
          const Node* empty = Child(n, m.WireName());
          if (empty && empty->has_value && empty->value.empty()) out[m.name] = json::array();
          continue;
        }
        if (!c) continue;
        auto r = Read(m, *c);
        if (!r) return r;
        out[m.name] = std::move(*r);
      }
      return json::value(std::move(out));
    }
    case ShapeType::List: {
      json::array out;
      if (n.has_value && n.value.empty() && n.children.empty()) return json::value(std::move(out));
      const Node* holder = &n;
      if (!ref.flattened) {
        std::string_view inner = shape.member.has_location_name
                                     ? std::string_view(shape.member.location_name) : "member";
        holder = Child(n, inner);
        if (!holder) return json::value(std::move(out));
      }
      for (const Node* e : Indexed(*holder)) {
        auto r = Read(shape.member, *e);
        if (!r) return r;
        out.push_back(std::move(*r));
      }
      return json::value(std::move(out));
    }
    case ShapeType::Map: {
      if (n.has_value && n.value.empty() && n.children.empty()) return json::value(json::object());
      if (ref.flattened) return ReadMapEntries(shape, Indexed(n));
      const Node* holder = Child(n, "entry");
      if (!holder) return json::value(json::object());
      return ReadMapEntries(shape, Indexed(*holder));
    }
    default:
      return ScalarFromText(shape, n.value, ref.ts_format);
  }
}

}  // namespace

Result<json::value> DecodeQuery(const Service& svc, const Operation& op, const WireRequest& req) {
  if (!op.input) return json::value(json::object());
  Node root;
  for (const auto& [k, v] : req.params) {
    if (k == "Action" || k == "Version") continue;
    Insert(root, k, v);
  }
  MemberRef top;
  top.shape = op.input;
  return Read(top, root);
}

void EncodeQuery(const Service& svc, const Operation& op, const json::value& output,
                 const EncodeOptions& opts, HttpResponse& out) {
  out.status = 200;
  out.headers.Set("Content-Type", "text/xml");
  std::string& b = out.body;
  b.reserve(512);
  b += "<";
  b += op.name;
  b += "Response xmlns=\"";
  XmlEscape(b, svc.xml_namespace.empty() ? "https://" + svc.endpoint_prefix + ".amazonaws.com/doc/" +
                                               svc.api_version + "/"
                                         : svc.xml_namespace);
  b += "\">";
  if (op.output) {
    std::string_view wrapper = op.result_wrapper;
    std::string fallback = op.name + "Result";
    if (wrapper.empty()) wrapper = fallback;
    b += '<';
    b += wrapper;
    b += '>';
    WriteXmlStructureMembers(b, *op.output, output, false);
    b += "</";
    b += wrapper;
    b += '>';
  }
  b += "<ResponseMetadata><RequestId>";
  XmlEscape(b, opts.request_id);
  b += "</RequestId></ResponseMetadata></";
  b += op.name;
  b += "Response>";
}

void EncodeQueryError(const Service& svc, const AwsError& err, const EncodeOptions& opts,
                      HttpResponse& out) {
  out.status = err.http_status;
  out.headers.Set("Content-Type", "text/xml");
  std::string& b = out.body;
  b += "<ErrorResponse xmlns=\"";
  XmlEscape(b, svc.xml_namespace.empty() ? "https://" + svc.endpoint_prefix + ".amazonaws.com/doc/" +
                                               svc.api_version + "/"
                                         : svc.xml_namespace);
  b += "\"><Error><Type>";
  b += err.sender_fault ? "Sender" : "Receiver";
  b += "</Type><Code>";
  XmlEscape(b, err.query_code.empty() ? err.code : err.query_code);
  b += "</Code><Message>";
  XmlEscape(b, err.message);
  b += "</Message>";
  if (!err.extra_json.empty()) {
    if (const Shape* s = svc.FindShape(err.code)) {
      for (const auto& [k, v] : err.extra_json) {
        const MemberRef* m = s->FindMember(k);
        if (!m) continue;
        boost::system::error_code ec;
        auto parsed = json::parse(v, ec);
        if (!ec) WriteXmlMember(b, *m, XmlMemberName(*m), parsed, false);
      }
    }
  }
  b += "</Error><RequestId>";
  XmlEscape(b, opts.request_id);
  b += "</RequestId></ErrorResponse>";
}

}  // namespace stratus::aws
