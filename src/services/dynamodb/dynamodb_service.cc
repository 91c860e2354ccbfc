// The DynamoDB operation table, key handling, the write path (indexes, sizes, streams) and
// persistence.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <boost/json/memory_resource.hpp>
#include <boost/json/storage_ptr.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "aws/protocol/codec.h"
#include "core/encoding.h"
#include "core/log.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/number.h"
#include "store/store.h"

namespace stratus::dynamodb {

DynamoDbService::DynamoDbService() : ServiceHandler("dynamodb") {
#define STRATUS_DDB_OP(name)                      \
  On(#name, [this](Ctx& c, const In& in) -> Out { \
    std::lock_guard lock(mu_);                    \
    return name(c, in);                           \
  })
  STRATUS_DDB_OP(CreateTable);
  STRATUS_DDB_OP(DescribeTable);
  STRATUS_DDB_OP(ListTables);
  STRATUS_DDB_OP(UpdateTable);
  STRATUS_DDB_OP(DeleteTable);
  STRATUS_DDB_OP(DescribeTimeToLive);
  STRATUS_DDB_OP(UpdateTimeToLive);
  STRATUS_DDB_OP(TagResource);
  STRATUS_DDB_OP(UntagResource);
  STRATUS_DDB_OP(ListTagsOfResource);
  STRATUS_DDB_OP(DescribeLimits);
  STRATUS_DDB_OP(DescribeEndpoints);
  STRATUS_DDB_OP(PutItem);
  STRATUS_DDB_OP(GetItem);
  STRATUS_DDB_OP(UpdateItem);
  STRATUS_DDB_OP(DeleteItem);
  STRATUS_DDB_OP(Query);
  STRATUS_DDB_OP(Scan);
  STRATUS_DDB_OP(BatchGetItem);
  STRATUS_DDB_OP(BatchWriteItem);
  STRATUS_DDB_OP(TransactGetItems);
  STRATUS_DDB_OP(ExecuteStatement);
  STRATUS_DDB_OP(BatchExecuteStatement);
  STRATUS_DDB_OP(CreateBackup);
  STRATUS_DDB_OP(DescribeBackup);
  STRATUS_DDB_OP(ListBackups);
  STRATUS_DDB_OP(DeleteBackup);
  STRATUS_DDB_OP(RestoreTableFromBackup);
  STRATUS_DDB_OP(RestoreTableToPointInTime);
  STRATUS_DDB_OP(DescribeContinuousBackups);
  STRATUS_DDB_OP(UpdateContinuousBackups);
  STRATUS_DDB_OP(DescribeContributorInsights);
  STRATUS_DDB_OP(UpdateContributorInsights);
  STRATUS_DDB_OP(ListContributorInsights);
  STRATUS_DDB_OP(PutResourcePolicy);
  STRATUS_DDB_OP(GetResourcePolicy);
  STRATUS_DDB_OP(DeleteResourcePolicy);
  STRATUS_DDB_OP(DescribeKinesisStreamingDestination);
  STRATUS_DDB_OP(ListGlobalTables);
  STRATUS_DDB_OP(ListExports);
  STRATUS_DDB_OP(ListImports);
#undef STRATUS_DDB_OP
  // Write transactions may answer later, after the transaction hold (CommitTxn).
#define STRATUS_DDB_TXN(name)                                         \
  OnAsync(#name, [this](Ctx& c, const In& in, aws::Completion done) { \
    std::unique_lock lock(mu_);                                       \
    CommitTxn(c, name(c, in), lock, std::move(done));                 \
  })
  STRATUS_DDB_TXN(TransactWriteItems);
  STRATUS_DDB_TXN(ExecuteTransaction);
#undef STRATUS_DDB_TXN
}

std::optional<AwsError> DynamoDbService::PreValidate(const aws::Operation& op,
                                                     const json::object& input) const {
  return std::nullopt;
}

AwsError DynamoDbService::Error(std::string_view shape, std::string message) {
  static const aws::Service* model = aws::CompiledService("dynamodb");
  if (model && model->FindShape(shape))
    return aws::ModelErrorFor(*model, shape, std::move(message));
  return AwsError::Make(std::string(shape), std::move(message));
}

int64_t DynamoDbService::Now() const { return env_->clock.NowMillis() + offset_ms_; }

DynamoDbService::Region& DynamoDbService::RegionOf(const std::string& account,
                                                   const std::string& region) {
  return regions_[{account, region}];
}

Table* DynamoDbService::FindTable(const std::string& account, const std::string& region,
                                  std::string_view name) {
  // TableName may also be the table's ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME).
  if (name.starts_with("arn:")) {
    std::string prefix = "arn:aws:dynamodb:" + region + ":" + account + ":table/";
    if (!name.starts_with(prefix)) return nullptr;
    name.remove_prefix(prefix.size());
  }
  auto& r = RegionOf(account, region);
  auto it = r.tables.find(std::string(name));
  return it == r.tables.end() ? nullptr : it->second.get();
}

Result<Table*> DynamoDbService::ItemTable(Ctx& c, std::string_view name) {
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(NotFound());
  return t;
}

std::string Table::StoreItems() const {
  return "dynamodb/" + account + "/" + region + "/items/" + name + "/";
}

Index* Table::FindIndex(std::string_view index_name) {
  for (auto& ix : indexes)
    if (ix.name == index_name) return &ix;
  return nullptr;
}

json::array KeySchema::ToJson() const {
  json::array a;
  a.emplace_back(json::object{{"AttributeName", hash.name}, {"KeyType", "HASH"}});
  if (range) a.emplace_back(json::object{{"AttributeName", range->name}, {"KeyType", "RANGE"}});
  return a;
}

