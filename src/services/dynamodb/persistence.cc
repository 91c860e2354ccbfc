// Persistence: tables, items, stream records and backups written through the store, and read
// back (indexes rebuilt) when the service starts.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdlib>

#include "services/dynamodb/dynamodb.h"
#include "store/store.h"

namespace stratus::dynamodb {

json::object DynamoDbService::SerializeTable(const Table& t) const {
  json::object o;
  o["account"] = t.account;
  o["region"] = t.region;
  o["name"] = t.name;
  o["id"] = t.id;
  o["key"] = t.key.ToJson();
  o["attribute_definitions"] = t.attribute_definitions;
  json::array ixs;
  for (const auto& ix : t.indexes) {
    json::object x{{"name", ix.name},        {"global", ix.global},
                   {"key", ix.key.ToJson()}, {"projection", ix.Projection()},
                   {"rcu", ix.rcu},          {"wcu", ix.wcu}};
    ixs.emplace_back(std::move(x));
  }
  o["indexes"] = std::move(ixs);
  o["billing_mode"] = t.billing_mode;
  o["rcu"] = t.rcu;
  o["wcu"] = t.wcu;
  o["last_increase"] = t.last_increase_ms;
  o["last_decrease"] = t.last_decrease_ms;
  o["decreases_today"] = t.decreases_today;
  o["created"] = t.created_ms;
  o["billing_switched"] = t.billing_switched_ms;
  o["sse"] = t.sse_enabled;
  o["sse_key"] = t.sse_kms_key;
  o["table_class"] = t.table_class;
  o["deletion_protection"] = t.deletion_protection;
  o["stream_enabled"] = t.stream_enabled;
  o["stream_view_type"] = t.stream_view_type;
  o["stream_arn"] = t.stream_arn;
  o["stream_label"] = t.stream_label;
  o["ttl_attribute"] = t.ttl_attribute;
  o["ttl_enabled"] = t.ttl_enabled;
  o["pitr"] = t.pitr_enabled;
  o["pitr_since"] = t.pitr_since_ms;
  json::object tags;
  for (const auto& [k, v] : t.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  o["policy"] = t.policy;
  o["policy_revision"] = t.policy_revision;
  json::object insights;
  for (const auto& [k, v] : t.insights) insights[k] = v;
  o["insights"] = std::move(insights);
  return o;
}

namespace {
KeySchema SchemaFrom(const json::value* v, const json::array& defs) {
  KeySchema k;
  if (!v || !v->is_array()) return k;
  auto type_of = [&](std::string_view n) -> std::string {
    for (const auto& d : defs)
      if (d.is_object() && GetString(d.get_object(), "AttributeName") == n)
        return std::string(GetString(d.get_object(), "AttributeType").value_or("S"));
    return "S";
  };
  for (const auto& e : v->get_array()) {
    if (!e.is_object()) continue;
    std::string n(GetString(e.get_object(), "AttributeName").value_or(""));
    if (GetString(e.get_object(), "KeyType") == "HASH")
      k.hash = {n, type_of(n)};
    else
      k.range = KeyAttr{n, type_of(n)};
  }
  return k;
}
}  // namespace

std::unique_ptr<Table> DynamoDbService::DeserializeTable(const json::object& o) const {
  auto t = std::make_unique<Table>();
  t->account = GetString(o, "account").value_or("");
  t->region = GetString(o, "region").value_or("");
  t->name = GetString(o, "name").value_or("");
  t->id = GetString(o, "id").value_or("");
  t->arn = "arn:aws:dynamodb:" + t->region + ":" + t->account + ":table/" + t->name;
  if (auto* a = GetArray(o, "attribute_definitions")) t->attribute_definitions = *a;
  t->key = SchemaFrom(Find(o, "key"), t->attribute_definitions);
  if (auto* ixs = GetArray(o, "indexes"))
    for (const auto& xv : *ixs) {
      if (!xv.is_object()) continue;
      const auto& x = xv.get_object();
      Index ix;
      ix.name = GetString(x, "name").value_or("");
      ix.global = GetBool(x, "global").value_or(false);
      ix.key = SchemaFrom(Find(x, "key"), t->attribute_definitions);
      ix.arn = t->arn + "/index/" + ix.name;
      if (auto* p = GetObject(x, "projection")) {
        ix.projection_type = GetString(*p, "ProjectionType").value_or("ALL");
        if (auto* nk = GetArray(*p, "NonKeyAttributes"))
          for (const auto& n : *nk)
            if (n.is_string()) ix.non_key.emplace_back(n.get_string());
      }
      ix.rcu = GetInt(x, "rcu").value_or(0);
      ix.wcu = GetInt(x, "wcu").value_or(0);
      t->indexes.push_back(std::move(ix));
    }
  t->billing_mode = GetString(o, "billing_mode").value_or("PROVISIONED");
  t->rcu = GetInt(o, "rcu").value_or(0);
  t->wcu = GetInt(o, "wcu").value_or(0);
  t->last_increase_ms = GetInt(o, "last_increase").value_or(0);
  t->last_decrease_ms = GetInt(o, "last_decrease").value_or(0);
  t->decreases_today = GetInt(o, "decreases_today").value_or(0);
  t->created_ms = GetInt(o, "created").value_or(0);
  t->billing_switched_ms = GetInt(o, "billing_switched").value_or(0);
  t->sse_enabled = GetBool(o, "sse").value_or(false);
  t->sse_kms_key = GetString(o, "sse_key").value_or("");
  t->table_class = GetString(o, "table_class").value_or("");
  t->deletion_protection = GetBool(o, "deletion_protection").value_or(false);
  t->stream_enabled = GetBool(o, "stream_enabled").value_or(false);
  t->stream_view_type = GetString(o, "stream_view_type").value_or("");
  t->stream_arn = GetString(o, "stream_arn").value_or("");
  t->stream_label = GetString(o, "stream_label").value_or("");
  t->ttl_attribute = GetString(o, "ttl_attribute").value_or("");
  t->ttl_enabled = GetBool(o, "ttl_enabled").value_or(false);
  t->pitr_enabled = GetBool(o, "pitr").value_or(false);
  t->pitr_since_ms = GetInt(o, "pitr_since").value_or(0);
  t->policy = GetString(o, "policy").value_or("");
  t->policy_revision = GetString(o, "policy_revision").value_or("");
  if (auto* ins = GetObject(o, "insights"))
    for (const auto& [k, v] : *ins)
      if (v.is_string()) t->insights[k] = std::string(v.get_string());
  if (auto* tags = GetObject(o, "tags"))
    for (const auto& [k, v] : *tags)
      if (v.is_string()) t->tags[k] = std::string(v.get_string());
  return t;
}

void DynamoDbService::PersistTable(Ctx* c, const Table& t) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Put(StorePrefix(t.account, t.region) + "tables", t.name,
                        json::serialize(SerializeTable(t)));
  if (c) c->Persisted(seq);
}

void DynamoDbService::PersistItem(Ctx* c, const Table& t, const Item& item) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Put(t.StoreItems(), json::serialize(KeyOf(t.key, item)), json::serialize(item));
  if (c) c->Persisted(seq);
}

