#include "aws/protocol/xml.h"

#include <pugixml.hpp>

#include "aws/protocol/codec.h"

namespace stratus::aws {

void XmlEscape(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#xD;"; break;
      case '\n': out += "&#xA;"; break;
      default: out += c;
    }
  }
}

std::string_view XmlMemberName(const MemberRef& m) {
  if (m.shape->type == ShapeType::List && m.flattened && m.shape->member.has_location_name)
    return m.shape->member.location_name;
  return m.WireName();
}

namespace {

void OpenTag(std::string& out, std::string_view name, const MemberRef& ref, const Shape& shape,
             const json::value* attrs_from) {
  out += '<';
  out += name;
  const std::string& uri = !ref.xml_ns_uri.empty() ? ref.xml_ns_uri : shape.xml_ns_uri;
  const std::string& prefix = !ref.xml_ns_uri.empty() ? ref.xml_ns_prefix : shape.xml_ns_prefix;
  if (!uri.empty()) {
    out += prefix.empty() ? " xmlns=\"" : " xmlns:" + prefix + "=\"";
    XmlEscape(out, uri);
    out += '"';
  }
  if (attrs_from && shape.type == ShapeType::Structure && attrs_from->is_object()) {
    for (const auto& m : shape.members) {
      if (!m.xml_attribute) continue;
      auto* v = Find(attrs_from->get_object(), m.name);
      if (!v || v->is_null()) continue;
      out += ' ';
      out += m.WireName();
      out += "=\"";
      XmlEscape(out, ScalarToText(*m.shape, *v, m.ts_format));
      out += '"';
    }
  }
  out += '>';
}

void CloseTag(std::string& out, std::string_view name) {
  out += "</";
  out += name;
  out += '>';
}

void WriteBody(std::string& out, const MemberRef& ref, const json::value& v, bool skip_non_body);

void WriteElement(std::string& out, const MemberRef& ref, std::string_view name,
                  const json::value& v, bool skip_non_body) {
  OpenTag(out, name, ref, *ref.shape, &v);
  WriteBody(out, ref, v, skip_non_body);
  CloseTag(out, name);
}

void WriteBody(std::string& out, const MemberRef& ref, const json::value& v, bool skip_non_body) {
  const Shape& shape = *ref.shape;
  switch (shape.type) {
    case ShapeType::Structure:
      WriteXmlStructureMembers(out, shape, v, skip_non_body);
      break;
    case ShapeType::List: {
      if (!v.is_array()) break;
      const MemberRef& m = shape.member;
      std::string_view inner = m.has_location_name ? std::string_view(m.location_name) : "member";
      for (const auto& e : v.get_array()) WriteElement(out, m, inner, e, skip_non_body);
      break;
    }
    case ShapeType::Map: {
      if (!v.is_object()) break;
      std::string_view kname = shape.key.has_location_name ? std::string_view(shape.key.location_name) : "key";
      std::string_view vname = shape.value.has_location_name ? std::string_view(shape.value.location_name) : "value";
      for (const auto& [k, e] : v.get_object()) {
        out += "<entry>";
        WriteElement(out, shape.key, kname, json::value(k), skip_non_body);
        WriteElement(out, shape.value, vname, e, skip_non_body);
        out += "</entry>";
      }
      break;
    }
    default:
      XmlEscape(out, ScalarToText(shape, v, ref.ts_format));
  }
}

}  // namespace

void WriteXmlMember(std::string& out, const MemberRef& ref, std::string_view name,
                    const json::value& v, bool skip_non_body) {
  const Shape& shape = *ref.shape;
  if (ref.flattened && shape.type == ShapeType::List) {
    if (!v.is_array()) return;
    for (const auto& e : v.get_array()) WriteElement(out, shape.member, name, e, skip_non_body);
    return;
  }
  if (ref.flattened && shape.type == ShapeType::Map) {
    if (!v.is_object()) return;
    std::string_view kname = shape.key.has_location_name ? std::string_view(shape.key.location_name) : "key";
    std::string_view vname = shape.value.has_location_name ? std::string_view(shape.value.location_name) : "value";
    for (const auto& [k, e] : v.get_object()) {
      out += '<';
      out += name;
      out += '>';
      WriteElement(out, shape.key, kname, json::value(k), skip_non_body);
      WriteElement(out, shape.value, vname, e, skip_non_body);
      CloseTag(out, name);
    }
    return;
  }
  WriteElement(out, ref, name, v, skip_non_body);
}

