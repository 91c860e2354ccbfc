#include "services/sts/credentials.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace stratus::sts {

TEST(StsCredentials, KeyIdsEncodeTheirAccount) {
  std::string key = NewAccessKeyId("ASIA", "123456789012");
  ASSERT_EQ(key.size(), 20u);
  EXPECT_TRUE(key.starts_with("ASIA"));
  EXPECT_EQ(AccountFromAccessKeyId(key), "123456789012");
  EXPECT_EQ(AccountFromAccessKeyId(NewAccessKeyId("ASIA", "000000000000")), "000000000000");
  // AWS's own documented example key decodes to a 12-digit account.
  EXPECT_TRUE(AccountFromAccessKeyId("ASIAY34FZKBOKMUTVV7A").has_value());
  EXPECT_FALSE(AccountFromAccessKeyId("test").has_value());
}

TEST(StsCredentials, SecretsAndRoleIds) {
  EXPECT_EQ(NewSecretAccessKey().size(), 40u);
  std::string id = RoleUniqueId("arn:aws:iam::123456789012:role/demo");
  EXPECT_EQ(id.size(), 21u);
  EXPECT_TRUE(id.starts_with("AROA"));
  EXPECT_EQ(id, RoleUniqueId("arn:aws:iam::123456789012:role/demo"));
}

TEST(StsCredentials, JwtAndSaml) {
  // {"alg":"none"} . {"sub":"user-1","aud":"app","iss":"https://idp.example.com"} .
  std::string token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyLTEiLCJhdWQiOiJhcHAiLCJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSJ9.";
  auto payload = JwtPayloadJson(token);
  ASSERT_TRUE(payload.has_value());
  EXPECT_NE(payload->find("user-1"), std::string::npos);
  EXPECT_FALSE(JwtPayloadJson("garbage").has_value());

  std::string saml =
      "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"><saml:Assertion>"
      "<saml:Issuer>https://idp.example.com/</saml:Issuer><saml:Subject><saml:NameID "
      "Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">alice</saml:NameID>"
      "</saml:Subject><saml:Conditions><saml:AudienceRestriction><saml:Audience>"
      "https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>"
      "</saml:Conditions><saml:AttributeStatement><saml:Attribute "
      "Name=\"https://aws.amazon.com/SAML/Attributes/RoleSessionName\"><saml:AttributeValue>"
      "alice-session</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>"
      "</saml:Assertion></samlp:Response>";
  auto a = ParseSamlResponse(Base64Encode(saml));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->issuer, "https://idp.example.com/");
  EXPECT_EQ(a->subject, "alice");
  EXPECT_EQ(a->subject_type, "persistent");
  EXPECT_EQ(a->role_session_name, "alice-session");
  EXPECT_FALSE(ParseSamlResponse("!!!").has_value());
}

}  // namespace stratus::sts
