#include "core/manual_scheduler.h"

#include <gtest/gtest.h>

#include <vector>

namespace stratus {

TEST(ManualScheduler, RunsTasksWhenTheClockReachesThem) {
  ManualClock clock(1000);
  ManualScheduler s(clock);
  std::vector<int> ran;
  s.ScheduleAt(1500, [&] { ran.push_back(2); });
  s.ScheduleAt(1200, [&] { ran.push_back(1); });
  auto cancelled = s.ScheduleAt(1300, [&] { ran.push_back(99); });
  EXPECT_TRUE(s.Cancel(cancelled));
  EXPECT_FALSE(s.Cancel(cancelled));
  EXPECT_EQ(s.RunDue(), 0);
  clock.Advance(250);
  EXPECT_EQ(s.RunDue(), 1);
  clock.Advance(1000);
  // A due task may schedule more work that is already due.
  s.ScheduleAt(2000, [&] { s.Post([&] { ran.push_back(3); }); });
  EXPECT_EQ(s.RunDue(), 3);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(s.pending(), 0u);
}

}  // namespace stratus
