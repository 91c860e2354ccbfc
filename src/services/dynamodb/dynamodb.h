// DynamoDB and DynamoDB Streams: tables with their secondary indexes, items in ordered
// per-table maps (GetItem and a Query page cost O(log n + page)), transactions, streams, TTL,
// backups and PartiQL. The data types and expression language are stratus_ddb_lang's
// (value.h, expression.h, partiql.h); this layer owns the tables and the operations.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aws/service.h"
#include "services/dynamodb/expression.h"
#include "services/dynamodb/value.h"

namespace stratus::dynamodb {

// One key attribute of a table or index: name and scalar type ("S", "N" or "B").
struct KeyAttr {
  std::string name;
  std::string type;
};

struct KeySchema {
  KeyAttr hash;
  std::optional<KeyAttr> range;
  json::array ToJson() const;
  bool IsKey(std::string_view attr) const {
    return hash.name == attr || (range && range->name == attr);
  }
};

// Position of an item in an ordered map: partitions in the order of a 64-bit hash of their
// encoded partition key (as DynamoDB spreads them), sort keys in DynamoDB's order within.
// hk/rk are order-preserving byte encodings of the key values (EncodeKeyValue).
struct Pos {
  uint64_t h = 0;
  std::string hk, rk;
  auto operator<=>(const Pos&) const = default;
};

// Position in a secondary index: the index's key, then the table's key to keep it unique.
struct IndexPos {
  Pos index;
  std::string thk, trk;
  auto operator<=>(const IndexPos&) const = default;
};

struct Record {
  Item item;
  size_t size = 0;  // ItemSize(item)
  // The item as JSON-protocol text in its table's text slabs (LayOutForReads), which Query,
  // Scan and GetItem copy into a response as it is; empty for items written since.
  std::string_view text = {};
};
using ItemMap = std::map<Pos, Record>;

// A laid-out partition's items in key order (LayOutSome), kept apart from the map so that a
// Query page of a large table costs a handful of cache misses one after another (directory
// slot, run, summary, prefix block, first entry) and then reads one dense run of text, instead
// of descending a tree of the whole table and visiting its nodes one by one.
// A write to the partition drops its run (the map serves it until the next layout).
struct ReadRun {
  struct Entry {
    uint32_t key_at = 0, key_len = 0;  // the encoded sort key in `keys`
    const char* text = nullptr;    // the item's JSON text in the table's slabs
    uint32_t text_len = 0;
    uint32_t size = 0;             // ItemSize
    ItemMap::iterator it;
  };
  static constexpr size_t kFanout = 64;

  uint64_t h = 0;  // the partition (Pos::h, Pos::hk)
  std::string hk;
  std::string keys;
  std::vector<Entry> entries;      // in sort-key order
  std::vector<uint64_t> prefixes;  // KeyPrefix of each entry's sort key
  // Summary levels above `prefixes`, coarsest first, back to back: a level holds the last value
  // of each kFanout values of the level below; the coarsest holds at most kFanout.
  std::vector<uint64_t> summary;
  uint32_t text_avg = 0;  // mean text length, for prefetching a page's text

  std::string_view Key(const Entry& e) const { return {keys.data() + e.key_at, e.key_len}; }
  // Index of the first entry whose sort key is >= rk (upper: > rk).
  size_t Bound(std::string_view rk, bool upper) const;
  // The first values a search reads: the coarsest summary level, or the prefixes.
  const uint64_t* SearchTop() const { return summary.empty() ? prefixes.data() : summary.data(); }
  void Add(ItemMap::iterator it);
  void Seal();  // after the last Add: builds the summary

 private:
  template <typename Pred>
  size_t PrefixPoint(Pred pred) const;
};

// A table's read runs by partition: open addressing on the partition hash over a dense array,
// one cache miss to a slot and one to the run (a node-based map costs three).
class RunDirectory {
 public:
  const ReadRun* Find(uint64_t h, std::string_view hk) const;
  void Add(ReadRun&& run);
  void Drop(uint64_t h, std::string_view hk);  // frees the run's memory; its slot stays dead
  void Clear();
  bool Empty() const { return live_ == 0; }
  size_t Size() const { return live_; }

