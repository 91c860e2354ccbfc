#include "core/timefmt.h"

#include <gtest/gtest.h>

namespace stratus {

TEST(TimeFormat, Formats) {
  int64_t t = 1704164645123;  // 2024-01-02T03:04:05.123Z
  EXPECT_EQ(FormatIso8601(t), "2024-01-02T03:04:05.123Z");
  EXPECT_EQ(FormatIso8601(1704164645000), "2024-01-02T03:04:05Z");
  EXPECT_EQ(FormatHttpDate(t), "Tue, 02 Jan 2024 03:04:05 GMT");
  EXPECT_EQ(FormatAmzDate(t), "20240102T030405Z");
  EXPECT_EQ(FormatEpochSeconds(t), "1704164645.123");
  EXPECT_EQ(FormatEpochSeconds(1704164645000), "1704164645");
}

TEST(TimeFormat, Parses) {
  EXPECT_EQ(ParseTimestamp("2024-01-02T03:04:05.123Z"), 1704164645123);
  EXPECT_EQ(ParseTimestamp("2024-01-02T03:04:05Z"), 1704164645000);
  EXPECT_EQ(ParseTimestamp("2024-01-02T04:04:05+01:00"), 1704164645000);
  EXPECT_EQ(ParseTimestamp("20240102T030405Z"), 1704164645000);
  EXPECT_EQ(ParseTimestamp("Tue, 02 Jan 2024 03:04:05 GMT"), 1704164645000);
  EXPECT_EQ(ParseTimestamp("1704164645.5"), 1704164645500);
  EXPECT_FALSE(ParseTimestamp("yesterday").has_value());
  EXPECT_FALSE(ParseTimestamp("2024-13-02T03:04:05Z").has_value());
}

}  // namespace stratus
