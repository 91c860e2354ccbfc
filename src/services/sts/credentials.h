// Temporary credential material in AWS's formats, and the account an access key id encodes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stratus::sts {

// "ASIA" + 16 base32 characters that encode the account id the way AWS's key ids do, so
// GetAccessKeyInfo can read the account back from the key alone.
std::string NewAccessKeyId(std::string_view prefix, std::string_view account);
std::string NewSecretAccessKey();  // 40 characters [A-Za-z0-9/+]
std::string NewSessionToken();     // opaque, base64 text as AWS's tokens look
// A stable unique id for a role: "AROA" + 17 characters derived from its ARN.
std::string RoleUniqueId(std::string_view role_arn);

// The account a 20-character AKIA/ASIA key id encodes; nullopt for other forms.
std::optional<std::string> AccountFromAccessKeyId(std::string_view key);

// The claims of a JWT (payload only; the signature is not checked). nullopt when malformed.
std::optional<std::string> JwtPayloadJson(std::string_view token);

struct SamlAssertion {
  std::string issuer;
  std::string subject;
  std::string subject_type;  // "persistent", "transient" or the full format URI
  std::string audience;
  std::string role_session_name;
  std::string source_identity;
};
// Parses a base64-encoded SAML response. nullopt when malformed.
std::optional<SamlAssertion> ParseSamlResponse(std::string_view base64);

}  // namespace stratus::sts
