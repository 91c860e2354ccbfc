// SigV4 against AWS's published example (IAM ListUsers, "Create a canonical request" in the
// Signature Version 4 documentation), and parsing of both header and presigned forms.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

namespace stratus::aws {

TEST(SigV4, MatchesAwsDocumentedExample) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/?Action=ListUsers&Version=2010-05-08";
  req.headers.Add("Host", "iam.amazonaws.com");
  req.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  req.headers.Add("X-Amz-Date", "20150830T123600Z");
  req.headers.Add("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                  "SignedHeaders=content-type;host;x-amz-date, "
                  "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  std::string err;
  auto sig = ParseSigV4(req, &err);
  ASSERT_TRUE(sig.has_value()) << err;
  EXPECT_EQ(sig->access_key, "AKIDEXAMPLE");
  EXPECT_EQ(sig->region, "us-east-1");
  EXPECT_EQ(sig->service, "iam");
  EXPECT_EQ(ComputeSignature(req, *sig, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", false),
            sig->signature);
  EXPECT_NE(ComputeSignature(req, *sig, "wrong", false), sig->signature);
}

TEST(SigV4, ParsesPresignedQuery) {
  HttpRequest req;
  req.method = "GET";
  req.target =
      "/?Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Feu-west-1%2Fsts%2Faws4_request"
      "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
  auto sig = ParseSigV4(req, nullptr);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(sig->presigned);
  EXPECT_EQ(sig->region, "eu-west-1");
  EXPECT_EQ(sig->expires, 60);
  EXPECT_EQ(sig->signature, "abc");
}

TEST(SigV4, AnonymousAndMalformed) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/";
  EXPECT_FALSE(ParseSigV4(req, nullptr).has_value());
  req.headers.Add("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=x");
  std::string err;
  EXPECT_FALSE(ParseSigV4(req, &err).has_value());
  EXPECT_NE(err.find("Credential"), std::string::npos);
}

}  // namespace stratus::aws