 private:
  struct Slot {
    uint64_t h = 0;
    uint32_t run = 0;  // index in runs_ + 1; 0: empty; kDead: dropped
    const uint64_t* search = nullptr;  // where the run's search starts (ReadRun::SearchTop)
  };
  static constexpr uint32_t kDead = UINT32_MAX;
  void Rehash(size_t capacity);
  std::vector<ReadRun> runs_;
  std::vector<Slot> slots_;  // a power of two, at most half used (live and dead)
  size_t live_ = 0, used_ = 0;
};

struct Index {
  std::string name, arn;
  bool global = false;
  KeySchema key;
  std::string projection_type = "ALL";  // ALL, KEYS_ONLY, INCLUDE
  std::vector<std::string> non_key;
  int64_t rcu = 0, wcu = 0;  // GSIs of provisioned tables
  std::string status = "ACTIVE";
  std::map<IndexPos, ItemMap::iterator> entries;
  size_t size_bytes = 0;

  // Whether attribute `name` is kept in the index (keys of the table and index always are).
  bool Projects(std::string_view name, const KeySchema& table_key) const;
  Item Project(const Item& item, const KeySchema& table_key) const;
  json::object Projection() const;
};

struct Table {
  std::string account, region, name, arn, id;
  KeySchema key;
  json::array attribute_definitions;
  std::vector<Index> indexes;  // LSIs and GSIs, in creation order
  std::string billing_mode = "PROVISIONED";
  int64_t rcu = 0, wcu = 0;
  int64_t last_increase_ms = 0, last_decrease_ms = 0, decreases_today = 0;
  int64_t created_ms = 0, billing_switched_ms = 0;
  std::string status = "ACTIVE";
  bool sse_enabled = false;
  std::string sse_kms_key;  // KMSMasterKeyArn when SSE is KMS
  std::string table_class;  // empty: never set
  bool deletion_protection = false;
  bool stream_enabled = false;
  std::string stream_view_type, stream_arn, stream_label;
  std::string ttl_attribute;
  bool ttl_enabled = false;
  bool pitr_enabled = false;
  // While PITR is on, the state each write replaced (in memory only), newest last, for
  // RestoreTableToPointInTime: (time, position, the item before; nullopt: absent).
  struct Change {
    int64_t at_ms;
    Pos pos;
    std::optional<Item> before;
  };
  std::deque<Change> history;
  int64_t pitr_since_ms = 0;
  std::map<std::string, std::string> tags;
  std::string policy, policy_revision;  // resource-based policy
  // Contributor Insights status by index name ("" for the table): ENABLED or DISABLED.
  std::map<std::string, std::string> insights;
  // Token buckets of the optional throughput enforcement (not persisted).
  double read_tokens = 0, write_tokens = 0;
  int64_t tokens_at_ms = 0;
  ItemMap items;
  size_t size_bytes = 0;
  size_t laid_out_items = 0;  // item count when the last layout pass began
  size_t writes_since_layout = 0;  // item writes since then (WriteAt)
  // The JSON text of every item the layout passes laid out, in key order (Record::text views
  // it until the item is written again), so a Query page reads one dense run of text.
  std::vector<std::unique_ptr<char[]>> text_slabs;
  size_t slab_used = 0, slab_cap = 0;
  // A layout pass in progress (LayOutSome): the next key to lay out, the previous pass's
  // slabs (items not yet laid out again still view them) and the nodes taken out of `items`
  // (kept until the pass ends, so the new nodes are not allocated into their holes).
  std::optional<Pos> layout_next;
  std::chrono::steady_clock::time_point layout_began;
  std::vector<std::unique_ptr<char[]>> old_text_slabs;
  std::vector<ItemMap::node_type> old_nodes;
  // Read runs of the partitions the last layout pass laid out (tables with a sort key), and
  // the one a pass in progress is filling (moved to `runs` when the pass leaves it).
  RunDirectory runs;
  std::optional<ReadRun> run_filling;
  bool run_filling_dropped = false;
  const ReadRun* FindRun(uint64_t h, const std::string& hk) const;
  void DropRun(const Pos& pos);  // a write at `pos`: its partition's run no longer holds