bool Index::Projects(std::string_view n, const KeySchema& table_key) const {
  if (projection_type == "ALL") return true;
  if (table_key.IsKey(n) || key.IsKey(n)) return true;
  if (projection_type == "INCLUDE")
    for (const auto& a : non_key)
      if (a == n) return true;
  return false;
}

Item Index::Project(const Item& item, const KeySchema& table_key) const {
  if (projection_type == "ALL") return item;
  Item out;
  for (const auto& [k, v] : item)
    if (Projects(k, table_key)) out.emplace(k, v);
  return out;
}

json::object Index::Projection() const {
  json::object p{{"ProjectionType", projection_type}};
  if (projection_type == "INCLUDE") {
    json::array a;
    for (const auto& n : non_key) a.emplace_back(json::string(n));
    p["NonKeyAttributes"] = std::move(a);
  }
  return p;
}

// ---- keys ----------------------------------------------------------------------------------

namespace {

// Order-preserving encoding of a canonical DynamoDB number: a sign byte, then for positives
// the biased exponent and the digits; negatives invert both and end with 0xFF so that a
// shorter digit string (smaller magnitude) sorts after its extensions.
std::string EncodeNumber(std::string_view text) {
  bool neg = !text.empty() && text[0] == '-';
  if (neg) text.remove_prefix(1);
  std::string digits;
  int point = -1, exp10 = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '.')
      point = static_cast<int>(digits.size());
    else if (ch == 'e' || ch == 'E') {
      exp10 = std::atoi(std::string(text.substr(i + 1)).c_str());
      break;
    } else if (ch >= '0' && ch <= '9')
      digits.push_back(ch);
  }
  if (point < 0) point = static_cast<int>(digits.size());
  size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) return std::string(1, '\x80');  // zero
  // value = 0.D x 10^e where D has no leading zeros.
  int e = point - static_cast<int>(lead) + exp10;
  digits.erase(0, lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  uint16_t be = static_cast<uint16_t>(e + 1024);
  std::string out;
  if (!neg) {
    out.push_back('\x81');
    out.push_back(static_cast<char>(be >> 8));
    out.push_back(static_cast<char>(be & 0xff));
    out += digits;
  } else {
    uint16_t inv = static_cast<uint16_t>(~be);
    out.push_back('\x7f');
    out.push_back(static_cast<char>(inv >> 8));
    out.push_back(static_cast<char>(inv & 0xff));
    for (char d : digits) out.push_back(static_cast<char>('9' - d + '0'));
    out.push_back('\xff');
  }
  return out;
}

}  // namespace

std::string EncodeKeyValue(const json::value& v) {
  if (!v.is_object() || v.get_object().empty()) return {};
  const auto& [type, inner] = *v.get_object().begin();
  if (!inner.is_string()) return {};
  std::string_view s = inner.get_string();
  if (type == "S") return std::string(s);
  if (type == "N") return EncodeNumber(s);
  if (type == "B") return Base64Decode(s).value_or(std::string(s));
  return {};
}

uint64_t PartitionHash(std::string_view encoded) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : encoded) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  // splitmix64 finaliser: spread the high bits, which Scan segments split on.
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

Pos DynamoDbService::PosOf(const KeySchema& k, const Item& item) {
  Pos p;
  if (auto* v = Find(item, k.hash.name)) p.hk = EncodeKeyValue(*v);
  p.h = PartitionHash(p.hk);
  if (k.range)
    if (auto* v = Find(item, k.range->name)) p.rk = EncodeKeyValue(*v);
  return p;
}

Item DynamoDbService::KeyOf(const KeySchema& k, const Item& item) {
  Item key;
  if (auto* v = Find(item, k.hash.name)) key.emplace(k.hash.name, *v);
  if (k.range)
    if (auto* v = Find(item, k.range->name)) key.emplace(k.range->name, *v);
  return key;
}

namespace {

bool EmptyScalar(const json::value& v) {
  if (!v.is_object() || v.get_object().empty()) return false;
  const auto& inner = v.get_object().begin()->value();
  return inner.is_string() && inner.get_string().empty();
}

std::string_view TypeOfValue(const json::value& v) {
  if (!v.is_object() || v.get_object().size() != 1) return "";
  return v.get_object().begin()->key();
}

std::optional<AwsError> CheckKeySizes(const Table& t, const Item& item) {
  if (auto* v = Find(item, t.key.hash.name); v && ValueSize(*v) > 2048)
    return AwsError::Validation(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
        "limit of 2048 bytes");
  if (t.key.range)
    if (auto* v = Find(item, t.key.range->name); v && ValueSize(*v) > 1024)
      return AwsError::Validation(
          "One or more parameter values were invalid: Aggregated size of all range keys has "
          "exceeded the size limit of 1024 bytes");
  return std::nullopt;
}

}  // namespace

Result<Item> DynamoDbService::CheckKey(const Table& t, const json::object* key) const {
  static const std::string mismatch = "The provided key element does not match the schema";
  if (!key) return Fail(AwsError::Validation(mismatch));
  Item k = *key;
  for (auto& [name, v] : k)
    if (auto err = ValidateValue(v)) return Fail(*err);
  size_t want = t.key.range ? 2 : 1;
  if (k.size() != want) return Fail(AwsError::Validation(mismatch));
  auto check = [&](const KeyAttr& a) -> std::optional<AwsError> {
    auto* v = Find(k, a.name);
    if (!v || TypeOfValue(*v) != a.type) return AwsError::Validation(mismatch);
    if (EmptyScalar(*v))
      return AwsError::Validation(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an "
          "empty " +
          std::string(a.type == "S" ? "string" : "binary") + " value. Key: " + a.name);
    return std::nullopt;
  };
  if (auto e = check(t.key.hash)) return Fail(*e);
  if (t.key.range)
    if (auto e = check(*t.key.range)) return Fail(*e);
  if (auto e = CheckKeySizes(t, k)) return Fail(*e);
  return k;
}

