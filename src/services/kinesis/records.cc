// Writing and reading records: PutRecord, PutRecords, GetShardIterator, GetRecords.
#include <algorithm>
#include <ctime>

#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "services/kinesis/kinesis.h"

namespace stratus::kinesis {
namespace {

constexpr int64_t kMiB = 1024 * 1024;
constexpr int64_t kPutRecordsMaxBytes = 5 * kMiB;
constexpr int64_t kGetRecordsMaxBytes = 10 * kMiB;

// What a shard iterator encodes. The text is base64 of "kin1|ACCOUNT|REGION|STREAM|CREATED|
// SHARD|POSITION|ISSUED": records with an ordinal above POSITION are still to be read.
struct Iterator {
  std::string account, region, stream;
  int64_t created_ms = 0;
  int shard = 0;
  uint64_t position = 0;
  int64_t issued_ms = 0;
};

std::string EncodeIterator(const Iterator& it) {
  return Base64Encode("kin1|" + it.account + "|" + it.region + "|" + it.stream + "|" + std::to_string(it.created_ms) +
                      "|" + std::to_string(it.shard) + "|" + std::to_string(it.position) + "|" +
                      std::to_string(it.issued_ms));
}

std::optional<Iterator> DecodeIterator(std::string_view text) {
  auto raw = Base64Decode(text);
  if (!raw) return std::nullopt;
  std::vector<std::string> f;
  size_t start = 0;
  for (size_t i = 0; i <= raw->size(); ++i)
    if (i == raw->size() || (*raw)[i] == '|') {
      f.push_back(raw->substr(start, i - start));
      start = i + 1;
    }
  if (f.size() != 8 || f[0] != "kin1") return std::nullopt;
  Iterator it;
  it.account = f[1];
  it.region = f[2];
  it.stream = f[3];
  try {
    it.created_ms = std::stoll(f[4]);
    it.shard = std::stoi(f[5]);
    it.position = std::stoull(f[6]);
    it.issued_ms = std::stoll(f[7]);
  } catch (...) {
    return std::nullopt;
  }
  return it;
}

// Java's Date.toString(), which AWS's ExpiredIteratorException message uses.
std::string JavaDate(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

bool Writable(const Stream& s) { return s.status == "ACTIVE" || s.status == "UPDATING"; }

AwsError TooLarge(const Stream& s) {
  return KinesisService::InvalidArgument("Record size (data and partition key) exceeds the maximum record size of " +
                                         std::to_string(s.max_record_kib) + " KiB for stream " + s.name + ".");
}

}  // namespace

// Finds the open shard for a record: by ExplicitHashKey, or the MD5 of the partition key.
static Result<Shard*> Route(KinesisService& svc, Stream& s, const json::object& rec) {
  u128 hash;
  if (auto explicit_key = GetString(rec, "ExplicitHashKey")) {
    auto v = ParseU128(*explicit_key);
    if (!v)
      return Fail(KinesisService::InvalidArgument(
          "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was " +
          std::string(*explicit_key)));
    hash = *v;
  } else {
    hash = HashOfPartitionKey(GetString(rec, "PartitionKey").value_or(""));
  }
  for (auto& sh : s.shards)
    if (sh.Open() && sh.start_hash <= hash && hash <= sh.end_hash) return &sh;
  return Fail(KinesisService::Error("InternalFailure", "No open shard covers the hash key."));
}

// Counts a write against the shard's per-second quota (1 MiB or 1,000 records) when enforced.
static bool Admit(Shard& sh, int64_t now_ms, size_t bytes) {
  int64_t second = now_ms / 1000;
  if (sh.window_s != second) {
    sh.window_s = second;
    sh.window_bytes = sh.window_records = 0;
  }
  if (sh.window_records + 1 > 1000 || sh.window_bytes + static_cast<int64_t>(bytes) > kMiB) return false;
  ++sh.window_records;
  sh.window_bytes += static_cast<int64_t>(bytes);
  return true;
}

static std::string RateExceeded(const Stream& s, const Shard& sh) {
  return "Rate exceeded for shard " + sh.Id() + " in stream " + s.name + " under account " + s.account + ".";
}

static Record Append(KinesisService& svc, aws::Context& c, Stream& s, Shard& sh, const json::object& rec,
                     size_t bytes, int64_t now) {
  Record r;
  r.ordinal = ++s.counter;
  r.data = GetString(rec, "Data").value_or("");
  r.partition_key = GetString(rec, "PartitionKey").value_or("");
  r.arrival_ms = now;
  r.encrypted = s.encryption == "KMS";
  r.bytes = bytes;
  svc.PersistRecord(&c, s, sh, r);
  sh.records.push_back(r);
  return r;
}

static size_t RecordBytes(const json::object& rec) {
  std::string_view data = GetString(rec, "Data").value_or("");
  // Decoded length of the base64 data, without decoding it.
  size_t n = data.size() / 4 * 3;
  if (data.ends_with("==")) n -= 2;
  else if (data.ends_with("=")) n -= 1;
  return n + GetString(rec, "PartitionKey").value_or("").size();
}

KinesisService::Out KinesisService::PutRecord(Ctx& c, const In& in) {
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (!Writable(st)) return Fail(NotFound(st.name, c.account));
  auto sh = Route(*this, st, in);
  if (!sh) return Fail(sh.error());
  int64_t now = c.clock.NowMillis();
  size_t bytes = RecordBytes(in);
  if (bytes > static_cast<size_t>(st.max_record_kib) * 1024) return Fail(TooLarge(st));
  if (enforce_throughput_ && !Admit(**sh, now, bytes))
    return Fail(Error("ProvisionedThroughputExceededException", RateExceeded(st, **sh)));
  Trim(st, now);
  Record r = Append(*this, c, st, **sh, in, bytes, now);
  if (!subscriptions_.empty()) NotifySubscribers(st);
  json::object out;
  out["ShardId"] = (*sh)->Id();
  out["SequenceNumber"] = MakeSequenceNumber(r.ordinal, (*sh)->index, r.arrival_ms);
  out["EncryptionType"] = r.encrypted ? "KMS" : "NONE";
  return json::value(std::move(out));
}

KinesisService::Out KinesisService::PutRecords(Ctx& c, const In& in) {
  const json::array* records = GetArray(in, "Records");
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (!Writable(st)) return Fail(NotFound(st.name, c.account));
  int64_t total = 0;
  std::vector<Shard*> targets;
  for (const auto& rv : records ? *records : json::array()) {
    if (!rv.is_object()) continue;
    size_t bytes = RecordBytes(rv.get_object());
    if (bytes > static_cast<size_t>(st.max_record_kib) * 1024) return Fail(TooLarge(st));
    total += static_cast<int64_t>(bytes);
    auto sh = Route(*this, st, rv.get_object());
    if (!sh) return Fail(sh.error());
    targets.push_back(*sh);
  }
  if (total > kPutRecordsMaxBytes) return Fail(InvalidArgument("Records size exceeds 5 MB limit"));
  int64_t now = c.clock.NowMillis();
  Trim(st, now);
  json::array results;
  int failed = 0;
  bool encrypted = st.encryption == "KMS";
  size_t i = 0;
  for (const auto& rv : *records) {
    if (!rv.is_object()) continue;
    const json::object& rec = rv.get_object();
    Shard& sh = *targets[i++];
    size_t bytes = RecordBytes(rec);
    if (enforce_throughput_ && !Admit(sh, now, bytes)) {
      ++failed;
      results.push_back(json::object{{"ErrorCode", "ProvisionedThroughputExceededException"},
                                     {"ErrorMessage", RateExceeded(st, sh)}});
      continue;
    }
    Record r = Append(*this, c, st, sh, rec, bytes, now);
    results.push_back(json::object{{"SequenceNumber", MakeSequenceNumber(r.ordinal, sh.index, r.arrival_ms)},
                                   {"ShardId", sh.Id()}});
  }
  if (!subscriptions_.empty()) NotifySubscribers(st);
  json::object out;
  out["FailedRecordCount"] = failed;
  out["Records"] = std::move(results);
  out["EncryptionType"] = encrypted ? "KMS" : "NONE";
  return json::value(std::move(out));
}

Result<uint64_t> KinesisService::StartPosition(const Stream& st, const Shard& shard, const std::string& type,
                                               std::optional<std::string_view> starting, const json::value* ts,
                                               int64_t now, std::string_view operation) {
  const Shard* sh = &shard;
  const std::string shard_id = sh->Id();
  uint64_t position = 0;
  if (type == "TRIM_HORIZON") {
    position = sh->start_ordinal;
  } else if (type == "LATEST") {
    position = sh->end_ordinal ? *sh->end_ordinal : st.counter;
  } else if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    if (!starting)
      return Fail(InvalidArgument("Must specify a StartingSequenceNumber for the " + type + " ShardIteratorType."));
    auto parts = ParseSequenceNumber(*starting);
    if (!parts)
      return Fail(InvalidArgument("StartingSequenceNumber " + std::string(*starting) + " used in " +
                                  std::string(operation) + " on shard " + shard_id + " in stream " + st.name +
                                  " under account " + st.account + " is invalid."));
    if (parts->shard_index != sh->index)
      return Fail(InvalidArgument("Invalid StartingSequenceNumber. It encodes " + ShardIdOf(parts->shard_index) +
                                  ", while it was used in a call to a shard with " + shard_id));
    uint64_t ord = parts->ordinal;
    position = type == "AT_SEQUENCE_NUMBER" ? (ord == 0 ? 0 : ord - 1) : ord;
    position = std::max(position, sh->start_ordinal);
  } else if (type == "AT_TIMESTAMP") {
    if (!ts)
      return Fail(InvalidArgument(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no "
          "timestamp parameter."));
    int64_t at = aws::TimestampMillis(*ts);
    if (at > now)
      return Fail(InvalidArgument("The timestampInMillis parameter cannot be greater than the "
                                  "currentTimestampInMillis. timestampInMillis: " +
                                  std::to_string(at) + ", currentTimestampInMillis: " + std::to_string(now)));
    auto first = std::find_if(sh->records.begin(), sh->records.end(),
                              [&](const Record& r) { return r.arrival_ms >= at; });
    if (first != sh->records.end()) position = first->ordinal - 1;
    else position = sh->end_ordinal ? *sh->end_ordinal : st.counter;
    position = std::max(position, sh->start_ordinal);
  }
  return position;
}

KinesisService::Out KinesisService::GetShardIterator(Ctx& c, const In& in) {
  std::string shard_id(GetString(in, "ShardId").value_or(""));
  std::string type(GetString(in, "ShardIteratorType").value_or(""));
  auto starting = GetString(in, "StartingSequenceNumber");
  std::lock_guard lock(mu_);
  auto s = StreamOf(c, in);
  if (!s) return Fail(s.error());
  Stream& st = **s;
  if (!Writable(st)) return Fail(NotFound(st.name, c.account));
  int64_t now = c.clock.NowMillis();
  Trim(st, now);
  Shard* sh = ShardById(st, shard_id);
  if (!sh || Expired(st, *sh, now))
    return Fail(Error("ResourceNotFoundException", "Shard " + shard_id + " in stream " + st.name +
                                                       " under account " + c.account + " does not exist"));
  auto position = StartPosition(st, *sh, type, starting, Find(in, "Timestamp"), now, "GetShardIterator");
  if (!position) return Fail(position.error());
  Iterator it{st.account, st.region, st.name, st.created_ms, sh->index, *position, now};
  return json::value(json::object{{"ShardIterator", EncodeIterator(it)}});
}

KinesisService::Out KinesisService::GetRecords(Ctx& c, const In& in) {
  std::string_view text = GetString(in, "ShardIterator").value_or("");
  int64_t limit = GetInt(in, "Limit").value_or(10000);
  auto it = DecodeIterator(text);
  if (!it) return Fail(InvalidArgument("Invalid ShardIterator."));
  int64_t now = c.clock.NowMillis();
  if (it->account != c.account || it->region != c.region) return Fail(InvalidArgument("Invalid ShardIterator."));
  if (now - it->issued_ms > iterator_ttl_ms_)
    return Fail(Error("ExpiredIteratorException",
                      "Iterator expired. The iterator was created at time " + JavaDate(it->issued_ms) +
                          " while right now it is " + JavaDate(now) +
                          " which is further in the future than the tolerated delay of " +
                          std::to_string(iterator_ttl_ms_) + " milliseconds."));
  std::lock_guard lock(mu_);
  auto& streams = Streams(c.account, c.region);
  auto sit = streams.find(it->stream);
  if (sit == streams.end() || sit->second->created_ms != it->created_ms || !Writable(*sit->second))
    return Fail(NotFound(it->stream, c.account));
  Stream& st = *sit->second;
  Trim(st, now);
  if (it->shard < 0 || it->shard >= static_cast<int>(st.shards.size()) ||
      Expired(st, st.shards[static_cast<size_t>(it->shard)], now))
    return Fail(Error("ResourceNotFoundException", "Shard " + ShardIdOf(it->shard) + " in stream " +
                                                       st.name + " under account " + c.account + " does not exist"));
  Shard& sh = st.shards[static_cast<size_t>(it->shard)];
  if (enforce_throughput_) {
    int64_t second = now / 1000;
    if (sh.read_window_s != second) {
      sh.read_window_s = second;
      sh.read_calls = sh.read_bytes = 0;
    }
    if (sh.read_calls >= 5 || sh.read_bytes >= 2 * kMiB)
      return Fail(Error("ProvisionedThroughputExceededException",
                        "Rate exceeded for Shard - " + sh.Id() + " in stream " + st.name + " under account " +
                            c.account + "."));
    ++sh.read_calls;
  }
  auto pos = std::upper_bound(sh.records.begin(), sh.records.end(), it->position,
                              [](uint64_t p, const Record& r) { return p < r.ordinal; });
  json::array records;
  int64_t bytes = 0;
  uint64_t next = it->position;
  for (; pos != sh.records.end() && static_cast<int64_t>(records.size()) < limit; ++pos) {
    if (!records.empty() && bytes + static_cast<int64_t>(pos->bytes) > kGetRecordsMaxBytes) break;
    bytes += static_cast<int64_t>(pos->bytes);
    json::object r;
    r["SequenceNumber"] = MakeSequenceNumber(pos->ordinal, sh.index, pos->arrival_ms);
    r["ApproximateArrivalTimestamp"] = aws::TimestampValue(pos->arrival_ms);
    r["Data"] = pos->data;
    r["PartitionKey"] = pos->partition_key;
    if (pos->encrypted) r["EncryptionType"] = "KMS";
    records.push_back(std::move(r));
    next = pos->ordinal;
  }
  sh.read_bytes += bytes;
  json::object out;
  out["Records"] = std::move(records);
  bool at_end = pos == sh.records.end();
  if (!sh.Open() && at_end) {
    // The end of a closed shard: no further iterator, and the shards that continue it.
    json::array children;
    for (const auto& child : st.shards) {
      if (child.parent != sh.index && child.adjacent_parent != sh.index) continue;
      json::array parents{json::string(ShardIdOf(child.parent))};
      if (child.adjacent_parent >= 0) parents.push_back(json::string(ShardIdOf(child.adjacent_parent)));
      children.push_back(json::object{{"ShardId", child.Id()},
                                      {"ParentShards", std::move(parents)},
                                      {"HashKeyRange", json::object{{"StartingHashKey", U128ToString(child.start_hash)},
                                                                    {"EndingHashKey", U128ToString(child.end_hash)}}}});
    }
    out["MillisBehindLatest"] = 0;
    out["ChildShards"] = std::move(children);
    return json::value(std::move(out));
  }
  Iterator n = *it;
  n.position = next;
  n.issued_ms = now;
  out["NextShardIterator"] = EncodeIterator(n);
  out["MillisBehindLatest"] = at_end ? 0 : std::max<int64_t>(0, now - pos->arrival_ms);
  return json::value(std::move(out));
}

}  // namespace stratus::kinesis
