// Kinesis Data Streams: streams split into shards over the 128-bit hash-key space, records
// routed by the MD5 of their partition key, shard iterators, resharding with lineage,
// enhanced fan-out consumers. Served in JSON 1.1 and, for the Java SDK, CBOR bodies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/service.h"

namespace stratus::kinesis {

using u128 = unsigned __int128;

// 2^128 - 1, the top of the hash-key space.
inline constexpr u128 kMaxHashKey = ~static_cast<u128>(0);

std::string U128ToString(u128 v);
// Decimal text to a hash key; nullopt when not a number or larger than 2^128 - 1.
std::optional<u128> ParseU128(std::string_view s);
// The hash key of a partition key: its MD5 digest read as a big-endian 128-bit number.
u128 HashOfPartitionKey(std::string_view key);

// Sequence numbers are 56 decimal digits: "49", a 24-digit stream-wide ordinal, the 10-digit
// shard index and the 20-digit arrival time. Within a shard they grow with the ordinal.
std::string MakeSequenceNumber(uint64_t ordinal, int shard_index, int64_t arrival_ms);
struct SequenceParts {
  uint64_t ordinal = 0;
  int shard_index = 0;
};
std::optional<SequenceParts> ParseSequenceNumber(std::string_view s);
// n ranges splitting the hash-key space evenly, as AWS does: floor(2^128 / n) keys each, the
// last running to 2^128 - 1.
std::vector<std::pair<u128, u128>> EvenHashRanges(int n);

// "shardId-000000000007"
std::string ShardIdOf(int index);

struct Record {
  uint64_t ordinal = 0;
  std::string data;  // base64, as the canonical value carries blobs
  std::string partition_key;
  int64_t arrival_ms = 0;
  bool encrypted = false;
  size_t bytes = 0;  // decoded data + partition key
};

struct Shard {
  int index = 0;
  u128 start_hash = 0, end_hash = 0;
  int parent = -1, adjacent_parent = -1;
  uint64_t start_ordinal = 0;
  int64_t created_ms = 0;
  // Set when the shard is closed by resharding.
  std::optional<uint64_t> end_ordinal;
  int64_t closed_ms = 0;
  std::vector<Record> records;  // by ordinal; expired ones trimmed from the front
  // Throughput accounting (when enforced): the current second's usage.
  int64_t window_s = 0;
  int64_t window_bytes = 0, window_records = 0;
  int64_t read_window_s = 0;
  int64_t read_calls = 0, read_bytes = 0;

  std::string Id() const { return ShardIdOf(index); }
  bool Open() const { return !end_ordinal.has_value(); }
};

struct Consumer {
  std::string name, arn, status;
  int64_t created_ms = 0;
  std::map<std::string, std::string> tags;
  std::string policy;
};

struct Stream {
  std::string account, region, name, arn;
  std::string status = "CREATING";
  std::string mode = "PROVISIONED";
  int64_t created_ms = 0;
  int retention_hours = 24;
  std::string encryption = "NONE", key_id;
  std::vector<std::string> metrics;  // enhanced monitoring, sorted
  std::map<std::string, std::string> tags;
  std::vector<Shard> shards;  // by index
  std::map<std::string, Consumer> consumers;
  std::string policy;            // resource policy (JSON text), empty without one
  int max_record_kib = 1024;     // MaxRecordSizeInKiB
  int64_t warm_mibps = -1;       // WarmThroughputMiBps (on-demand), -1 unset
  uint64_t counter = 0;  // highest ordinal handed out
  uint64_t status_task = 0;

  int OpenShards() const;
  std::string RecordsTable() const;
};

class Subscription;

class KinesisService final : public aws::ServiceHandler {
 public:
  KinesisService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;