  Index* FindIndex(std::string_view index_name);
  std::string StoreItems() const;  // store table of its items
};

// A DynamoDB Streams record (the Record shape), kept per shard in sequence order.
struct StreamRecord {
  uint64_t seq = 0;
  int64_t created_ms = 0;
  json::object record;  // eventID, eventName, ..., dynamodb{...}
};

struct Shard {
  std::string id, parent;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // 0 while open
  int64_t created_ms = 0;
  bool closed = false;
  std::deque<StreamRecord> records;
};

struct Stream {
  std::string account, region, arn, label, table_name, view_type;
  KeySchema key;
  std::string status = "ENABLED";  // ENABLED, DISABLED
  int64_t created_ms = 0;
  std::vector<Shard> shards;
  uint64_t next_seq = 1;
};

struct Backup {
  std::string account, region, arn, name, table_name, table_arn, table_id;
  int64_t created_ms = 0;
  size_t size_bytes = 0;
  std::string type = "USER";  // USER, SYSTEM, AWS_BACKUP
  json::object table_meta;    // Table metadata (SerializeTable without items)
  json::array items;
};

class DynamoDbService final : public aws::ServiceHandler {
 public:
  DynamoDbService();
  void Start(aws::ServiceEnv& env) override;
  void Reset() override;
  void Stopping() override;
  std::optional<AwsError> PreValidate(const aws::Operation& op,
                                      const json::object& input) const override;
  bool HandleBuiltin(const HttpRequest& req, std::string_view rest, HttpResponse& resp) override;

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;
  struct Region {
    std::map<std::string, std::unique_ptr<Table>> tables;
    std::map<std::string, std::unique_ptr<Stream>> streams;  // by ARN, outliving their tables
    std::map<std::string, std::unique_ptr<Backup>> backups;  // by ARN
  };
  struct Idempotent {
    int64_t at_ms = 0;  // when the transaction was applied (the 10 minutes count from there)
    std::string request_hash;
    json::value response;
    bool in_progress = false;  // held (transaction_hold_ms_), not applied yet
  };
  // A write transaction checked and ready to apply, as TransactWriteItems and PartiQL
  // ExecuteTransaction prepare it under the lock; CommitTxn applies it at once or after the
  // transaction hold. A transaction that writes nothing (a replayed ClientRequestToken, a
  // read-only ExecuteTransaction) has no writes and no holds.
  struct TxnWrite {
    std::string account, region, table, table_id;  // the table, found again when applied
    Pos pos;
    std::optional<Item> item;  // nullopt: delete
  };
  struct PreparedTxn {
    std::vector<TxnWrite> writes;  // changes only
    // Every item the transaction names (ConditionCheck's too), by (table id, position).
    std::vector<std::pair<std::string, Pos>> holds;
    json::value response;
    std::string token_key, request_hash;  // ClientRequestToken to record; empty: none
  };

  // tables.cc
  Out CreateTable(Ctx& c, const In& in);
  Out DescribeTable(Ctx& c, const In& in);
  Out ListTables(Ctx& c, const In& in);
  Out UpdateTable(Ctx& c, const In& in);
  Out DeleteTable(Ctx& c, const In& in);
  Out DescribeTimeToLive(Ctx& c, const In& in);
  Out UpdateTimeToLive(Ctx& c, const In& in);
  Out TagResource(Ctx& c, const In& in);
  Out UntagResource(Ctx& c, const In& in);
  Out ListTagsOfResource(Ctx& c, const In& in);
  Out DescribeLimits(Ctx& c, const In& in);
  Out DescribeEndpoints(Ctx& c, const In& in);
  // items.cc
  Out PutItem(Ctx& c, const In& in);
  Out GetItem(Ctx& c, const In& in);
  Out UpdateItem(Ctx& c, const In& in);
  Out DeleteItem(Ctx& c, const In& in);
  // query.cc
  Out Query(Ctx& c, const In& in);
  Out Scan(Ctx& c, const In& in);
  // batch.cc
  Out BatchGetItem(Ctx& c, const In& in);
  Out BatchWriteItem(Ctx& c, const In& in);
  // transact.cc (TransactWriteItems and ExecuteTransaction end in CommitTxn)
  Out TransactGetItems(Ctx& c, const In& in);
  Result<PreparedTxn> TransactWriteItems(Ctx& c, const In& in);
  // statements.cc
  Out ExecuteStatement(Ctx& c, const In& in);
  Out BatchExecuteStatement(Ctx& c, const In& in);
  Result<PreparedTxn> ExecuteTransaction(Ctx& c, const In& in);
  // extras.cc
  Out DescribeContributorInsights(Ctx& c, const In& in);
  Out UpdateContributorInsights(Ctx& c, const In& in);
  Out ListContributorInsights(Ctx& c, const In& in);
  Out PutResourcePolicy(Ctx& c, const In& in);
  Out GetResourcePolicy(Ctx& c, const In& in);
  Out DeleteResourcePolicy(Ctx& c, const In& in);
  Out DescribeKinesisStreamingDestination(Ctx& c, const In& in);
  Out ListGlobalTables(Ctx& c, const In& in);
  Out ListExports(Ctx& c, const In& in);
  Out ListImports(Ctx& c, const In& in);
  // backups.cc
  Out CreateBackup(Ctx& c, const In& in);
  Out DescribeBackup(Ctx& c, const In& in);
  Out ListBackups(Ctx& c, const In& in);
  Out DeleteBackup(Ctx& c, const In& in);
  Out RestoreTableFromBackup(Ctx& c, const In& in);
  Out RestoreTableToPointInTime(Ctx& c, const In& in);
  Out DescribeContinuousBackups(Ctx& c, const In& in);
  Out UpdateContinuousBackups(Ctx& c, const In& in);