std::optional<AwsError> DynamoDbService::CheckIndexKeys(const Table& t, const Item& item) const {
  for (const auto& ix : t.indexes) {
    auto check = [&](const KeyAttr& a) -> std::optional<AwsError> {
      auto* v = Find(item, a.name);
      if (!v) return std::nullopt;
      std::string_view actual = TypeOfValue(*v);
      if (actual != a.type)
        return AwsError::Validation(
            "One or more parameter values were invalid: Type mismatch for Index Key " + a.name +
            " Expected: " + a.type + " Actual: " + std::string(actual) + " IndexName: " + ix.name);
      if (EmptyScalar(*v))
        return AwsError::Validation(
            "One or more parameter values are not valid. A value specified for a secondary index "
            "key is not "
            "supported. The AttributeValue for a key attribute cannot contain an empty " +
            std::string(a.type == "S" ? "string" : "binary") + " value. IndexName: " + ix.name +
            ", IndexKey: " + a.name);
      return std::nullopt;
    };
    if (!t.key.IsKey(ix.key.hash.name))
      if (auto e = check(ix.key.hash)) return e;
    if (ix.key.range && !t.key.IsKey(ix.key.range->name))
      if (auto e = check(*ix.key.range)) return e;
  }
  return std::nullopt;
}

std::optional<AwsError> DynamoDbService::CheckItem(const Table& t, Item& item) const {
  if (auto err = ValidateItem(item)) return err;
  auto check = [&](const KeyAttr& a) -> std::optional<AwsError> {
    auto* v = Find(item, a.name);
    if (!v)
      return AwsError::Validation("One or more parameter values were invalid: Missing the key " +
                                  a.name + " in the item");
    std::string_view actual = TypeOfValue(*v);
    if (actual != a.type)
      return AwsError::Validation(
          "One or more parameter values were invalid: Type mismatch for key " + a.name +
          " expected: " + a.type + " actual: " + std::string(actual));
    if (EmptyScalar(*v))
      return AwsError::Validation(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an "
          "empty " +
          std::string(a.type == "S" ? "string" : "binary") + " value. Key: " + a.name);
    return std::nullopt;
  };
  if (auto e = check(t.key.hash)) return e;
  if (t.key.range)
    if (auto e = check(*t.key.range)) return e;
  if (auto e = CheckKeySizes(t, item)) return e;
  if (auto e = CheckIndexKeys(t, item)) return e;
  if (ItemSize(item) > 400 * 1024)
    return AwsError::Validation("Item size has exceeded the maximum allowed size");
  return std::nullopt;
}

const Item* DynamoDbService::Lookup(Table& t, const Item& key) {
  auto it = t.items.find(PosOf(t.key, key));
  return it == t.items.end() ? nullptr : &it->second.item;
}

std::optional<AwsError> CheckMixedParameters(const json::object& in,
                                             std::initializer_list<std::string_view> legacy,
                                             std::initializer_list<std::string_view> expression) {
  std::string l, e;
  for (auto n : legacy)
    if (in.contains(n)) l += (l.empty() ? "" : ", ") + std::string(n);
  for (auto n : expression)
    if (in.contains(n)) e += (e.empty() ? "" : ", ") + std::string(n);
  if (l.empty() || e.empty()) return std::nullopt;
  return AwsError::Validation(
      "Can not use both expression and non-expression parameters in the same request: "
      "Non-expression parameters: {" +
      l + "} Expression parameters: {" + e + "}");
}

bool ItemsEqual(const Item& a, const Item& b) {
  if (a.size() != b.size()) return false;
  for (const auto& kv : a) {
    const json::value* other = Find(b, kv.key());
    if (!other || !ValuesEqual(kv.value(), *other)) return false;
  }
  return true;
}

namespace {

// The memory of one stored item: the copy made by Compact is laid out in one block; after
// that the arena is sealed and every further allocation through it (copies that inherit the
// item's storage) goes to the heap and is freed normally, so the block never grows.
class ItemArena final : public json::memory_resource {
 public:
  // make_shared_resource keeps the arena as a member of its own wrapper: `self` tells where.
  ItemArena(size_t capacity, ItemArena** self)
      : buf_(static_cast<char*>(::operator new(capacity))), cap_(capacity) {
    *self = this;
  }
  ~ItemArena() override { ::operator delete(buf_); }
  void Seal() { sealed_ = true; }

 private:
  void* do_allocate(size_t n, size_t align) override {
    if (!sealed_) {
      size_t at = (used_ + align - 1) & ~(align - 1);
      if (at + n <= cap_) {
        used_ = at + n;
        return buf_ + at;
      }
    }
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, size_t n, size_t align) override {
    char* c = static_cast<char*>(p);
    if (c >= buf_ && c < buf_ + cap_) return;
    ::operator delete(p, n, std::align_val_t(align));
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  char* buf_;
  size_t cap_;
  size_t used_ = 0;
  bool sealed_ = false;
};

}  // namespace

namespace {
constexpr size_t Round8(size_t n) { return (n + 7) & ~size_t{7}; }

// What Boost.JSON allocates for a copy of `v` (exact capacities, as a copy has): object
// tables (16-byte header, 40 bytes an entry, a 4-byte bucket per entry past 18 entries),
// keys (length + 1), array tables (8 + 24 an element), strings past the 14 inline
// characters (8 + length + 1). Each allocation rounded to 8.
size_t JsonBytes(const json::value& v);
size_t ObjectBytes(const json::object& o) {
  size_t n = Round8(16 + o.size() * (sizeof(json::key_value_pair) + (o.size() > 18 ? 4 : 0)));
  for (const auto& kv : o) n += Round8(kv.key().size() + 1) + JsonBytes(kv.value());
  return n;
}
size_t JsonBytes(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return ObjectBytes(v.get_object());
    case json::kind::array: {
      const auto& a = v.get_array();
      size_t n = Round8(8 + a.size() * sizeof(json::value));
      for (const auto& e : a) n += JsonBytes(e);
      return n;
    }
    case json::kind::string: return v.get_string().size() > 14 ? Round8(8 + v.get_string().size() + 1) : 0;
    default: return 0;
  }
}
}  // namespace

