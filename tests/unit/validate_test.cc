#include "aws/validate.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace stratus::aws {

TEST(Validate, MessagesMatchAws) {
  const Service* sts = CompiledService("sts");
  ASSERT_NE(sts, nullptr);
  const Operation* op = sts->FindOperation("AssumeRole");
  ASSERT_NE(op, nullptr);
  auto msg = ValidateInput(*op->input, json::parse(R"({"RoleSessionName":"s"})"));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(*msg,
            "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: "
            "Member must not be null; Value 's' at 'roleSessionName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 2");
  msg = ValidateInput(*op->input, json::parse(R"({"RoleArn":"arn:aws:iam::123456789012:role/r",
      "RoleSessionName":"ok","DurationSeconds":100})"));
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(*msg,
            "1 validation error detected: Value '100' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900");
  msg = ValidateInput(*op->input, json::parse(R"({"RoleArn":"arn:aws:iam::123456789012:role/r",
      "RoleSessionName":"bad name!"})"));
  ASSERT_TRUE(msg.has_value());
  EXPECT_NE(msg->find("Member must satisfy regular expression pattern: [\\w+=,.@-]*"), std::string::npos);
  EXPECT_FALSE(ValidateInput(*op->input, json::parse(R"({"RoleArn":"arn:aws:iam::123456789012:role/r",
      "RoleSessionName":"ok-session"})")).has_value());
}

TEST(Validate, EnumsAndUnicodePatterns) {
  const Service* ddb = CompiledService("dynamodb");
  ASSERT_NE(ddb, nullptr);
  const Operation* op = ddb->FindOperation("DeleteTable");
  ASSERT_NE(op, nullptr);
  auto msg = ValidateInput(*op->input, json::parse(R"({"TableName":""})"));
  ASSERT_TRUE(msg.has_value());
  EXPECT_NE(msg->find("at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1"),
            std::string::npos);
}

}  // namespace stratus::aws