  // streams.cc
  Out CreateStream(Ctx& c, const In& in);
  Out DeleteStream(Ctx& c, const In& in);
  Out DescribeStream(Ctx& c, const In& in);
  Out DescribeStreamSummary(Ctx& c, const In& in);
  Out ListStreams(Ctx& c, const In& in);
  Out IncreaseStreamRetentionPeriod(Ctx& c, const In& in);
  Out DecreaseStreamRetentionPeriod(Ctx& c, const In& in);
  Out AddTagsToStream(Ctx& c, const In& in);
  Out RemoveTagsFromStream(Ctx& c, const In& in);
  Out ListTagsForStream(Ctx& c, const In& in);
  Out UpdateStreamMode(Ctx& c, const In& in);
  Out StartStreamEncryption(Ctx& c, const In& in);
  Out StopStreamEncryption(Ctx& c, const In& in);
  Out SetStreamEncryption(Ctx& c, const In& in, std::string encryption, std::string key_id);
  Out EnableEnhancedMonitoring(Ctx& c, const In& in);
  Out DisableEnhancedMonitoring(Ctx& c, const In& in);
  Out DescribeLimits(Ctx& c, const In& in);
  // resources.cc
  Out TagResource(Ctx& c, const In& in);
  Out UntagResource(Ctx& c, const In& in);
  Out ListTagsForResource(Ctx& c, const In& in);
  Out PutResourcePolicy(Ctx& c, const In& in);
  Out GetResourcePolicy(Ctx& c, const In& in);
  Out DeleteResourcePolicy(Ctx& c, const In& in);
  Out UpdateMaxRecordSize(Ctx& c, const In& in);
  Out UpdateStreamWarmThroughput(Ctx& c, const In& in);
  Out DescribeAccountSettings(Ctx& c, const In& in);
  Out UpdateAccountSettings(Ctx& c, const In& in);
  // consumers.cc
  Out RegisterStreamConsumer(Ctx& c, const In& in);
  Out DescribeStreamConsumer(Ctx& c, const In& in);
  Out ListStreamConsumers(Ctx& c, const In& in);
  Out DeregisterStreamConsumer(Ctx& c, const In& in);
  // records.cc
  Out PutRecord(Ctx& c, const In& in);
  Out PutRecords(Ctx& c, const In& in);
  Out GetShardIterator(Ctx& c, const In& in);
  Out GetRecords(Ctx& c, const In& in);
  // subscribe.cc
  Out SubscribeToShard(Ctx& c, const In& in);
  // shards.cc
  Out ListShards(Ctx& c, const In& in);
  Out SplitShard(Ctx& c, const In& in);
  Out MergeShards(Ctx& c, const In& in);
  Out UpdateShardCount(Ctx& c, const In& in);

  // Shared by the operation files; mu_ held.
  static AwsError Error(std::string_view shape, std::string message);
  static AwsError NotFound(const std::string& name, const std::string& account);
  static AwsError InvalidArgument(std::string message);
  static AwsError InUse(std::string message);
  // The stream named by StreamName or StreamARN (either may be given; both must agree).
  Result<Stream*> StreamOf(Ctx& c, const In& in);
  // The stream of an ARN (any account/region), or null.
  Stream* StreamByArn(std::string_view arn);
  Result<Stream*> ActiveStream(Ctx& c, const In& in);  // ResourceInUse unless ACTIVE
  // Moves the stream to `status` now and back to ACTIVE after the transition delay.
  void Transition(Stream& s, const std::string& status);
  // Drops records and closed shards past the retention period.
  void Trim(Stream& s, int64_t now);
  // Whether a closed shard has aged out entirely.
  bool Expired(const Stream& s, const Shard& sh, int64_t now) const;
  Shard* ShardById(Stream& s, std::string_view id);
  // Where reading starts for an iterator type: records with a greater ordinal are read.
  Result<uint64_t> StartPosition(const Stream& s, const Shard& sh, const std::string& type,
                                 std::optional<std::string_view> starting, const json::value* timestamp,
                                 int64_t now, std::string_view operation);
  // Pushes new records (or a shard's end) to the SubscribeToShard subscriptions of a stream.
  void NotifySubscribers(const Stream& s);
  // Ends every subscription of a stream (deleted), or of one consumer (deregistered).
  void EndSubscriptions(const Stream& s, const std::string& consumer_arn = "");
  void AddShards(Stream& s, const std::vector<std::pair<u128, u128>>& ranges, int64_t now,
                 const std::vector<std::pair<int, int>>& parents);
  json::object ShardJson(const Shard& sh) const;
  json::object Description(const Stream& s, bool summary) const;

  void PersistStream(Ctx* c, const Stream& s);
  void PersistRecord(Ctx* c, const Stream& s, const Shard& sh, const Record& r);
  void UnpersistRecord(const Stream& s, const Shard& sh, uint64_t ordinal);

  using Key = std::pair<std::string, std::string>;
  std::map<std::string, std::unique_ptr<Stream>>& Streams(const std::string& account,
                                                         const std::string& region) {
    return regions_[{account, region}];
  }

  std::recursive_mutex mu_;
  std::map<Key, std::map<std::string, std::unique_ptr<Stream>>> regions_;
  // Account settings per (account, region): MinimumThroughputBillingCommitment.
 public:
  struct Commitment {
    std::string status = "DISABLED";
    int64_t started_ms = 0, ended_ms = 0;
  };
  std::map<Key, Commitment> commitments_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;
  int64_t subscription_ms_ = 300'000;
  void PersistCommitment(Ctx* c, const Key& key, const Commitment& value);
  aws::ServiceEnv* env_ = nullptr;
  // Settings (environment, read at start): how long CREATING/UPDATING/DELETING last, how
  // long a shard iterator lives, and whether per-shard throughput limits apply.
  int64_t transition_ms_ = 100;
  int64_t iterator_ttl_ms_ = 300'000;
  bool enforce_throughput_ = false;
};

std::unique_ptr<aws::ServiceHandler> MakeKinesisService();

}  // namespace stratus::kinesis