size_t ItemBlockBytes(const Item& item) {
  // A little slack: anything that does not fit still works, from the heap.
  return ObjectBytes(item) + 64;
}

Item Compact(Item&& item, size_t size) {
  // One block per stored item: its attributes, nested values and strings sit together, so
  // reading an item touches a few cache lines instead of one per value.
  ItemArena* arena = nullptr;
  json::storage_ptr sp =
      json::make_shared_resource<ItemArena>(ItemBlockBytes(item), &arena);
  Item out(std::move(item), sp);
  arena->Seal();
  return out;
}

void AppendItemJson(const aws::Shape& shape, const Record& rec, std::string& out) {
  if (!rec.text.empty())
    out += rec.text;
  else
    aws::AppendCanonicalJson(shape, rec.item, out);
}

Item ParseItemText(std::string_view text) {
  json::value v = json::parse(text);
  return std::move(v.as_object());
}

Item ArenaCopy(const Item& src, size_t capacity, void** arena) {
  ItemArena* a = nullptr;
  json::storage_ptr sp = json::make_shared_resource<ItemArena>(capacity, &a);
  *arena = a;
  return Item(src, sp);
}

void SealArena(void* arena) { static_cast<ItemArena*>(arena)->Seal(); }


// ---- write path ----------------------------------------------------------------------------

bool DynamoDbService::InIndex(const Index& ix, const Item& item) {
  // Sparse indexes: only items that carry the index's key attributes.
  if (!item.contains(ix.key.hash.name)) return false;
  if (ix.key.range && !item.contains(ix.key.range->name)) return false;
  return true;
}

void DynamoDbService::LayOutForReads(Table& t) {
  // Tiny tables are served as well from their items.
  constexpr size_t kMinItems = 64;
  // Again once the table has doubled, or once it has been written over by half its size since
  // (writes drop kept text and read runs): either way O(n) work after O(n) writes.
  if (t.layout_next || t.items.size() < kMinItems ||
      (t.items.size() < 2 * t.laid_out_items && 2 * t.writes_since_layout < t.items.size()))
    return;
  // Map nodes are allocated again in key order and every item's JSON text is written into
  // slabs in that order: a Query page then reads its nodes and its text as two sequential
  // runs, whichever order the items were written in, and copies the text as it is (a stored
  // item's canonical form is its wire form). The items move with their own blocks (a plain
  // page never reads them; filters and projections do). A table up to a chunk is laid out
  // here; a larger one goes on from the event loop, a chunk at a time.
  // The runs point at the nodes and text this pass replaces: partitions are served from the
  // map until the pass has laid them out again.
  t.runs.Clear();
  t.run_filling.reset();
  t.run_filling_dropped = false;
  t.old_text_slabs = std::move(t.text_slabs);
  t.text_slabs.clear();
  t.slab_used = t.slab_cap = 0;
  t.layout_next = Pos{};
  t.layout_began = std::chrono::steady_clock::now();
  t.laid_out_items = t.items.size();
  t.writes_since_layout = 0;
  if (!LayOutSome(t, layout_chunk_)) ContinueLayout(t.account, t.region, t.name, t.id);
}

void DynamoDbService::ContinueLayout(std::string account, std::string region, std::string name,
                                     std::string id) {
  if (!env_ || layout_manual_) return;
  env_->scheduler.Post([this, account, region, name, id] {
    std::lock_guard lock(mu_);
    Table* t = FindTable(account, region, name);
    if (!t || t->id != id || !t->layout_next) return;
    if (!LayOutSome(*t, layout_chunk_)) ContinueLayout(account, region, name, id);
  });
}

namespace {
// The first 7 bytes of a key (0-padded), big-endian, then its length up to 8: prefixes order as
// the keys do where they differ (a key that ends within 7 bytes is a prefix of any other that
// shares its padded bytes, and its length is the smaller); equal prefixes with a length under
// 8 are equal keys; only keys of 8 bytes and more that share 7 need comparing whole.
uint64_t KeyPrefix(std::string_view k) {
  uint64_t p = 0;
  for (size_t i = 0; i < 7; ++i) p = p << 8 | (i < k.size() ? static_cast<unsigned char>(k[i]) : 0u);
  return p << 8 | std::min<size_t>(k.size(), 8);
}
}  // namespace

