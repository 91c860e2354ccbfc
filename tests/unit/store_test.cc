#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>

namespace stratus::store {

TEST(SqliteStore, WritesSurviveReopenAndAckAfterCommit) {
  auto dir = std::filesystem::temp_directory_path() / ("stratus-store-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto s = OpenSqliteStore(dir.string());
    ASSERT_TRUE(s.has_value());
    auto& store = **s;
    EXPECT_TRUE(store.persistent());
    store.Put("svc/1/us-east-1/a", "k1", "v1");
    store.Put("svc/1/us-east-1/a", "k2", "v2");
    store.Put("svc/2/us-east-1/a", "k1", "other");
    uint64_t seq = store.Delete("svc/1/us-east-1/a", "k2");
    std::atomic<bool> acked{false};
    store.WhenDurable(seq, [&] { acked = true; });
    store.Flush();
    EXPECT_TRUE(acked.load());
  }
  auto s = OpenSqliteStore(dir.string());
  ASSERT_TRUE(s.has_value());
  std::map<std::string, std::string> seen;
  (*s)->Scan("svc/1/", [&](std::string_view t, std::string_view k, std::string_view v) {
    seen[std::string(t) + "|" + std::string(k)] = v;
  });
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen["svc/1/us-east-1/a|k1"], "v1");
  (*s)->DeletePrefix("svc/");
  int n = 0;
  (*s)->Scan("svc/", [&](auto, auto, auto) { ++n; });
  EXPECT_EQ(n, 0);
  s->reset();
  std::filesystem::remove_all(dir);
}

TEST(MemoryStore, AcknowledgesAtOnce) {
  auto s = OpenMemoryStore();
  EXPECT_FALSE(s->persistent());
  bool acked = false;
  s->WhenDurable(s->Put("t", "k", "v"), [&] { acked = true; });
  EXPECT_TRUE(acked);
}

}  // namespace stratus::store
