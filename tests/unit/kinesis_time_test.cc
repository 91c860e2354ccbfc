// Kinesis behaviour that takes hours or minutes of real time, on a manual clock through the
// whole gateway (JSON requests in, JSON responses out): records past the retention period are
// gone, closed shards age out of listings, iterators expire after 5 minutes, and status
// transitions run on the scheduler.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "aws/gateway.h"
#include "core/log.h"
#include "core/manual_scheduler.h"
#include "services/kinesis/kinesis.h"
#include "store/store.h"

namespace stratus::kinesis {
namespace {

class KinesisTime : public ::testing::Test {
 protected:
  KinesisTime() {
    log::SetLevel("warn");
    registry_.Add(MakeKinesisService());
    registry_.Find("kinesis")->Start(env_);
  }

  json::object Call(std::string_view op, std::string_view body, int* status = nullptr) {
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers.Set("Content-Type", "application/x-amz-json-1.1");
    req.headers.Set("X-Amz-Target", "Kinesis_20131202." + std::string(op));
    req.body = body;
    HttpResponse resp;
    gateway_.Handle(std::move(req), [&](HttpResponse r) { resp = std::move(r); });
    if (status) *status = resp.status;
    auto v = json::parse(resp.body);
    return v.is_object() ? v.get_object() : json::object();
  }

  void Advance(int64_t ms) {
    clock_.Advance(ms);
    scheduler_.RunDue();
  }

  ManualClock clock_;
  ManualScheduler scheduler_{clock_};
  std::unique_ptr<store::Store> store_ = store::OpenMemoryStore();
  aws::ServiceRegistry registry_;
  aws::ServiceEnv env_{clock_, scheduler_, *store_, "000000000000", &registry_, nullptr};
  aws::Gateway gateway_{aws::GatewayOptions{}, clock_, scheduler_, *store_, registry_, nullptr, nullptr};
};

TEST_F(KinesisTime, StatusTransitionsRunOnTheScheduler) {
  Call("CreateStream", R"({"StreamName":"s","ShardCount":1})");
  auto d = Call("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(d["StreamDescriptionSummary"].at("StreamStatus"), "CREATING");
  int status = 0;
  Call("PutRecord", R"({"StreamName":"s","Data":"eA==","PartitionKey":"p"})", &status);
  EXPECT_EQ(status, 400);  // not found while CREATING
  Advance(100);
  d = Call("DescribeStreamSummary", R"({"StreamName":"s"})");
  EXPECT_EQ(d["StreamDescriptionSummary"].at("StreamStatus"), "ACTIVE");
}

TEST_F(KinesisTime, RecordsPastRetentionAreGone) {
  Call("CreateStream", R"({"StreamName":"s","ShardCount":1})");
  Advance(100);
  Call("PutRecord", R"({"StreamName":"s","Data":"b2xk","PartitionKey":"p"})");
  Advance(23 * 3'600'000);
  Call("PutRecord", R"({"StreamName":"s","Data":"bmV3","PartitionKey":"p"})");
  auto read = [&] {
    auto it = Call("GetShardIterator",
                   R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})");
    auto out = Call("GetRecords", "{\"ShardIterator\":\"" + std::string(it["ShardIterator"].as_string()) + "\"}");
    std::vector<std::string> data;
    for (const auto& r : out["Records"].as_array()) data.emplace_back(r.at("Data").as_string());
    return data;
  };
  EXPECT_EQ(read(), (std::vector<std::string>{"b2xk", "bmV3"}));
  Advance(3'600'000);  // the first record is now 24 h old
  EXPECT_EQ(read(), (std::vector<std::string>{"bmV3"}));
  // A longer retention keeps what is left for longer.
  Call("IncreaseStreamRetentionPeriod", R"({"StreamName":"s","RetentionPeriodHours":48})");
  Advance(30 * 3'600'000);
  EXPECT_EQ(read(), (std::vector<std::string>{"bmV3"}));
  Advance(20 * 3'600'000);
  EXPECT_TRUE(read().empty());
}

TEST_F(KinesisTime, ClosedShardsAgeOutAndIteratorsExpire) {
  Call("CreateStream", R"({"StreamName":"s","ShardCount":1})");
  Advance(100);
  Call("SplitShard",
       R"({"StreamName":"s","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1000000000000000"})");
  Advance(100);
  EXPECT_EQ(Call("ListShards", R"({"StreamName":"s"})")["Shards"].as_array().size(), 3u);
  auto it = Call("GetShardIterator",
                 R"({"StreamName":"s","ShardId":"shardId-000000000001","ShardIteratorType":"LATEST"})");
  std::string iterator(it["ShardIterator"].as_string());
  Advance(299'000);
  int status = 0;
  Call("GetRecords", "{\"ShardIterator\":\"" + iterator + "\"}", &status);
  EXPECT_EQ(status, 200);
  Advance(2'000);
  auto err = Call("GetRecords", "{\"ShardIterator\":\"" + iterator + "\"}", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(err["__type"], "ExpiredIteratorException");
  Advance(24 * 3'600'000);
  auto shards = Call("ListShards", R"({"StreamName":"s"})")["Shards"].as_array();
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_EQ(shards[0].at("ShardId"), "shardId-000000000001");
}

}  // namespace
}  // namespace stratus::kinesis