// The first index of `prefixes` where pred fails (pred holds on a prefix of them), from the
// coarsest summary level down: in each level, the kFanout values under the one chosen above.
// Each step reads up to eight adjacent cache lines, which the CPU fetches at once, so a run of
// a thousand entries costs two rounds of cache misses (a binary search: about ten, in turn).
template <typename Pred>
size_t ReadRun::PrefixPoint(Pred pred) const {
  size_t sizes[8];  // sizes[0]: the prefixes; sizes[k]: summary level k (kFanout^7 > 2^32)
  int top = 0;
  sizes[0] = prefixes.size();
  while (sizes[top] > kFanout) {
    sizes[top + 1] = (sizes[top] + kFanout - 1) / kFanout;
    ++top;
  }
  const uint64_t* level = summary.data();  // the coarsest level first
  size_t lo = 0, hi = sizes[top];
  for (int k = top;; --k) {
    const uint64_t* v = k == 0 ? prefixes.data() : level;
    hi = std::min(hi, sizes[k]);
    for (size_t i = lo; i < hi; i += 8) __builtin_prefetch(v + i);
    // The entries of the last block, with its prefixes: the one found is read next.
    if (k == 0)
      for (size_t i = lo; i < hi; i += 2) __builtin_prefetch(entries.data() + i);
    size_t holds = 0;
    for (size_t i = lo; i < hi; ++i) holds += pred(v[i]) ? 1 : 0;
    size_t at = lo + holds;
    if (k == 0) return at;
    // Below the top, the chosen value fails pred, so the answer lies within its block.
    if (at == hi) return prefixes.size();
    level += sizes[k];
    lo = at * kFanout;
    hi = lo + kFanout;
  }
}

size_t ReadRun::Bound(std::string_view rk, bool upper) const {
  uint64_t p = KeyPrefix(rk);
  const uint64_t* a = prefixes.data();
  size_t n = prefixes.size();
  size_t from = PrefixPoint([p](uint64_t x) { return x < p; });
  if ((p & 0xff) < 8)  // a short key: an equal prefix is the key itself
    return upper && from < n && a[from] == p ? from + 1 : from;
  size_t to = from;
  while (to < n && a[to] == p && to - from < 8) ++to;
  if (to < n && a[to] == p) to = PrefixPoint([p](uint64_t x) { return x <= p; });
  if (from == to) return from;
  return std::partition_point(entries.begin() + from, entries.begin() + to,
                              [&](const Entry& e) { return upper ? Key(e) <= rk : Key(e) < rk; }) -
         entries.begin();
}

void ReadRun::Seal() {
  entries.shrink_to_fit();
  prefixes.shrink_to_fit();
  keys.shrink_to_fit();
  uint64_t text = 0;
  for (const Entry& e : entries) text += e.text_len;
  text_avg = entries.empty() ? 0 : static_cast<uint32_t>((text + entries.size() - 1) / entries.size());
  std::vector<std::vector<uint64_t>> levels;  // finest first
  const std::vector<uint64_t>* below = &prefixes;
  while (below->size() > kFanout) {
    std::vector<uint64_t> up;
    for (size_t i = kFanout - 1; i < below->size() + kFanout - 1; i += kFanout)
      up.push_back((*below)[std::min(i, below->size() - 1)]);
    levels.push_back(std::move(up));
    below = &levels.back();
  }
  summary.clear();
  for (auto l = levels.rbegin(); l != levels.rend(); ++l) summary.insert(summary.end(), l->begin(), l->end());
  summary.shrink_to_fit();
}

void ReadRun::Add(ItemMap::iterator it) {
  const std::string& rk = it->first.rk;
  const Record& rec = it->second;
  Entry e;
  prefixes.push_back(KeyPrefix(rk));
  e.key_at = static_cast<uint32_t>(keys.size());
  e.key_len = static_cast<uint32_t>(rk.size());
  e.text = rec.text.data();
  e.text_len = static_cast<uint32_t>(rec.text.size());
  e.size = static_cast<uint32_t>(rec.size);
  e.it = it;
  keys += rk;
  entries.push_back(e);
}

const ReadRun* RunDirectory::Find(uint64_t h, std::string_view hk) const {
  if (live_ == 0) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.run == 0) return nullptr;
    if (s.run != kDead && s.h == h) {
      // The search's first values are asked for now, alongside the run itself.
      auto top = reinterpret_cast<uintptr_t>(s.search);  // (an address: may pass the end)
      __builtin_prefetch(reinterpret_cast<const void*>(top));
      __builtin_prefetch(reinterpret_cast<const void*>(top + 64));
      if (runs_[s.run - 1].hk == hk) return &runs_[s.run - 1];
    }
  }
}

void RunDirectory::Add(ReadRun&& run) {
  if ((used_ + 1) * 2 > slots_.size()) Rehash(std::max<size_t>(16, (live_ + 1) * 4));
  size_t mask = slots_.size() - 1;
  size_t i = run.h & mask;
  while (slots_[i].run != 0) i = (i + 1) & mask;
  slots_[i] = Slot{run.h, static_cast<uint32_t>(runs_.size() + 1), run.SearchTop()};
  runs_.push_back(std::move(run));
  ++live_;
  ++used_;
}

void RunDirectory::Drop(uint64_t h, std::string_view hk) {
  if (live_ == 0) return;
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.run == 0) return;
    if (s.run != kDead && s.h == h && runs_[s.run - 1].hk == hk) {
      runs_[s.run - 1] = ReadRun{};  // its memory goes now; the (empty) place stays
      s.run = kDead;
      --live_;
      return;
    }
  }
}

void RunDirectory::Rehash(size_t capacity) {
  size_t size = 16;
  while (size < capacity) size *= 2;
  std::vector<ReadRun> live;
  live.reserve(live_);
  for (auto& s : slots_)
    if (s.run != 0 && s.run != kDead) live.push_back(std::move(runs_[s.run - 1]));
  runs_ = std::move(live);
  slots_.assign(size, Slot{});
  for (size_t r = 0; r < runs_.size(); ++r) {
    size_t i = runs_[r].h & (size - 1);
    while (slots_[i].run != 0) i = (i + 1) & (size - 1);
    slots_[i] = Slot{runs_[r].h, static_cast<uint32_t>(r + 1), runs_[r].SearchTop()};
  }
  used_ = live_ = runs_.size();
}