void WriteXmlStructureMembers(std::string& out, const Shape& shape, const json::value& v,
                              bool skip_non_body) {
  if (!v.is_object()) return;
  const auto& obj = v.get_object();
  for (const auto& m : shape.members) {
    if (m.xml_attribute) continue;
    if (skip_non_body && (m.location == Location::Header || m.location == Location::Headers ||
                          m.location == Location::StatusCode))
      continue;
    auto* mv = Find(obj, m.name);
    if (!mv || mv->is_null()) continue;
    WriteXmlMember(out, m, XmlMemberName(m), *mv, skip_non_body);
  }
}

namespace {

std::string_view LocalName(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

Result<json::value> ReadList(const MemberRef& elem, std::string_view name, const pugi::xml_node& parent,
                             bool skip_non_body) {
  json::array out;
  for (auto child : parent.children()) {
    if (child.type() != pugi::node_element || LocalName(child.name()) != name) continue;
    auto r = ReadXml(*elem.shape, child, elem.ts_format, skip_non_body);
    if (!r) return r;
    out.push_back(std::move(*r));
  }
  return json::value(std::move(out));
}

Result<json::value> ReadMapEntries(const Shape& shape, const pugi::xml_node& parent,
                                   std::string_view entry_name, bool skip_non_body) {
  std::string_view kname = shape.key.has_location_name ? std::string_view(shape.key.location_name) : "key";
  std::string_view vname = shape.value.has_location_name ? std::string_view(shape.value.location_name) : "value";
  json::object out;
  for (auto entry : parent.children()) {
    if (entry.type() != pugi::node_element || LocalName(entry.name()) != entry_name) continue;
    pugi::xml_node k, v;
    for (auto c : entry.children()) {
      if (c.type() != pugi::node_element) continue;
      if (LocalName(c.name()) == kname) k = c;
      else if (LocalName(c.name()) == vname) v = c;
    }
    auto val = ReadXml(*shape.value.shape, v, shape.value.ts_format, skip_non_body);
    if (!val) return val;
    out[k.text().get()] = std::move(*val);
  }
  return json::value(std::move(out));
}

}  // namespace

Result<json::value> ReadXml(const Shape& shape, const pugi::xml_node& node, TsFormat fmt,
                            bool skip_non_body) {
  switch (shape.type) {
    case ShapeType::Structure: {
      json::object out;
      for (const auto& m : shape.members) {
        if (skip_non_body && m.location != Location::Body) continue;
        if (m.xml_attribute) {
          for (auto a : node.attributes()) {
            if (std::string_view(a.name()) == m.WireName() || LocalName(a.name()) == m.WireName()) {
              auto r = ScalarFromText(*m.shape, a.value(), m.ts_format);
              if (!r) return r;
              out[m.name] = std::move(*r);
            }
          }
          continue;
        }
        std::string_view name = XmlMemberName(m);
        if (m.flattened && m.shape->type == ShapeType::List) {
          bool any = false;
          for (auto c : node.children())
            if (c.type() == pugi::node_element && LocalName(c.name()) == name) any = true;
          if (!any) continue;
          auto r = ReadList(m.shape->member, name, node, skip_non_body);
          if (!r) return r;
          out[m.name] = std::move(*r);
          continue;
        }
        if (m.flattened && m.shape->type == ShapeType::Map) {
          bool any = false;
          for (auto c : node.children())
            if (c.type() == pugi::node_element && LocalName(c.name()) == name) any = true;
          if (!any) continue;
          auto r = ReadMapEntries(*m.shape, node, name, skip_non_body);
          if (!r) return r;
          out[m.name] = std::move(*r);
          continue;
        }
        pugi::xml_node child;
        for (auto c : node.children())
          if (c.type() == pugi::node_element && LocalName(c.name()) == name) {
            child = c;
            break;
          }
        if (!child) continue;
        auto r = ReadXml(*m.shape, child, m.ts_format, skip_non_body);
        if (!r) return r;
        out[m.name] = std::move(*r);
      }
      return json::value(std::move(out));
    }
    case ShapeType::List: {
      const MemberRef& m = shape.member;
      return ReadList(m, m.has_location_name ? std::string_view(m.location_name) : "member", node,
                      skip_non_body);
    }
    case ShapeType::Map:
      return ReadMapEntries(shape, node, "entry", skip_non_body);
    default:
      return ScalarFromText(shape, node.text().get(), fmt);
  }
}

}  // namespace stratus::aws
