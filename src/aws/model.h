// The API model of a service, loaded from botocore's service-2.json form (the generated
// tables in build/gen/models, or a protocol-test suite's shapes in tests). Codecs and the
// validator walk it; nothing in it is service-specific.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace stratus::aws {

// JsonCbor: a JSON-protocol service (X-Amz-Target) whose request came with CBOR bodies,
// Content-Type application/x-amz-cbor-1.1 (the Java SDK's default for Kinesis); answered in
// kind. Not a protocol of any model: a body encoding the JSON protocol may use.
enum class Protocol : uint8_t { Query, Ec2, Json, RestJson, RestXml, RpcV2Cbor, JsonCbor };
std::string_view ProtocolName(Protocol p);

enum class ShapeType : uint8_t {
  Structure, List, Map, String, Integer, Long, Float, Double, Boolean, Timestamp, Blob,
  BigInteger, BigDecimal, Byte, Short, Document
};
enum class Location : uint8_t { Body, Header, Headers, Uri, QueryString, StatusCode };
enum class TsFormat : uint8_t { Default, Iso8601, Rfc822, UnixTimestamp };

struct Shape;

// A reference to a shape from a structure member, a list member or a map key/value, with
// the serialization traits that the reference carries.
struct MemberRef {
  std::string name;           // member name in the model ("" for list members, map keys)
  const Shape* shape = nullptr;
  Location location = Location::Body;
  std::string location_name;  // serialized name: header, query key, XML element, JSON key
  std::string query_name;     // ec2 protocol only
  std::string xml_ns_uri, xml_ns_prefix;
  TsFormat ts_format = TsFormat::Default;
  bool has_location_name = false;
  bool xml_attribute = false;
  bool flattened = false;
  bool idempotency_token = false;
  bool json_value = false;
  bool host_label = false;
  bool event_payload = false;
  bool required = false;

  // The name used on the wire when no location-specific rule says otherwise.
  std::string_view WireName() const { return has_location_name ? location_name : name; }
};

struct Shape {
  std::string name;
  ShapeType type = ShapeType::String;
  std::vector<MemberRef> members;  // structure members, in model order
  MemberRef member;                // list element
  MemberRef key, value;            // map key and value
  std::optional<double> min, max;  // length (string, blob, list, map) or range (numbers)
  std::string pattern;
  std::vector<std::string> enums;
  std::string payload;                // structure: name of the payload member
  std::string location_name;          // shape-level XML element name
  std::string xml_ns_uri, xml_ns_prefix;
  TsFormat ts_format = TsFormat::Default;
  bool flattened = false;
  bool sensitive = false;
  bool is_union = false;
  bool exception = false;
  bool event_stream = false;
  bool event = false;
  bool streaming = false;
  bool document = false;
  // error trait
  bool has_error = false;
  std::string error_code;
  int error_status = 400;
  bool sender_fault = true;

  // Structure: every member travels in the body under its own name (JSON codecs can then
  // check an input object in place instead of rebuilding it). Set by the loader.
  bool plain_json_body = false;

  const MemberRef* FindMember(std::string_view n) const;
  bool IsNumber() const;
};

struct Operation {
  std::string name;
  std::string method = "POST";
  std::string request_uri = "/";
  int response_code = 200;
  const Shape* input = nullptr;
  const Shape* output = nullptr;
  std::string result_wrapper;
  std::string input_location_name;  // rest-xml: root element of the input payload
  std::string input_xml_ns_uri;
  std::string host_prefix;
  std::vector<const Shape*> errors;
  bool no_auth = false;  // "authtype": "none" (e.g. AssumeRoleWithWebIdentity): sent unsigned

  // request_uri parsed: path part split on '/', and literal query pairs ("?x-id=GetObject").
  std::vector<std::string> path_segments;
  std::vector<std::pair<std::string, std::string>> uri_query;
};

struct Service {
  std::string id;              // botocore directory name: "sts", "cognito-idp"
  std::string api_version;
  std::string service_id;      // "STS", "Cognito Identity Provider"
  std::string signing_name;    // SigV4 scope service name
  std::string endpoint_prefix;
  std::string target_prefix;   // JSON protocols' X-Amz-Target prefix
  std::string json_version;    // "1.0" / "1.1"
  std::string xml_namespace;   // query protocol response xmlns
  std::string service_full_name;
  std::vector<Protocol> protocols;  // preferred first
  bool query_compatible = false;

  std::unordered_map<std::string, std::unique_ptr<Shape>> shapes;
  std::map<std::string, Operation, std::less<>> operations;

  Protocol protocol() const { return protocols.front(); }
  bool Speaks(Protocol p) const;
  const Operation* FindOperation(std::string_view name) const;
  const Shape* FindShape(std::string_view name) const;
};

// Builds a service from a botocore-format model. `metadata` may be overridden by the
// caller (protocol tests carry their own).
Result<std::unique_ptr<Service>> LoadService(std::string id, const json::value& model);
// Adds one operation (a protocol-test case's "given") to a service.
Result<const Operation*> AddOperation(Service& svc, const json::value& op);

// Services compiled into the binary (generated from botocore), loaded on first use.
std::span<const std::string_view> CompiledServiceIds();
const Service* CompiledService(std::string_view id);
// The operation names of a compiled service without loading its model.
std::span<const std::string_view> CompiledOperationNames(std::string_view id);

}  // namespace stratus::aws