void DynamoDbService::UnpersistItem(Ctx* c, const Table& t, const Item& key) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  uint64_t seq = st.Delete(t.StoreItems(), json::serialize(key));
  if (c) c->Persisted(seq);
}

void DynamoDbService::PersistStream(Ctx* c, const Stream& s) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o{{"account", s.account},  {"region", s.region},    {"arn", s.arn},
                 {"label", s.label},      {"table", s.table_name}, {"view_type", s.view_type},
                 {"key", s.key.ToJson()}, {"status", s.status},    {"created", s.created_ms},
                 {"next_seq", s.next_seq}};
  json::array shards;
  for (const auto& sh : s.shards)
    shards.emplace_back(json::object{{"id", sh.id},
                                     {"parent", sh.parent},
                                     {"first", sh.first_seq},
                                     {"last", sh.last_seq},
                                     {"closed", sh.closed},
                                     {"created", sh.created_ms}});
  o["shards"] = std::move(shards);
  // The key schema's types travel in attribute definitions.
  json::array defs;
  defs.emplace_back(
      json::object{{"AttributeName", s.key.hash.name}, {"AttributeType", s.key.hash.type}});
  if (s.key.range)
    defs.emplace_back(
        json::object{{"AttributeName", s.key.range->name}, {"AttributeType", s.key.range->type}});
  o["defs"] = std::move(defs);
  uint64_t seq = st.Put(StorePrefix(s.account, s.region) + "streams", s.arn, json::serialize(o));
  if (c) c->Persisted(seq);
}

