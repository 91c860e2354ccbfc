// Clock and scheduler interfaces, injected everywhere time matters, so tests move time
// instead of sleeping (STYLE habit 6).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace stratus {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
  double NowSeconds() const { return static_cast<double>(NowMillis()) / 1000.0; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }
  void Set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

// Runs work later on the server's event loop. Implemented in net/ over Asio timers; a
// manual implementation drives it in tests.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  using TaskId = uint64_t;
  // Runs fn once, no earlier than at_ms (Clock time). Returns an id for Cancel.
  virtual TaskId ScheduleAt(int64_t at_ms, std::function<void()> fn) = 0;
  // Cancels a task not yet run; false when it already ran or is unknown.
  virtual bool Cancel(TaskId id) = 0;
  // Runs fn soon on the event loop.
  virtual void Post(std::function<void()> fn) = 0;
};

}  // namespace stratus
