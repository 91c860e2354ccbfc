#include "services/sts/credentials.h"

#include <pugixml.hpp>

#include <cstdint>

#include "core/encoding.h"

namespace stratus::sts {
namespace {
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32(const unsigned char* data, size_t n) {
  std::string out;
  uint64_t buf = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buf = (buf << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buf >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buf << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> FromBase32(std::string_view s) {
  std::string out;
  uint64_t buf = 0;
  int bits = 0;
  for (char c : s) {
    auto pos = kBase32.find(c);
    if (pos == std::string_view::npos) return std::nullopt;
    buf = (buf << 5) | pos;
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buf >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string Base64UrlToStd(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (out.size() % 4) out += '=';
  return out;
}
}  // namespace

std::string NewAccessKeyId(std::string_view prefix, std::string_view account) {
  // AWS: bytes 0-5 of the base32-decoded suffix, masked with 0x7fffffffff80 and shifted
  // right by 7, are the account id.
  uint64_t acct = 0;
  for (char c : account)
    if (c >= '0' && c <= '9') acct = acct * 10 + static_cast<uint64_t>(c - '0');
  std::string rnd = RandomBytes(10);
  uint64_t head = (acct << 7) | (static_cast<unsigned char>(rnd[0]) & 0x7f);
  unsigned char bytes[10];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>((head >> (8 * (5 - i))) & 0xff);
  for (int i = 6; i < 10; ++i) bytes[i] = static_cast<unsigned char>(rnd[i]);
  return std::string(prefix) + Base32(bytes, 10);
}

std::optional<std::string> AccountFromAccessKeyId(std::string_view key) {
  if (key.size() != 20 || !(key.starts_with("AKIA") || key.starts_with("ASIA"))) return std::nullopt;
  auto raw = FromBase32(key.substr(4));
  if (!raw || raw->size() < 6) return std::nullopt;
  uint64_t head = 0;
  for (int i = 0; i < 6; ++i) head = (head << 8) | static_cast<unsigned char>((*raw)[i]);
  uint64_t acct = (head & 0x7fffffffff80ULL) >> 7;
  std::string s = std::to_string(acct);
  if (s.size() > 12) return std::nullopt;
  return std::string(12 - s.size(), '0') + s;
}

std::string NewSecretAccessKey() {
  return RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+");
}

std::string NewSessionToken() {
  // AWS tokens are long opaque base64 strings beginning "IQoJb3JpZ2luX2Vj" / "FwoGZXIvYXdzE".
  return "IQoJb3JpZ2luX2VjE" + Base64Encode(RandomBytes(192));
}

std::string RoleUniqueId(std::string_view role_arn) {
  std::string h = Sha256(role_arn);
  return "AROA" + Base32(reinterpret_cast<const unsigned char*>(h.data()), 11).substr(0, 17);
}

std::optional<std::string> JwtPayloadJson(std::string_view token) {
  size_t a = token.find('.');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = token.find('.', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  return Base64Decode(Base64UrlToStd(token.substr(a + 1, b - a - 1)));
}

std::optional<SamlAssertion> ParseSamlResponse(std::string_view base64) {
  auto xml = Base64Decode(base64);
  if (!xml) return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(xml->data(), xml->size())) return std::nullopt;
  SamlAssertion out;
  auto local = [](const pugi::xml_node& n) {
    std::string_view name = n.name();
    auto c = name.find(':');
    return c == std::string_view::npos ? name : name.substr(c + 1);
  };
  pugi::xml_node assertion;
  for (auto n : doc.select_nodes("//*")) {
    if (local(n.node()) == "Assertion") {
      assertion = n.node();
      break;
    }
  }
  if (!assertion) return std::nullopt;
  for (auto n : assertion.children()) {
    if (local(n) == "Issuer") out.issuer = n.text().get();
  }
  for (auto x : assertion.select_nodes(".//*")) {
    pugi::xml_node n = x.node();
    auto name = local(n);
    if (name == "NameID" && out.subject.empty()) {
      out.subject = n.text().get();
      std::string_view fmt = n.attribute("Format").value();
      if (fmt.ends_with(":persistent")) out.subject_type = "persistent";
      else if (fmt.ends_with(":transient")) out.subject_type = "transient";
      else out.subject_type = fmt;
    } else if (name == "Audience" && out.audience.empty()) {
      out.audience = n.text().get();
    } else if (name == "Attribute") {
      std::string_view attr = n.attribute("Name").value();
      pugi::xml_node value;
      for (auto c : n.children())
        if (local(c) == "AttributeValue") {
          value = c;
          break;
        }
      if (attr == "https://aws.amazon.com/SAML/Attributes/RoleSessionName")
        out.role_session_name = value.text().get();
      else if (attr == "https://aws.amazon.com/SAML/Attributes/SourceIdentity")
        out.source_identity = value.text().get();
    }
  }
  return out;
}

}  // namespace stratus::sts
