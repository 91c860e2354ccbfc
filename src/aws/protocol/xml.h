// XML serialization of shapes shared by the query protocol's responses and rest-xml.
#pragma once

#include <string>
#include <string_view>

#include "aws/model.h"
#include "core/error.h"
#include "core/json.h"

namespace pugi {
class xml_node;
}

namespace stratus::aws {

void XmlEscape(std::string& out, std::string_view text);

// The element name a structure member takes inside its parent (botocore's rule: a flattened
// list whose element has a locationName uses that name).
std::string_view XmlMemberName(const MemberRef& m);

// Appends <name ...>value</name> for a value of `shape`. `ref` supplies the member traits
// (flattened, namespace); with `skip_non_body`, members bound to headers/URI are left out.
void WriteXmlMember(std::string& out, const MemberRef& ref, std::string_view name,
                    const json::value& v, bool skip_non_body);
// Appends the members of a structure (no enclosing element).
void WriteXmlStructureMembers(std::string& out, const Shape& shape, const json::value& v,
                              bool skip_non_body);

// Reads an element of `shape` into the canonical value.
Result<json::value> ReadXml(const Shape& shape, const pugi::xml_node& node, TsFormat fmt,
                            bool skip_non_body);

}  // namespace stratus::aws
