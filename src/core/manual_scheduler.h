// A Scheduler for tests: tasks run only when the test moves a ManualClock and calls RunDue(),
// so timed behaviour (visibility timeouts, TTLs, retention) is tested without sleeping.
#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "core/clock.h"

namespace stratus {

class ManualScheduler final : public Scheduler {
 public:
  explicit ManualScheduler(const ManualClock& clock) : clock_(clock) {}

  TaskId ScheduleAt(int64_t at_ms, std::function<void()> fn) override;
  bool Cancel(TaskId id) override;
  void Post(std::function<void()> fn) override;  // due at once
  // Runs every task due at the clock's current time, in due-time order (posting order for
  // ties), including tasks that due tasks schedule for now or earlier. Returns how many ran.
  int RunDue();
  size_t pending() const;

 private:
  const ManualClock& clock_;
  mutable std::mutex mu_;
  TaskId next_ = 0;
  // (due time, id) -> task; ids increase, so ties run in scheduling order.
  std::map<std::pair<int64_t, TaskId>, std::function<void()>> tasks_;
};

}  // namespace stratus