  // ---- shared by the operation files; mu_ held ----
  static AwsError Error(std::string_view shape, std::string message);
  static AwsError NotFound() {
    return Error("ResourceNotFoundException", "Requested resource not found");
  }
  int64_t Now() const;
  Region& RegionOf(const std::string& account, const std::string& region);
  // The table of an item operation; ResourceNotFoundException "Requested resource not found".
  Result<Table*> ItemTable(Ctx& c, std::string_view name);
  Result<Table*> TaggedTable(Ctx& c, const In& in);
  struct SimpleWrite {
    Table* table;
    std::optional<Condition> cond;
    std::string_view rv;  // ReturnValues, NONE or ALL_OLD
  };
  Result<SimpleWrite> PrepareSimpleWrite(Ctx& c, const In& in);
  Table* FindTable(const std::string& account, const std::string& region, std::string_view name);
  json::object Describe(const Table& t) const;

  // Keys. A request's Key: exactly the key attributes with the right types ("The provided key
  // element does not match the schema"), values validated and normalised.
  Result<Item> CheckKey(const Table& t, const json::object* key) const;
  // An item to write: values valid, key attributes present with the right types, index keys
  // well typed, size within 400 KB.
  std::optional<AwsError> CheckItem(const Table& t, Item& item) const;
  std::optional<AwsError> CheckIndexKeys(const Table& t, const Item& item) const;
  static Pos PosOf(const KeySchema& k, const Item& item);  // attributes present and typed
  static Item KeyOf(const KeySchema& k, const Item& item);
  const Item* Lookup(Table& t, const Item& key);

  // Writes: replace (new_item) or delete (nullopt) the item at key, maintaining indexes,
  // sizes, the stream and the store. `service_identity` marks TTL deletions.
  void Write(Ctx* c, Table& t, const Pos& pos, std::optional<Item> new_item,
             bool service_identity = false);
  // Write with lb = t.items.lower_bound(pos), for callers that already searched.
  // open_arena: new_item already lives in an arena from ArenaCopy, sealed here.
  // Before a read that walks the table (Query, Scan): when the table has doubled since it was
  // last laid out, copies its map nodes and item blocks again in key order, so a partition's
  // entries lie together in memory however they were written. Amortized O(1) a write; run
  // only where no request holds an iterator into the table.
  void LayOutForReads(Table& t);
  // Lays out up to `max_items` more items of the pass in progress; true when it is done.
  bool LayOutSome(Table& t, size_t max_items);
  // Continues the pass of that table from the event loop, a chunk at a time.
  void ContinueLayout(std::string account, std::string region, std::string name, std::string id);
  void WriteAt(Ctx* c, Table& t, ItemMap::iterator lb, const Pos& pos, std::optional<Item> new_item,
               bool service_identity = false, void* open_arena = nullptr);
  void IndexInsert(Table& t, ItemMap::iterator it);
  void IndexErase(Table& t, ItemMap::iterator it);
  static bool InIndex(const Index& ix, const Item& item);

