// DynamoDB numbers: parsing, canonical text, range, precision and exact arithmetic.
#include "services/dynamodb/number.h"

#include <gtest/gtest.h>

namespace stratus::dynamodb {
namespace {

std::string Canon(std::string_view text) {
  auto n = Number::Parse(text);
  return n ? n->ToString() : "error: " + n.error().message;
}
std::string ParseError(std::string_view text) {
  auto n = Number::Parse(text);
  return n ? "ok" : n.error().message;
}
Number N(std::string_view text) { return *Number::Parse(text); }

TEST(DynamoDbNumber, CanonicalText) {
  EXPECT_EQ(Canon("1.50"), "1.5");
  EXPECT_EQ(Canon("-0"), "0");
  EXPECT_EQ(Canon("0.000"), "0");
  EXPECT_EQ(Canon("1E+2"), "100");
  EXPECT_EQ(Canon("1e2"), "100");
  EXPECT_EQ(Canon("00123"), "123");
  EXPECT_EQ(Canon("+7"), "7");
  EXPECT_EQ(Canon(".5"), "0.5");
  EXPECT_EQ(Canon("5."), "5");
  EXPECT_EQ(Canon("-12.3400"), "-12.34");
  EXPECT_EQ(Canon("1.5E-3"), "0.0015");
  EXPECT_EQ(Canon("123.456e1"), "1234.56");
  EXPECT_EQ(Canon("0E+1000"), "0");
}

TEST(DynamoDbNumber, RejectsText) {
  const std::string bad = "A value provided cannot be converted into a number";
  for (auto t : {"", "abc", "1.2.3", "1e", "e5", "--1", " 1", "1 ", "NaN", "Infinity", "0x10",
                 ".", "1e+", "1,5"})
    EXPECT_EQ(ParseError(t), bad) << t;
}

TEST(DynamoDbNumber, Range) {
  const std::string over =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  const std::string under =
      "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  EXPECT_EQ(ParseError("9.9999999999999999999999999999999999999E+125"), "ok");
  EXPECT_EQ(ParseError("-9.9999999999999999999999999999999999999E+125"), "ok");
  EXPECT_EQ(ParseError("1E+126"), over);
  EXPECT_EQ(ParseError("-1E+126"), over);
  EXPECT_EQ(ParseError("1E-130"), "ok");
  EXPECT_EQ(ParseError("1E-131"), under);
  EXPECT_EQ(ParseError("-1E-131"), under);
  EXPECT_EQ(ParseError("1E+999999999999999"), over);
  EXPECT_EQ(Canon("1E+125").size(), 126u);
}

TEST(DynamoDbNumber, Precision) {
  const std::string prec = "Attempting to store more than 38 significant digits in a Number";
  EXPECT_EQ(ParseError("12345678901234567890123456789012345678"), "ok");   // 38
  EXPECT_EQ(ParseError("123456789012345678901234567890123456789"), prec);  // 39
  EXPECT_EQ(ParseError("0.000123456789012345678901234567890123456789"), prec);
  // Trailing and leading zeros are not significant.
  EXPECT_EQ(ParseError("1000000000000000000000000000000000000000000000"), "ok");
  EXPECT_EQ(ParseError("0000000000000000000000000000000000000000000001"), "ok");
}

TEST(DynamoDbNumber, Ordering) {
  EXPECT_LT(N("1"), N("2"));
  EXPECT_LT(N("-2"), N("-1"));
  EXPECT_LT(N("-1"), N("0"));
  EXPECT_LT(N("0"), N("0.001"));
  EXPECT_LT(N("9"), N("10"));
  EXPECT_LT(N("1.05"), N("1.5"));
  EXPECT_EQ(N("1.50"), N("1.5"));
  EXPECT_LT(N("-10"), N("-9"));
  EXPECT_EQ(CompareNumberText("1.50", "15E-1"), std::strong_ordering::equal);
  EXPECT_EQ(CompareNumberText("-0", "0"), std::strong_ordering::equal);
  EXPECT_EQ(CompareNumberText("100", "99.999"), std::strong_ordering::greater);
  EXPECT_EQ(CompareNumberText("-100", "-99.999"), std::strong_ordering::less);
  EXPECT_EQ(CompareNumberText("0.0012", "0.00120"), std::strong_ordering::equal);
  EXPECT_EQ(CompareNumberText("0.0012", "0.0013"), std::strong_ordering::less);
  EXPECT_EQ(CompareNumberText("12", "1.2E1"), std::strong_ordering::equal);
}

TEST(DynamoDbNumber, ExactArithmetic) {
  auto sum = [](std::string_view a, std::string_view b) {
    auto r = Add(N(a), N(b));
    return r ? r->ToString() : r.error().message;
  };
  auto diff = [](std::string_view a, std::string_view b) {
    auto r = Subtract(N(a), N(b));
    return r ? r->ToString() : r.error().message;
  };
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(sum("1", "-1"), "0");
  EXPECT_EQ(sum("999", "1"), "1000");
  EXPECT_EQ(sum("-5", "3"), "-2");
  EXPECT_EQ(sum("1.25", "-0.25"), "1");
  EXPECT_EQ(sum("1E+10", "1E-10"), "10000000000.0000000001");
  EXPECT_EQ(diff("3", "5"), "-2");
  EXPECT_EQ(diff("0", "0.5"), "-0.5");
  EXPECT_EQ(diff("-1", "-1"), "0");
  EXPECT_EQ(sum("12345678901234567890123456789012345678", "1"),
            "12345678901234567890123456789012345679");
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "1"),
            "100000000000000000000000000000000000000");
  EXPECT_EQ(sum("1E+100", "1"),
            "Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(sum("9.9999999999999999999999999999999999999E+125",
                "0.0000000000000000000000000000000000001E+125"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(DynamoDbNumber, Size) {
  // AWS: about one byte per two significant digits plus one.
  EXPECT_EQ(NumberTextSize("0"), 1u);
  EXPECT_EQ(NumberTextSize("1"), 2u);
  EXPECT_EQ(NumberTextSize("12"), 2u);
  EXPECT_EQ(NumberTextSize("123"), 3u);
  EXPECT_EQ(NumberTextSize("100"), 2u);
  EXPECT_EQ(NumberTextSize("-1"), 3u);
  EXPECT_EQ(NumberTextSize("12345678901234567890123456789012345678"), 20u);
}

}  // namespace
}  // namespace stratus::dynamodb