namespace {
std::string SeqKey(uint64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(seq));
  return buf;
}
}  // namespace

void DynamoDbService::PersistRecord(Ctx* c, const Stream& s, const StreamRecord& r) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o{{"seq", r.seq}, {"created", r.created_ms}, {"record", r.record}};
  uint64_t seq = st.Put(StorePrefix(s.account, s.region) + "records/" + s.arn + "/", SeqKey(r.seq),
                        json::serialize(o));
  if (c) c->Persisted(seq);
}

void DynamoDbService::PersistBackup(Ctx* c, const Backup& b) {
  store::Store& st = env_->store;
  if (!st.persistent()) return;
  json::object o{{"account", b.account},   {"region", b.region},      {"arn", b.arn},
                 {"name", b.name},         {"table", b.table_name},   {"table_arn", b.table_arn},
                 {"table_id", b.table_id}, {"created", b.created_ms}, {"size", b.size_bytes},
                 {"type", b.type},         {"meta", b.table_meta},    {"items", b.items}};
  uint64_t seq = st.Put(StorePrefix(b.account, b.region) + "backups", b.arn, json::serialize(o));
  if (c) c->Persisted(seq);
}

void DynamoDbService::Start(aws::ServiceEnv& env) {
  env_ = &env;
  std::lock_guard lock(mu_);
  auto parse = [](std::string_view text) -> std::optional<json::object> {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    return std::move(v.get_object());
  };
  // Tables, then their items; streams, then their records; backups.
  env.store.Scan("dynamodb/",
                 [&](std::string_view table, std::string_view key, std::string_view value) {
                   if (!table.ends_with("/tables")) return;
                   auto o = parse(value);
                   if (!o) return;
                   auto t = DeserializeTable(*o);
                   std::string name = t->name;
                   RegionOf(t->account, t->region).tables[name] = std::move(t);
                 });
  env.store.Scan(
      "dynamodb/", [&](std::string_view table, std::string_view key, std::string_view value) {
        auto pos = table.find("/items/");
        if (pos == std::string_view::npos) return;
        std::string_view head = table.substr(9, pos - 9);  // ACCOUNT/REGION
        auto slash = head.find('/');
        if (slash == std::string_view::npos) return;
        std::string_view name = table.substr(pos + 7);
        if (name.ends_with('/')) name.remove_suffix(1);
        Table* t = FindTable(std::string(head.substr(0, slash)),
                             std::string(head.substr(slash + 1)), name);
        if (!t) return;
        auto o = parse(value);
        if (!o) return;
        Pos p = PosOf(t->key, *o);
        size_t size = ItemSize(*o);
        auto [it, fresh] = t->items.emplace(p, Record{Compact(std::move(*o), size), size});
        if (!fresh) return;
        t->size_bytes += size;
        IndexInsert(*t, it);
      });
  env.store.Scan("dynamodb/",
                 [&](std::string_view table, std::string_view key, std::string_view value) {
                   if (!table.ends_with("/streams")) return;
                   auto o = parse(value);
                   if (!o) return;
                   auto s = std::make_unique<Stream>();
                   s->account = GetString(*o, "account").value_or("");
                   s->region = GetString(*o, "region").value_or("");
                   s->arn = GetString(*o, "arn").value_or("");
                   s->label = GetString(*o, "label").value_or("");
                   s->table_name = GetString(*o, "table").value_or("");
                   s->view_type = GetString(*o, "view_type").value_or("");
                   s->status = GetString(*o, "status").value_or("ENABLED");
                   s->created_ms = GetInt(*o, "created").value_or(0);
                   s->next_seq = static_cast<uint64_t>(GetInt(*o, "next_seq").value_or(1));
                   json::array defs;
                   if (auto* d = GetArray(*o, "defs")) defs = *d;
                   s->key = SchemaFrom(Find(*o, "key"), defs);
                   if (auto* shards = GetArray(*o, "shards"))
                     for (const auto& shv : *shards) {
                       if (!shv.is_object()) continue;
                       const auto& x = shv.get_object();
                       Shard sh;
                       sh.id = GetString(x, "id").value_or("");
                       sh.parent = GetString(x, "parent").value_or("");
                       sh.first_seq = static_cast<uint64_t>(GetInt(x, "first").value_or(0));
                       sh.last_seq = static_cast<uint64_t>(GetInt(x, "last").value_or(0));
                       sh.closed = GetBool(x, "closed").value_or(false);
                       sh.created_ms = GetInt(x, "created").value_or(s->created_ms);
                       s->shards.push_back(std::move(sh));
                     }
                   std::string arn = s->arn;
                   RegionOf(s->account, s->region).streams[arn] = std::move(s);
                 });
  env.store.Scan("dynamodb/",
                 [&](std::string_view table, std::string_view key, std::string_view value) {
                   auto pos = table.find("/records/");
                   if (pos == std::string_view::npos) return;
                   std::string_view arn = table.substr(pos + 9);
                   if (arn.ends_with('/')) arn.remove_suffix(1);
                   Stream* s = FindStream(arn);
                   if (!s) return;
                   auto o = parse(value);
                   if (!o) return;
                   StreamRecord r;
                   r.seq = static_cast<uint64_t>(GetInt(*o, "seq").value_or(0));
                   r.created_ms = GetInt(*o, "created").value_or(0);
                   if (auto* rec = GetObject(*o, "record")) r.record = *rec;
                   // A record belongs to the latest shard that starts at or before it.
                   uint64_t seq = r.seq;
                   for (auto sh = s->shards.rbegin(); sh != s->shards.rend(); ++sh)
                     if (seq >= sh->first_seq) {
                       sh->records.push_back(std::move(r));
                       break;
                     }
                   if (seq >= s->next_seq) s->next_seq = seq + 1;
                 });
  env.store.Scan("dynamodb/",
                 [&](std::string_view table, std::string_view key, std::string_view value) {
                   if (!table.ends_with("/backups")) return;
                   auto o = parse(value);
                   if (!o) return;
                   auto b = std::make_unique<Backup>();
                   b->account = GetString(*o, "account").value_or("");
                   b->region = GetString(*o, "region").value_or("");
                   b->arn = GetString(*o, "arn").value_or("");
                   b->name = GetString(*o, "name").value_or("");
                   b->table_name = GetString(*o, "table").value_or("");
                   b->table_arn = GetString(*o, "table_arn").value_or("");
                   b->table_id = GetString(*o, "table_id").value_or("");
                   b->created_ms = GetInt(*o, "created").value_or(0);
                   b->size_bytes = static_cast<size_t>(GetInt(*o, "size").value_or(0));
                   b->type = GetString(*o, "type").value_or("USER");
                   if (auto* m = GetObject(*o, "meta")) b->table_meta = *m;
                   if (auto* a = GetArray(*o, "items")) b->items = *a;
                   std::string arn = b->arn;
                   RegionOf(b->account, b->region).backups[arn] = std::move(b);
                 });
  // The write history of PITR is not persisted: after a restart a table is restorable from then.
  for (auto& [key, region] : regions_)
    for (auto& [name, t] : region.tables)
      if (t->pitr_enabled) t->pitr_since_ms = std::max(t->pitr_since_ms, Now());
  if (const char* v = std::getenv("STRATUS_DYNAMODB_THROUGHPUT"))
    enforce_throughput_ = std::string_view(v) == "enforce" || std::string_view(v) == "true";
  if (const char* v = std::getenv("STRATUS_DYNAMODB_TRANSACTION_HOLD_MS"))
    transaction_hold_ms_ = std::max<int64_t>(0, std::atoll(v));
  ScheduleSweep();
}

}  // namespace stratus::dynamodb
