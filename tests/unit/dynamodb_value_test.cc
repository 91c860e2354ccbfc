// DynamoDB attribute values: descriptors, validation messages, sizes, equality and ordering.
#include "services/dynamodb/value.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace stratus::dynamodb {
namespace {

json::value J(std::string_view text) { return json::parse(text); }

std::string Validate(std::string_view text) {
  json::value v = J(text);
  auto err = ValidateValue(v);
  return err ? err->message : "ok";
}

TEST(DynamoDbValue, TypeOf) {
  EXPECT_EQ(TypeOf(J(R"({"S":"x"})")), Type::kS);
  EXPECT_EQ(TypeOf(J(R"({"N":"1"})")), Type::kN);
  EXPECT_EQ(TypeOf(J(R"({"BOOL":true})")), Type::kBool);
  EXPECT_EQ(TypeOf(J(R"({"L":[]})")), Type::kL);
  EXPECT_EQ(TypeOf(J(R"({"M":{}})")), Type::kM);
  EXPECT_EQ(TypeOf(J(R"({"SS":["a"]})")), Type::kSS);
  EXPECT_EQ(TypeOf(J(R"({"S":1})")), Type::kInvalid);
  EXPECT_EQ(TypeOf(J(R"({"S":"a","N":"1"})")), Type::kInvalid);
  EXPECT_EQ(TypeOf(J(R"({})")), Type::kInvalid);
  EXPECT_EQ(TypeName(Type::kBool), "BOOL");
  EXPECT_EQ(TypeName(Type::kBS), "BS");
}

TEST(DynamoDbValue, ValidationMessages) {
  EXPECT_EQ(Validate(R"({})"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(Validate(R"({"S":"a","N":"1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
  EXPECT_EQ(Validate(R"({"SS":[]})"),
            "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(Validate(R"({"NS":[]})"),
            "One or more parameter values were invalid: An number set  may not be empty");
  EXPECT_EQ(Validate(R"({"BS":[]})"),
            "One or more parameter values were invalid: Binary sets should not be empty");
  EXPECT_EQ(Validate(R"({"SS":["a","b","a"]})"),
            "One or more parameter values were invalid: Input collection [a, b, a] contains "
            "duplicates.");
  EXPECT_EQ(Validate(R"({"NS":["1","1.0"]})"),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains "
            "duplicates.");
  EXPECT_EQ(Validate(R"({"NULL":false})"),
            "One or more parameter values were invalid: Null attribute value types must have the "
            "value of true");
  EXPECT_EQ(Validate(R"({"N":"x"})"), "A value provided cannot be converted into a number");
  EXPECT_EQ(Validate(R"({"NS":["1","x"]})"),
            "A value provided cannot be converted into a number");
  EXPECT_EQ(Validate(R"({"L":[{"S":"a"},{}]})"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(Validate(R"({"M":{"a":{"N":"1E+200"}}})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
  // Empty strings and binaries are allowed outside keys.
  EXPECT_EQ(Validate(R"({"S":""})"), "ok");
  EXPECT_EQ(Validate(R"({"B":""})"), "ok");
  EXPECT_EQ(Validate(R"({"L":[]})"), "ok");
  EXPECT_EQ(Validate(R"({"M":{}})"), "ok");
}

TEST(DynamoDbValue, NestingLimit) {
  auto nested = [](int levels) {
    std::string t;
    for (int i = 0; i < levels; ++i) t += R"({"L":[)";
    t += R"({"N":"1"})";
    for (int i = 0; i < levels; ++i) t += "]}";
    return t;
  };
  json::parse_options opts;
  opts.max_depth = 1000;
  json::value ok = json::parse(nested(32), {}, opts);
  EXPECT_FALSE(ValidateValue(ok));
  json::value deep = json::parse(nested(33), {}, opts);
  auto err = ValidateValue(deep);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->message,
            "One or more parameter values were invalid: Nesting Levels have exceeded supported "
            "limits");
}

TEST(DynamoDbValue, ValidationNormalisesNumbers) {
  json::value v = J(R"({"M":{"a":{"N":"1.50"},"b":{"L":[{"N":"1E+2"}]},"c":{"NS":["-0","02"]}}})");
  ASSERT_FALSE(ValidateValue(v));
  EXPECT_EQ(v, J(R"({"M":{"a":{"N":"1.5"},"b":{"L":[{"N":"100"}]},"c":{"NS":["0","2"]}}})"));
  Item item = J(R"({"a":{"N":"007"},"b":{"S":"x"}})").get_object();
  ASSERT_FALSE(ValidateItem(item));
  EXPECT_EQ(item.at("a"), J(R"({"N":"7"})"));
}

TEST(DynamoDbValue, Sizes) {
  // AWS "Item sizes and formats": names and strings in UTF-8 bytes, binaries raw, BOOL/NULL 1,
  // L/M 3 bytes + 1 per element, numbers by significant digits.
  EXPECT_EQ(ValueSize(J(R"({"S":"abc"})")), 3u);
  EXPECT_EQ(ValueSize(J(R"({"S":"é"})")), 2u);
  EXPECT_EQ(ValueSize(J(R"({"B":"AAEC"})")), 3u);   // 3 bytes
  EXPECT_EQ(ValueSize(J(R"({"B":"AAE="})")), 2u);   // 2 bytes
  EXPECT_EQ(ValueSize(J(R"({"BOOL":true})")), 1u);
  EXPECT_EQ(ValueSize(J(R"({"NULL":true})")), 1u);
  EXPECT_EQ(ValueSize(J(R"({"N":"123"})")), 3u);
  EXPECT_EQ(ValueSize(J(R"({"L":[]})")), 3u);
  EXPECT_EQ(ValueSize(J(R"({"L":[{"S":"ab"},{"BOOL":true}]})")), 3u + 3u + 2u);
  EXPECT_EQ(ValueSize(J(R"({"M":{"k":{"S":"ab"}}})")), 3u + 1u + 1u + 2u);
  EXPECT_EQ(ValueSize(J(R"({"SS":["a","bc"]})")), 3u);
  EXPECT_EQ(ItemSize(J(R"({"pk":{"S":"abc"},"n":{"N":"1"}})").get_object()), 2u + 3u + 1u + 2u);
}

TEST(DynamoDbValue, Equality) {
  EXPECT_TRUE(ValuesEqual(J(R"({"N":"1.0"})"), J(R"({"N":"1"})")));
  EXPECT_FALSE(ValuesEqual(J(R"({"N":"1"})"), J(R"({"S":"1"})")));
  EXPECT_TRUE(ValuesEqual(J(R"({"SS":["a","b"]})"), J(R"({"SS":["b","a"]})")));
  EXPECT_FALSE(ValuesEqual(J(R"({"SS":["a","b"]})"), J(R"({"SS":["a"]})")));
  EXPECT_TRUE(ValuesEqual(J(R"({"NS":["1","2"]})"), J(R"({"NS":["2.0","1"]})")));
  EXPECT_TRUE(ValuesEqual(J(R"({"L":[{"N":"1"},{"S":"x"}]})"), J(R"({"L":[{"N":"1"},{"S":"x"}]})")));
  EXPECT_FALSE(ValuesEqual(J(R"({"L":[{"N":"1"},{"S":"x"}]})"), J(R"({"L":[{"S":"x"},{"N":"1"}]})")));
  EXPECT_TRUE(ValuesEqual(J(R"({"M":{"a":{"N":"1"},"b":{"BOOL":false}}})"),
                          J(R"({"M":{"b":{"BOOL":false},"a":{"N":"1.00"}}})")));
  EXPECT_TRUE(ValuesEqual(J(R"({"B":"AAE="})"), J(R"({"B":"AAE"})")));
  EXPECT_FALSE(ValuesEqual(J(R"({"BOOL":true})"), J(R"({"BOOL":false})")));
}

TEST(DynamoDbValue, ScalarOrdering) {
  auto cmp = [](std::string_view a, std::string_view b) { return CompareScalars(J(a), J(b)); };
  EXPECT_EQ(cmp(R"({"N":"9"})", R"({"N":"10"})"), std::strong_ordering::less);
  EXPECT_EQ(cmp(R"({"S":"9"})", R"({"S":"10"})"), std::strong_ordering::greater);
  EXPECT_EQ(cmp(R"({"S":"a"})", R"({"S":"ab"})"), std::strong_ordering::less);
  // Unsigned bytes: "é" (0xC3..) sorts after "z".
  EXPECT_EQ(cmp(R"({"S":"é"})", R"({"S":"z"})"), std::strong_ordering::greater);
  // Binary by unsigned bytes: 0xFF > 0x01.
  EXPECT_EQ(cmp(R"({"B":"/w=="})", R"({"B":"AQ=="})"), std::strong_ordering::greater);
  EXPECT_EQ(cmp(R"({"B":"AQ=="})", R"({"B":"AQI="})"), std::strong_ordering::less);
  EXPECT_FALSE(cmp(R"({"N":"1"})", R"({"S":"1"})"));
  EXPECT_FALSE(cmp(R"({"BOOL":true})", R"({"BOOL":true})"));
}

}  // namespace
}  // namespace stratus::dynamodb