  // Capacity units consumed by a request on one table (ReturnConsumedCapacity).
  struct Capacity {
    double table = 0;
    std::map<std::string, double> gsi, lsi;
    bool read = false;
    bool split = false;  // transactions: Read/WriteCapacityUnits beside CapacityUnits
  };
  static double ReadUnits(size_t bytes, bool consistent) {
    double u = static_cast<double>((bytes + 4095) / 4096);
    if (u < 1) u = 1;
    return consistent ? u : u / 2;
  }
  static double WriteUnits(size_t bytes) {
    double u = static_cast<double>((bytes + 1023) / 1024);
    return u < 1 ? 1 : u;
  }
  // Write capacity of replacing old by new (either may be null) on the table and its indexes.
  void AddWriteCapacity(const Table& t, const Item* old_item, const Item* new_item,
                        Capacity& cap) const;
  static std::optional<json::value> CapacityJson(std::string_view mode, const std::string& table,
                                                 const Capacity& cap);
  // ReturnItemCollectionMetrics SIZE: only tables with local secondary indexes.
  std::optional<json::value> CollectionMetrics(const Table& t, const In& in, const Item& key) const;

  // Optional throughput enforcement (off unless STRATUS_DYNAMODB_THROUGHPUT=enforce or
  // /_stratus/dynamodb/settings?enforce_throughput=true): a PROVISIONED table admits a request
  // while its bucket (one second of capacity) is not empty. nullopt: admitted.
  std::optional<AwsError> Admit(Table& t, bool write);
  void Consume(Table& t, bool write, double units);

  // Transactions in flight (transact.cc). With transaction_hold_ms_ > 0 a write transaction
  // holds its items from its checks until it applies its writes that much later; meanwhile
  // single-item writes of those items get TransactionConflictException, transactions naming
  // them are cancelled with TransactionConflict, BatchWriteItem leaves them unprocessed, the
  // TTL sweep passes them by, and reads see them as they were before the transaction.
  bool Held(const Table& t, const Pos& pos) const {
    return !held_.empty() && held_.contains({t.id, pos});
  }
  // TransactionConflictException "Transaction is ongoing for the item".
  static AwsError TransactionConflict();
  // The CancellationReason of an item held by another transaction.
  static json::object ConflictReason();
  // TransactionCanceledException with its CancellationReasons (one per action, in order).
  static AwsError TransactionCanceled(const json::array& reasons);
  // ClientRequestToken seen before (token_key: account/region/[kind/]token): the first answer
  // to replay, IdempotentParameterMismatchException for other parameters, or
  // TransactionInProgressException while that transaction is held; nullopt for a new token.
  // Drops tokens applied 10 minutes ago or more.
  std::optional<Out> ReplayToken(const std::string& token_key, const std::string& request_hash);
  // Answers txn through done: applied at once (hold 0, or nothing to write), or held for
  // transaction_hold_ms_ on the scheduler and applied then. Takes lock (mu_) and releases it
  // before done runs.
  void CommitTxn(Ctx& c, Result<PreparedTxn> txn, std::unique_lock<std::mutex>& lock,
                 aws::Completion done);
  // Writes txn's changes (skipping tables deleted meanwhile), releases its items and records
  // its ClientRequestToken.
  void ApplyTxn(Ctx* c, PreparedTxn& txn);

  // Streams (streams.cc)
  void EnableStream(Table& t, const std::string& view_type, Ctx* c);
  void DisableStream(Table& t, Ctx* c);
  void Emit(Ctx* c, Table& t, const Item* old_item, const Item* new_item, bool service_identity);
  Stream* FindStream(std::string_view arn);
  void TrimStream(Stream& s, int64_t now);
  // TTL (streams.cc): removes expired items of every table, as of now_ms.
  size_t SweepTtl(int64_t now_ms);
  void ScheduleSweep();

  // Persistence (dynamodb_service.cc)
  void PersistTable(Ctx* c, const Table& t);
  void PersistItem(Ctx* c, const Table& t, const Item& item);
  void UnpersistItem(Ctx* c, const Table& t, const Item& key);
  void PersistStream(Ctx* c, const Stream& s);
  void PersistRecord(Ctx* c, const Stream& s, const StreamRecord& r);
  void PersistBackup(Ctx* c, const Backup& b);
  json::object SerializeTable(const Table& t) const;
  std::unique_ptr<Table> DeserializeTable(const json::object& o) const;
  std::string StorePrefix(const std::string& account, const std::string& region) const {
    return "dynamodb/" + account + "/" + region + "/";
  }