void RunDirectory::Clear() {
  runs_.clear();
  slots_.clear();
  live_ = used_ = 0;
}

const ReadRun* Table::FindRun(uint64_t h, const std::string& hk) const {
  return runs.Find(h, hk);
}

void Table::DropRun(const Pos& pos) {
  if (run_filling && run_filling->h == pos.h && run_filling->hk == pos.hk) run_filling_dropped = true;
  runs.Drop(pos.h, pos.hk);
}

namespace {
// Moves the run a layout pass has filled into the table's runs, unless a write dropped it.
void FinishRun(Table& t) {
  // A partition of a few items is read as well from the map (and a table of many such
  // partitions would pay a directory entry each for little).
  constexpr size_t kMinRunItems = 8;
  if (t.run_filling && !t.run_filling_dropped && t.run_filling->entries.size() >= kMinRunItems) {
    t.run_filling->Seal();
    t.runs.Add(std::move(*t.run_filling));
  }
  t.run_filling.reset();
  t.run_filling_dropped = false;
}

void AddToRun(Table& t, ItemMap::iterator it) {
  const Pos& p = it->first;
  if (!t.run_filling || t.run_filling->h != p.h || t.run_filling->hk != p.hk) {
    FinishRun(t);
    t.run_filling.emplace();
    t.run_filling->h = p.h;
    t.run_filling->hk = p.hk;
  }
  if (!t.run_filling_dropped) t.run_filling->Add(it);
}
}  // namespace

bool DynamoDbService::LayOutSome(Table& t, size_t max_items) {
  constexpr size_t kSlabBytes = 1 << 20;
  ItemMap chunk;
  auto it = t.items.lower_bound(*t.layout_next);
  for (size_t n = 0; n < max_items && it != t.items.end(); ++n) {
    Record& rec = it->second;
    std::string s = rec.text.empty() ? json::serialize(rec.item) : std::string(rec.text);
    if (t.slab_used + s.size() > t.slab_cap) {
      t.slab_cap = std::max(kSlabBytes, s.size());
      t.text_slabs.emplace_back(new char[t.slab_cap]);
      t.slab_used = 0;
    }
    char* at = t.text_slabs.back().get() + t.slab_used;
    std::memcpy(at, s.data(), s.size());
    t.slab_used += s.size();
    chunk.emplace_hint(chunk.end(), it->first,
                       Record{std::move(rec.item), rec.size, std::string_view(at, s.size())});
    t.old_nodes.push_back(t.items.extract(it++));
  }
  // The new nodes go into the table as they are (no copy), and the indexes point at them.
  auto hint = it;
  while (!chunk.empty()) {
    auto placed = t.items.insert(hint, chunk.extract(chunk.begin()));
    for (auto& ix : t.indexes) {
      if (!InIndex(ix, placed->second.item)) continue;
      auto e = ix.entries.find(
          IndexPos{PosOf(ix.key, placed->second.item), placed->first.hk, placed->first.rk});
      if (e != ix.entries.end()) e->second = placed;
    }
    if (t.key.range) AddToRun(t, placed);
  }
  if (it != t.items.end()) {
    t.layout_next = it->first;
    return false;
  }
  FinishRun(t);
  t.layout_next.reset();
  log::Debug("dynamodb: table " + t.name + " laid out (" + std::to_string(t.items.size()) +
             " items, " + std::to_string(t.runs.Size()) + " partition runs) in " +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - t.layout_began)
                                .count()) +
             " ms");
  t.old_nodes.clear();
  t.old_text_slabs.clear();
  return true;
}

void DynamoDbService::IndexInsert(Table& t, ItemMap::iterator it) {
  for (auto& ix : t.indexes) {
    if (!InIndex(ix, it->second.item)) continue;
    IndexPos ip{PosOf(ix.key, it->second.item), it->first.hk, it->first.rk};
    ix.entries.emplace(ip, it);
    ix.size_bytes += ix.projection_type == "ALL" ? it->second.size
                                                 : ItemSize(ix.Project(it->second.item, t.key));
  }
}

void DynamoDbService::IndexErase(Table& t, ItemMap::iterator it) {
  for (auto& ix : t.indexes) {
    if (!InIndex(ix, it->second.item)) continue;
    IndexPos ip{PosOf(ix.key, it->second.item), it->first.hk, it->first.rk};
    if (ix.entries.erase(ip)) {
      size_t s = ix.projection_type == "ALL" ? it->second.size
                                             : ItemSize(ix.Project(it->second.item, t.key));
      ix.size_bytes -= std::min(ix.size_bytes, s);
    }
  }
}

void DynamoDbService::Write(Ctx* c, Table& t, const Pos& pos, std::optional<Item> new_item,
                            bool service_identity) {
  WriteAt(c, t, t.items.lower_bound(pos), pos, std::move(new_item), service_identity);
}

