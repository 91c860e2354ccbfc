#include "core/manual_scheduler.h"

namespace stratus {

Scheduler::TaskId ManualScheduler::ScheduleAt(int64_t at_ms, std::function<void()> fn) {
  std::lock_guard lock(mu_);
  TaskId id = ++next_;
  tasks_.emplace(std::make_pair(at_ms, id), std::move(fn));
  return id;
}

bool ManualScheduler::Cancel(TaskId id) {
  std::lock_guard lock(mu_);
  for (auto it = tasks_.begin(); it != tasks_.end(); ++it)
    if (it->first.second == id) {
      tasks_.erase(it);
      return true;
    }
  return false;
}

void ManualScheduler::Post(std::function<void()> fn) { ScheduleAt(clock_.NowMillis(), std::move(fn)); }

int ManualScheduler::RunDue() {
  int ran = 0;
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      auto it = tasks_.begin();
      if (it == tasks_.end() || it->first.first > clock_.NowMillis()) break;
      fn = std::move(it->second);
      tasks_.erase(it);
    }
    fn();
    ++ran;
  }
  return ran;
}

size_t ManualScheduler::pending() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

}  // namespace stratus