  // Table creation shared by CreateTable and the restores: parses the key schema, attribute
  // definitions and indexes of `in` (CreateTable's shape) into t.
  std::optional<AwsError> BuildTable(const In& in, Table& t, bool restore);
  Table& AddTable(Ctx& c, std::unique_ptr<Table> t);

  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Region> regions_;
  std::map<std::string, Idempotent> tokens_;  // account/region/token -> first answer
  int64_t offset_ms_ = 0;                     // /_stratus/dynamodb/advance
  bool enforce_throughput_ = false;
  // /_stratus/dynamodb/settings?transaction_hold_ms=N or STRATUS_DYNAMODB_TRANSACTION_HOLD_MS.
  int64_t transaction_hold_ms_ = 0;
  // Layout passes (LayOutSome): items per chunk, and whether chunks after the first wait for
  // POST /_stratus/dynamodb/layout-step instead of running from the event loop (tests).
  size_t layout_chunk_ = 4096;
  bool layout_manual_ = false;
  std::set<std::pair<std::string, Pos>> held_;  // (table id, position) of held transactions
  struct HeldTxn {
    Ctx* ctx;  // alive while done is (the gateway keeps it for the pending request)
    PreparedTxn txn;
    aws::Completion done;
    uint64_t timer = 0;
  };
  // Owned by their timers, so that a server stopping with a hold pending drops the request
  // with its event loop; here to be answered by Reset.
  std::map<uint64_t, std::weak_ptr<HeldTxn>> held_txns_;
  // The held transactions, in the order they came, their timers cancelled (mu_ held).
  std::vector<std::shared_ptr<HeldTxn>> TakeHeldTxns();
  uint64_t next_txn_ = 0;
  uint64_t sweep_task_ = 0;
  aws::ServiceEnv* env_ = nullptr;
};

// DynamoDB Streams: reads the streams DynamoDbService keeps.
class DynamoDbStreamsService final : public aws::ServiceHandler {
 public:
  explicit DynamoDbStreamsService(DynamoDbService* ddb);
  void Reset() override {}

  using Ctx = aws::Context;
  using In = json::object;
  using Out = Result<json::value>;
  Out ListStreams(Ctx& c, const In& in);
  Out DescribeStream(Ctx& c, const In& in);
  Out GetShardIterator(Ctx& c, const In& in);
  Out GetRecords(Ctx& c, const In& in);

 private:
  DynamoDbService* ddb_;
};

// Both services; DynamoDB Streams shares DynamoDB's state.
std::pair<std::unique_ptr<aws::ServiceHandler>, std::unique_ptr<aws::ServiceHandler>>
MakeDynamoDbServices();

// Order-preserving byte encoding of a key value of type S, N or B (N canonical).
std::string EncodeKeyValue(const json::value& v);
uint64_t PartitionHash(std::string_view encoded);
// Legacy and expression parameters mixed: AWS's message naming both sets, or nullopt.
std::optional<AwsError> CheckMixedParameters(const json::object& in,
                                             std::initializer_list<std::string_view> legacy,
                                             std::initializer_list<std::string_view> expression);
// Bytes a stored copy of the item takes in its own block (Compact, ArenaCopy).
size_t ItemBlockBytes(const Item& item);
// The item copied into a memory resource of its own (how the tables store items).
Item Compact(Item&& item, size_t size);
// Appends a stored item as JSON-protocol text (`shape`: the output's AttributeMap): its kept
// text when it has one (Record::text), else written out from the item.
void AppendItemJson(const aws::Shape& shape, const Record& rec, std::string& out);
// The item an item's kept text (Record::text) holds, parsed from it: where the text was just
// read, cheaper than visiting the stored item in memory not read for a while.
Item ParseItemText(std::string_view text);
// A copy of src in a new item arena that stays open (further allocations land in it) until
// SealArena; for items validated in place before they are stored (PutItem).
Item ArenaCopy(const Item& src, size_t capacity, void** arena);
void SealArena(void* arena);
// Whether two items hold the same attributes with equal values (ValuesEqual on each).
bool ItemsEqual(const Item& a, const Item& b);

}  // namespace stratus::dynamodb