void DynamoDbService::WriteAt(Ctx* c, Table& t, ItemMap::iterator lb, const Pos& pos,
                              std::optional<Item> new_item, bool service_identity,
                              void* open_arena) {
  bool exists = lb != t.items.end() && lb->first == pos;
  auto it = exists ? lb : t.items.end();
  t.DropRun(pos);
  ++t.writes_since_layout;
  if (t.pitr_enabled) {
    // PITR keeps 35 days (DynamoDB developer guide, "Point-in-time recovery").
    int64_t now = Now();
    while (!t.history.empty() && t.history.front().at_ms < now - 35LL * 24 * 3600 * 1000)
      t.history.pop_front();
    t.history.push_back(
        {now, pos,
         exists ? std::optional<Item>(Item(it->second.item, json::storage_ptr())) : std::nullopt});
  }
  std::optional<Item> old_item;
  if (exists) {
    IndexErase(t, it);
    t.size_bytes -= std::min(t.size_bytes, it->second.size);
    if (t.stream_enabled) old_item = it->second.item;
  }
  if (new_item) {
    if (t.stream_enabled) Emit(c, t, old_item ? &*old_item : nullptr, &*new_item, service_identity);
    PersistItem(c, t, *new_item);
    size_t size = ItemSize(*new_item);
    Item compact = open_arena ? std::move(*new_item) : Compact(std::move(*new_item), size);
    if (open_arena) SealArena(open_arena);
    if (!exists) {
      it = t.items.emplace_hint(lb, pos, Record{std::move(compact), size});
    } else {
      // Move construction keeps the item's own memory resource (assignment would not).
      std::destroy_at(&it->second.item);
      std::construct_at(&it->second.item, std::move(compact));
    }
    it->second.size = size;
    it->second.text = {};  // written since the last layout: served from the item
    t.size_bytes += size;
    IndexInsert(t, it);
  } else if (it != t.items.end()) {
    Item key = KeyOf(t.key, it->second.item);
    if (t.stream_enabled) Emit(c, t, &*old_item, nullptr, service_identity);
    UnpersistItem(c, t, key);
    t.items.erase(it);
  }
}

void DynamoDbService::AddWriteCapacity(const Table& t, const Item* old_item, const Item* new_item,
                                       Capacity& cap) const {
  size_t os = old_item ? ItemSize(*old_item) : 0, ns = new_item ? ItemSize(*new_item) : 0;
  cap.table += WriteUnits(std::max(os, ns));
  for (const auto& ix : t.indexes) {
    bool was = old_item && InIndex(ix, *old_item), is = new_item && InIndex(ix, *new_item);
    if (!was && !is) continue;
    double units = 0;
    if (was && is) {
      bool key_changed = false;
      for (const KeyAttr* a : {&ix.key.hash, ix.key.range ? &*ix.key.range : nullptr})
        if (a && !ValuesEqual(*Find(*old_item, a->name), *Find(*new_item, a->name)))
          key_changed = true;
      Item op = ix.Project(*old_item, t.key), np = ix.Project(*new_item, t.key);
      if (key_changed)
        units = WriteUnits(ItemSize(op)) + WriteUnits(ItemSize(np));
      else if (ix.projection_type != "KEYS_ONLY" || key_changed)
        units = WriteUnits(std::max(ItemSize(op), ItemSize(np)));
      else
        units = 0;
      // An update that changes no projected attribute still writes the index when the
      // projection is ALL (AWS counts a write whenever the projected item changes).
      if (!key_changed && ItemsEqual(op, np)) units = 0;
    } else {
      units = WriteUnits(ItemSize(ix.Project(was ? *old_item : *new_item, t.key)));
    }
    if (units == 0) continue;
    (ix.global ? cap.gsi : cap.lsi)[ix.name] += units;
  }
}

std::optional<json::value> DynamoDbService::CapacityJson(std::string_view mode,
                                                         const std::string& table,
                                                         const Capacity& cap) {
  if (mode != "TOTAL" && mode != "INDEXES") return std::nullopt;
  double total = cap.table;
  for (const auto& [k, v] : cap.gsi) total += v;
  for (const auto& [k, v] : cap.lsi) total += v;
  // Transactions also split the units into reads and writes; single-item operations, Query,
  // Scan and batches give CapacityUnits alone (AWS's documented examples).
  const char* kind = cap.read ? "ReadCapacityUnits" : "WriteCapacityUnits";
  auto units = [&](double v) {
    json::object x{{"CapacityUnits", v}};
    if (cap.split) x[kind] = v;
    return x;
  };
  json::object o{{"TableName", table}, {"CapacityUnits", total}};
  if (cap.split) o[kind] = total;
  if (mode == "INDEXES") {
    o["Table"] = units(cap.table);
    auto list = [&](const std::map<std::string, double>& m) {
      json::object x;
      for (const auto& [k, v] : m) x[k] = units(v);
      return x;
    };
    if (!cap.gsi.empty()) o["GlobalSecondaryIndexes"] = list(cap.gsi);
    if (!cap.lsi.empty()) o["LocalSecondaryIndexes"] = list(cap.lsi);
  }
  return json::value(std::move(o));
}

std::optional<json::value> DynamoDbService::CollectionMetrics(const Table& t, const In& in,
                                                              const Item& key) const {
  if (GetString(in, "ReturnItemCollectionMetrics").value_or("NONE") != "SIZE") return std::nullopt;
  bool has_lsi = false;
  for (const auto& ix : t.indexes) has_lsi |= !ix.global;
  if (!has_lsi) return std::nullopt;
  json::object k;
  if (auto* v = Find(key, t.key.hash.name)) k[t.key.hash.name] = *v;
  return json::value(json::object{{"ItemCollectionKey", std::move(k)},
                                  {"SizeEstimateRangeGB", json::array{0.0, 1.0}}});
}

// ---- throughput ----

namespace {
void Refill(Table& t, int64_t now) {
  double elapsed = static_cast<double>(now - t.tokens_at_ms) / 1000.0;
  if (t.tokens_at_ms == 0) {
    t.read_tokens = static_cast<double>(t.rcu);
    t.write_tokens = static_cast<double>(t.wcu);
  } else if (elapsed > 0) {
    t.read_tokens = std::min<double>(t.rcu, t.read_tokens + elapsed * t.rcu);
    t.write_tokens = std::min<double>(t.wcu, t.write_tokens + elapsed * t.wcu);
  }
  t.tokens_at_ms = now;
}
}  // namespace

