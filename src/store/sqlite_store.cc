// SQLite backend. Writes are queued in call order and committed by one writer thread in
// groups: each transaction takes everything queued so far, so many concurrent requests share
// one commit. WAL with synchronous=NORMAL: a committed transaction survives the process being
// killed (kill -9); power loss may lose the last transactions (documented in the README).
#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"
#include "store/store.h"

namespace stratus::store {
namespace {

struct Op {
  enum Kind { kPut, kDelete, kDeletePrefix } kind;
  uint64_t seq;
  std::string table, key, value;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {
    Prepare("INSERT OR REPLACE INTO kv(tbl, k, v) VALUES(?, ?, ?)", &put_);
    Prepare("DELETE FROM kv WHERE tbl = ? AND k = ?", &del_);
    Prepare("DELETE FROM kv WHERE tbl >= ? AND tbl < ?", &del_prefix_);
    writer_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    writer_.join();
    sqlite3_finalize(put_);
    sqlite3_finalize(del_);
    sqlite3_finalize(del_prefix_);
    sqlite3_close(db_);
  }

  bool persistent() const override { return true; }

  uint64_t Put(std::string_view table, std::string_view key, std::string_view value) override {
    return Enqueue(Op{Op::kPut, 0, std::string(table), std::string(key), std::string(value)});
  }
  uint64_t Delete(std::string_view table, std::string_view key) override {
    return Enqueue(Op{Op::kDelete, 0, std::string(table), std::string(key), {}});
  }
  uint64_t DeletePrefix(std::string_view prefix) override {
    return Enqueue(Op{Op::kDeletePrefix, 0, std::string(prefix), {}, {}});
  }

  void Scan(std::string_view prefix,
            const std::function<void(std::string_view, std::string_view, std::string_view)>& fn)
      override {
    Flush();
    std::lock_guard db_lock(db_mu_);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT tbl, k, v FROM kv WHERE tbl >= ? AND tbl < ? ORDER BY tbl, k",
                       -1, &st, nullptr);
    std::string lo(prefix), hi = UpperBound(prefix);
    sqlite3_bind_text(st, 1, lo.data(), static_cast<int>(lo.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi.data(), static_cast<int>(hi.size()), SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto col = [&](int i) {
        return std::string_view(reinterpret_cast<const char*>(sqlite3_column_blob(st, i)),
                                static_cast<size_t>(sqlite3_column_bytes(st, i)));
      };
      fn(col(0), col(1), col(2));
    }
    sqlite3_finalize(st);
  }

  void WhenDurable(uint64_t seq, std::function<void()> done) override {
    {
      std::lock_guard lock(mu_);
      if (seq > durable_) {
        waiters_.emplace(seq, std::move(done));
        return;
      }
    }
    done();
  }

  uint64_t LastSequence() const override {
    std::lock_guard lock(mu_);
    return next_seq_;
  }

  void Flush() override {
    std::unique_lock lock(mu_);
    uint64_t target = next_seq_;
    durable_cv_.wait(lock, [&] { return acked_ >= target || failed_; });
  }

 private:
  static std::string UpperBound(std::string_view prefix) {
    std::string hi(prefix);
    hi.push_back('\xff');
    return hi;
  }

  void Prepare(const char* sql, sqlite3_stmt** st) {
    if (sqlite3_prepare_v2(db_, sql, -1, st, nullptr) != SQLITE_OK)
      log::Error(std::string("sqlite prepare failed: ") + sqlite3_errmsg(db_));
  }

  uint64_t Enqueue(Op op) {
    uint64_t seq;
    {
      std::lock_guard lock(mu_);
      seq = op.seq = ++next_seq_;
      queue_.push_back(std::move(op));
    }
    cv_.notify_one();
    return seq;
  }

  void WriterLoop() {
    std::vector<Op> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_) return;
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
        queue_.clear();
      }
      uint64_t last = batch.back().seq;
      bool ok = Apply(batch);
      batch.clear();
      std::vector<std::function<void()>> ready;
      {
        std::lock_guard lock(mu_);
        if (!ok) failed_ = true;
        durable_ = last;
        while (!waiters_.empty() && waiters_.begin()->first <= durable_) {
          ready.push_back(std::move(waiters_.begin()->second));
          waiters_.erase(waiters_.begin());
        }
      }
      for (auto& fn : ready) fn();
      {
        std::lock_guard lock(mu_);
        acked_ = last;
      }
      durable_cv_.notify_all();
    }
  }

  bool Apply(const std::vector<Op>& batch) {
    std::lock_guard db_lock(db_mu_);
    sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (const auto& op : batch) {
      sqlite3_stmt* st = op.kind == Op::kPut ? put_ : op.kind == Op::kDelete ? del_ : del_prefix_;
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, op.table.data(), static_cast<int>(op.table.size()), SQLITE_STATIC);
      if (op.kind == Op::kDeletePrefix) {
        std::string hi = UpperBound(op.table);
        sqlite3_bind_text(st, 2, hi.data(), static_cast<int>(hi.size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_text(st, 2, op.key.data(), static_cast<int>(op.key.size()), SQLITE_STATIC);
      }
      if (op.kind == Op::kPut)
        sqlite3_bind_blob(st, 3, op.value.data(), static_cast<int>(op.value.size()), SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE)
        log::Error(std::string("sqlite write failed: ") + sqlite3_errmsg(db_));
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      log::Error(std::string("sqlite commit failed: ") + sqlite3_errmsg(db_));
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
    return true;
  }

  sqlite3* db_;
  std::mutex db_mu_;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* del_ = nullptr;
  sqlite3_stmt* del_prefix_ = nullptr;
  mutable std::mutex mu_;
  std::condition_variable cv_, durable_cv_;
  std::deque<Op> queue_;
  std::multimap<uint64_t, std::function<void()>> waiters_;
  uint64_t next_seq_ = 0;
  uint64_t durable_ = 0;
  uint64_t acked_ = 0;  // durable and its WhenDurable callbacks have run
  bool stop_ = false;
  bool failed_ = false;
  std::thread writer_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(AwsError::Internal("cannot create data dir " + dir + ": " + ec.message()));
  std::string path = (std::filesystem::path(dir) / "stratus.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Fail(AwsError::Internal("cannot open " + path + ": " + msg));
  }
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "PRAGMA busy_timeout=5000;"
      "CREATE TABLE IF NOT EXISTS kv(tbl TEXT NOT NULL, k TEXT NOT NULL, v BLOB, "
      "PRIMARY KEY(tbl, k)) WITHOUT ROWID;";
  char* err = nullptr;
  if (sqlite3_exec(db, setup, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    sqlite3_close(db);
    return Fail(AwsError::Internal("cannot initialise " + path + ": " + msg));
  }
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(db));
}

}  // namespace stratus::store
