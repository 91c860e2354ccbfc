// DynamoDB read runs (a laid-out partition's sorted keys, searched by 8-byte prefixes and
// summary levels) against std::lower_bound / upper_bound, and the run directory's open
// addressing with colliding hashes, drops and growth.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "services/dynamodb/dynamodb.h"

namespace stratus::dynamodb {
namespace {

// A run of the given sorted, distinct keys (items of one partition with empty values).
struct RunOf {
  ItemMap items;
  ReadRun run;
  explicit RunOf(const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
      auto it = items.emplace(Pos{1, "p", k}, Record{}).first;
      run.Add(it);
    }
    run.Seal();
  }
};

std::string RandomKey(std::mt19937& rng, const std::string& shared) {
  static const char kBytes[] = {'\0', '\x01', 'a', 'b', '\x7f', '\x80', '\xff'};
  std::string k = rng() % 3 == 0 ? shared.substr(0, rng() % (shared.size() + 1)) : "";
  size_t n = rng() % 11;
  for (size_t i = 0; i < n; ++i) k.push_back(kBytes[rng() % sizeof kBytes]);
  return k;
}

void CheckBounds(const std::vector<std::string>& keys, const std::vector<std::string>& probes) {
  RunOf r(keys);
  for (const auto& p : probes) {
    size_t lower = std::lower_bound(keys.begin(), keys.end(), p) - keys.begin();
    size_t upper = std::upper_bound(keys.begin(), keys.end(), p) - keys.begin();
    ASSERT_EQ(r.run.Bound(p, false), lower) << "key count " << keys.size();
    ASSERT_EQ(r.run.Bound(p, true), upper) << "key count " << keys.size();
  }
}

TEST(DynamoDbReadRun, BoundsMatchTheSortedKeys) {
  std::mt19937 rng(7);
  // Sizes around the summary levels (64 prefixes a block; two levels past 4,096).
  for (size_t size : {1u, 2u, 8u, 63u, 64u, 65u, 500u, 4096u, 4097u, 9000u}) {
    std::set<std::string> set;
    // Long shared prefixes make ties on the 8-byte prefixes; short keys end within them.
    while (set.size() < size) set.insert(RandomKey(rng, "2024-01-01T00:00"));
    std::vector<std::string> keys(set.begin(), set.end());
    std::vector<std::string> probes = keys;
    for (int i = 0; i < 2000; ++i) probes.push_back(RandomKey(rng, "2024-01-01T00:00"));
    probes.push_back("");
    probes.push_back(std::string(12, '\xff'));
    CheckBounds(keys, probes);
  }
}

TEST(DynamoDbReadRun, KeysThatArePrefixesOfOthers) {
  std::vector<std::string> keys = {"", std::string(1, '\0'), std::string(2, '\0'), "a",
                                   std::string("a\0", 2), "abcdefg", std::string("abcdefg\0", 8),
                                   "abcdefgh", std::string("abcdefgh\0", 9), "abcdefgh\x01",
                                   "abcdefghi", "abcdefgi", "b"};
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> probes = keys;
  for (const char* p : {"abc", "abcdefgg", "abcdefgz", "abcdefgh\xff", "a\x01", "c"}) probes.push_back(p);
  CheckBounds(keys, probes);
}

ReadRun Named(uint64_t h, std::string hk) {
  ReadRun r;
  r.h = h;
  r.hk = std::move(hk);
  return r;
}

TEST(DynamoDbRunDirectory, CollisionsDropsAndGrowth) {
  RunDirectory d;
  EXPECT_TRUE(d.Empty());
  EXPECT_EQ(d.Find(1, "x"), nullptr);
  // Seven hashes for 1,000 partitions: every lookup walks past others.
  for (int i = 0; i < 1000; ++i) d.Add(Named(i % 7, "p" + std::to_string(i)));
  EXPECT_EQ(d.Size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    const ReadRun* r = d.Find(i % 7, "p" + std::to_string(i));
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->hk, "p" + std::to_string(i));
  }
  EXPECT_EQ(d.Find(3, "p4"), nullptr);  // the name under another hash
  for (int i = 0; i < 1000; i += 2) d.Drop(i % 7, "p" + std::to_string(i));
  d.Drop(0, "absent");
  EXPECT_EQ(d.Size(), 500u);
  // More partitions after the drops: the table grows past the dead slots.
  for (int i = 1000; i < 3000; ++i) d.Add(Named(i % 7, "p" + std::to_string(i)));
  for (int i = 0; i < 3000; ++i) {
    const ReadRun* r = d.Find(i % 7, "p" + std::to_string(i));
    if (i < 1000 && i % 2 == 0)
      EXPECT_EQ(r, nullptr) << i;
    else
      ASSERT_TRUE(r && r->hk == "p" + std::to_string(i)) << i;
  }
  d.Clear();
  EXPECT_TRUE(d.Empty());
  EXPECT_EQ(d.Find(1, "p1"), nullptr);
}

}  // namespace
}  // namespace stratus::dynamodb