std::optional<AwsError> DynamoDbService::Admit(Table& t, bool write) {
  if (!enforce_throughput_ || t.billing_mode != "PROVISIONED") return std::nullopt;
  Refill(t, Now());
  if ((write ? t.write_tokens : t.read_tokens) > 0) return std::nullopt;
  return Error("ProvisionedThroughputExceededException",
               "The level of configured provisioned throughput for the table was exceeded. "
               "Consider increasing your provisioning level with the UpdateTable API.");
}

void DynamoDbService::Consume(Table& t, bool write, double units) {
  if (!enforce_throughput_ || t.billing_mode != "PROVISIONED") return;
  (write ? t.write_tokens : t.read_tokens) -= units;
}

std::vector<std::shared_ptr<DynamoDbService::HeldTxn>> DynamoDbService::TakeHeldTxns() {
  std::vector<std::shared_ptr<HeldTxn>> held;
  for (auto& [id, weak] : held_txns_)
    if (auto h = weak.lock()) {
      if (env_) env_->scheduler.Cancel(h->timer);
      held.push_back(std::move(h));
    }
  held_txns_.clear();
  return held;
}

void DynamoDbService::Reset() {
  std::unique_lock lock(mu_);
  // Held transactions answer now with their prepared answer and write nothing: as if they
  // had been applied just before everything was dropped.
  auto held = TakeHeldTxns();
  held_.clear();
  regions_.clear();
  tokens_.clear();
  offset_ms_ = 0;
  if (env_ && env_->store.persistent()) env_->store.DeletePrefix("dynamodb/");
  lock.unlock();
  for (auto& h : held) h->done(std::move(h->txn.response));
}

void DynamoDbService::Stopping() {
  // Held transactions apply now, in the order they came, and answer: the server need not wait
  // out their hold; later ones apply at once.
  std::unique_lock lock(mu_);
  transaction_hold_ms_ = 0;
  auto held = TakeHeldTxns();
  for (auto& h : held) ApplyTxn(h->ctx, h->txn);
  lock.unlock();
  for (auto& h : held) h->done(std::move(h->txn.response));
}

bool DynamoDbService::HandleBuiltin(const HttpRequest& req, std::string_view rest,
                                    HttpResponse& resp) {
  // Test helpers: POST advance?seconds=N moves DynamoDB's clock forward (TTL, stream
  // retention, iterator expiry); POST ttl-sweep runs the TTL sweep now and answers the count.
  if (req.method == "GET" && rest == "layout") {
    // The layout state of every table (tests, bench): items, items at the last layout, writes
    // since, read runs, and whether a pass is in progress.
    json::array tables;
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, region] : regions_)
        for (const auto& [name, t] : region.tables)
          tables.push_back(json::object{{"account", t->account},
                                        {"region", t->region},
                                        {"table", name},
                                        {"items", t->items.size()},
                                        {"laid_out_items", t->laid_out_items},
                                        {"writes_since_layout", t->writes_since_layout},
                                        {"read_runs", t->runs.Size()},
                                        {"in_progress", t->layout_next.has_value()}});
    }
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"tables", std::move(tables)}});
    return true;
  }
  if (req.method != "POST") return false;
  if (rest == "advance") {
    int64_t seconds = 0;
    for (const auto& [k, v] : req.QueryParams())
      if (k == "seconds") seconds = std::atoll(v.c_str());
    std::lock_guard lock(mu_);
    offset_ms_ += seconds * 1000;
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"offset_seconds", offset_ms_ / 1000}});
    return true;
  }
  if (rest == "settings") {
    std::lock_guard lock(mu_);
    for (const auto& [k, v] : req.QueryParams()) {
      if (k == "enforce_throughput") enforce_throughput_ = v == "true";
      if (k == "transaction_hold_ms")
        transaction_hold_ms_ = std::max<int64_t>(0, std::atoll(v.c_str()));
      if (k == "layout_chunk_items")
        layout_chunk_ = static_cast<size_t>(std::max<int64_t>(1, std::atoll(v.c_str())));
      if (k == "layout_manual") layout_manual_ = v == "true";
    }
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"enforce_throughput", enforce_throughput_},
                                             {"transaction_hold_ms", transaction_hold_ms_},
                                             {"layout_chunk_items", layout_chunk_},
                                             {"layout_manual", layout_manual_}});
    return true;
  }
  if (rest == "layout-step") {
    // One chunk of every layout pass in progress; answers how many are still going.
    size_t going = 0;
    {
      std::lock_guard lock(mu_);
      for (auto& [key, region] : regions_)
        for (auto& [name, t] : region.tables)
          if (t->layout_next && !LayOutSome(*t, layout_chunk_)) ++going;
    }
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"in_progress", going}});
    return true;
  }
  if (rest == "ttl-sweep") {
    size_t n;
    {
      std::lock_guard lock(mu_);
      n = SweepTtl(Now());
    }
    env_->store.Flush();
    resp.status = 200;
    resp.headers.Set("Content-Type", "application/json");
    resp.body = json::serialize(json::object{{"deleted", n}});
    return true;
  }
  return false;
}

std::pair<std::unique_ptr<aws::ServiceHandler>, std::unique_ptr<aws::ServiceHandler>>
MakeDynamoDbServices() {
  auto ddb = std::make_unique<DynamoDbService>();
  auto streams = std::make_unique<DynamoDbStreamsService>(ddb.get());
  return {std::move(ddb), std::move(streams)};
}

}  // namespace stratus::dynamodb
