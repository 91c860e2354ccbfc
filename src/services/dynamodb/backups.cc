// On-demand backups (a snapshot of the table's definition and items), restores into new
// tables, and point-in-time recovery settings with restores of the table's latest state.
#include <cinttypes>

#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"
#include "store/store.h"

namespace stratus::dynamodb {

namespace {

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json::object Details(const Backup& b, std::string_view status = "AVAILABLE") {
  return json::object{{"BackupArn", b.arn},
                      {"BackupName", b.name},
                      {"BackupSizeBytes", b.size_bytes},
                      {"BackupStatus", status},
                      {"BackupType", b.type},
                      {"BackupCreationDateTime", Seconds(b.created_ms)}};
}

}  // namespace

Result<json::value> DynamoDbService::CreateBackup(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(Error("TableNotFoundException", "Table not found: " + name));
  auto b = std::make_unique<Backup>();
  b->account = c.account;
  b->region = c.region;
  b->created_ms = Now();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%014" PRId64 "-", b->created_ms);
  b->arn = t->arn + "/backup/" + stamp + HexEncode(RandomBytes(4));
  b->name = std::string(GetString(in, "BackupName").value_or(""));
  b->table_name = t->name;
  b->table_arn = t->arn;
  b->table_id = t->id;
  b->size_bytes = t->size_bytes;
  b->table_meta = SerializeTable(*t);
  b->table_meta["item_count"] = t->items.size();
  b->table_meta["size_bytes"] = t->size_bytes;
  for (const auto& [pos, rec] : t->items) b->items.emplace_back(rec.item);
  Backup& ref = *b;
  RegionOf(c.account, c.region).backups[b->arn] = std::move(b);
  PersistBackup(&c, ref);
  return json::value(json::object{{"BackupDetails", Details(ref)}});
}

namespace {

json::object Description(const Backup& b, std::string_view status = "AVAILABLE") {
  const json::object& m = b.table_meta;
  json::object src{
      {"TableName", b.table_name},
      {"TableId", b.table_id},
      {"TableArn", b.table_arn},
      {"TableSizeBytes", GetInt(m, "size_bytes").value_or(0)},
      {"KeySchema", m.contains("key") ? m.at("key") : json::value(json::array())},
      {"TableCreationDateTime", Seconds(GetInt(m, "created").value_or(0))},
      {"ProvisionedThroughput", json::object{{"ReadCapacityUnits", GetInt(m, "rcu").value_or(0)},
                                             {"WriteCapacityUnits", GetInt(m, "wcu").value_or(0)}}},
      {"ItemCount", GetInt(m, "item_count").value_or(0)},
      {"BillingMode", GetString(m, "billing_mode").value_or("PROVISIONED")}};
  json::object features;
  json::array lsis, gsis;
  if (auto* ixs = GetArray(m, "indexes"))
    for (const auto& xv : *ixs) {
      const auto& x = xv.get_object();
      json::object d{{"IndexName", x.at("name")},
                     {"KeySchema", x.at("key")},
                     {"Projection", x.at("projection")}};
      if (GetBool(x, "global").value_or(false)) {
        d["ProvisionedThroughput"] =
            json::object{{"ReadCapacityUnits", GetInt(x, "rcu").value_or(0)},
                         {"WriteCapacityUnits", GetInt(x, "wcu").value_or(0)}};
        gsis.emplace_back(std::move(d));
      } else {
        lsis.emplace_back(std::move(d));
      }
    }
  if (!lsis.empty()) features["LocalSecondaryIndexes"] = std::move(lsis);
  if (!gsis.empty()) features["GlobalSecondaryIndexes"] = std::move(gsis);
  if (GetBool(m, "stream_enabled").value_or(false))
    features["StreamDescription"] = json::object{
        {"StreamEnabled", true}, {"StreamViewType", GetString(m, "stream_view_type").value_or("")}};
  json::object ttl{
      {"TimeToLiveStatus", GetBool(m, "ttl_enabled").value_or(false) ? "ENABLED" : "DISABLED"}};
  if (GetBool(m, "ttl_enabled").value_or(false))
    ttl["AttributeName"] = GetString(m, "ttl_attribute").value_or("");
  features["TimeToLiveDescription"] = std::move(ttl);
  if (GetBool(m, "sse").value_or(false))
    features["SSEDescription"] =
        json::object{{"Status", "ENABLED"},
                     {"SSEType", "KMS"},
                     {"KMSMasterKeyArn", GetString(m, "sse_key").value_or("")}};
  return json::object{{"BackupDetails", Details(b, status)},
                      {"SourceTableDetails", std::move(src)},
                      {"SourceTableFeatureDetails", std::move(features)}};
}

}  // namespace

Result<json::value> DynamoDbService::DescribeBackup(Ctx& c, const In& in) {
  std::string arn(GetString(in, "BackupArn").value_or(""));
  auto& r = RegionOf(c.account, c.region);
  auto it = r.backups.find(arn);
  if (it == r.backups.end())
    return Fail(Error("BackupNotFoundException", "Backup not found: " + arn));
  return json::value(json::object{{"BackupDescription", Description(*it->second)}});
}

Result<json::value> DynamoDbService::ListBackups(Ctx& c, const In& in) {
  auto& r = RegionOf(c.account, c.region);
  auto table = GetString(in, "TableName");
  int64_t limit = GetInt(in, "Limit").value_or(100);
  std::string_view type = GetString(in, "BackupType").value_or("USER");
  auto lower = Find(in, "TimeRangeLowerBound");
  auto upper = Find(in, "TimeRangeUpperBound");
  auto start = GetString(in, "ExclusiveStartBackupArn");
  std::vector<const Backup*> all;
  for (const auto& [arn, b] : r.backups) {
    if (table && b->table_name != *table) continue;
    if (type != "ALL" && b->type != type) continue;
    double at = Seconds(b->created_ms);
    if (lower && lower->is_number() && at < lower->to_number<double>()) continue;
    if (upper && upper->is_number() && at > upper->to_number<double>()) continue;
    all.push_back(b.get());
  }
  std::sort(all.begin(), all.end(), [](const Backup* a, const Backup* b) {
    return a->created_ms != b->created_ms ? a->created_ms < b->created_ms : a->arn < b->arn;
  });
  size_t i = 0;
  if (start) {
    while (i < all.size() && all[i]->arn != *start) ++i;
    if (i < all.size()) ++i;
  }
  json::array list;
  std::string last;
  for (; i < all.size() && static_cast<int64_t>(list.size()) < limit; ++i) {
    const Backup& b = *all[i];
    json::object s{
        {"TableName", b.table_name},      {"TableId", b.table_id},
        {"TableArn", b.table_arn},        {"BackupArn", b.arn},
        {"BackupName", b.name},           {"BackupCreationDateTime", Seconds(b.created_ms)},
        {"BackupStatus", "AVAILABLE"},    {"BackupType", b.type},
        {"BackupSizeBytes", b.size_bytes}};
    list.emplace_back(std::move(s));
    last = b.arn;
  }
  json::object out{{"BackupSummaries", std::move(list)}};
  if (i < all.size()) out["LastEvaluatedBackupArn"] = last;
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::DeleteBackup(Ctx& c, const In& in) {
  std::string arn(GetString(in, "BackupArn").value_or(""));
  auto& r = RegionOf(c.account, c.region);
  auto it = r.backups.find(arn);
  if (it == r.backups.end())
    return Fail(Error("BackupNotFoundException", "Backup not found: " + arn));
  json::object d = Description(*it->second, "DELETED");
  if (env_->store.persistent())
    c.Persisted(env_->store.Delete(StorePrefix(c.account, c.region) + "backups", arn));
  r.backups.erase(it);
  return json::value(json::object{{"BackupDescription", std::move(d)}});
}

namespace {

// Applies the restore overrides (billing mode, throughput, SSE) to a restored table.
void ApplyOverrides(Table& t, const json::object& in) {
  if (auto mode = GetString(in, "BillingModeOverride")) {
    t.billing_mode = std::string(*mode);
    if (t.billing_mode == "PAY_PER_REQUEST") {
      t.rcu = t.wcu = 0;
      for (auto& ix : t.indexes) ix.rcu = ix.wcu = 0;
    }
  }
  if (auto* pt = GetObject(in, "ProvisionedThroughputOverride")) {
    t.rcu = GetInt(*pt, "ReadCapacityUnits").value_or(t.rcu);
    t.wcu = GetInt(*pt, "WriteCapacityUnits").value_or(t.wcu);
  }
  if (auto* sse = GetObject(in, "SSESpecificationOverride")) {
    t.sse_enabled = GetBool(*sse, "Enabled").value_or(false);
    if (auto k = GetString(*sse, "KMSMasterKeyId")) t.sse_kms_key = std::string(*k);
    if (!t.sse_enabled) t.sse_kms_key.clear();
  }
}

}  // namespace

Result<json::value> DynamoDbService::RestoreTableFromBackup(Ctx& c, const In& in) {
  std::string arn(GetString(in, "BackupArn").value_or(""));
  std::string target(GetString(in, "TargetTableName").value_or(""));
  auto& r = RegionOf(c.account, c.region);
  auto it = r.backups.find(arn);
  if (it == r.backups.end())
    return Fail(Error("BackupNotFoundException", "Backup not found: " + arn));
  if (r.tables.contains(target))
    return Fail(Error("TableAlreadyExistsException", "Table already exists: " + target));
  const Backup& b = *it->second;
  auto t = DeserializeTable(b.table_meta);
  t->account = c.account;
  t->region = c.region;
  t->name = target;
  t->arn = "arn:aws:dynamodb:" + c.region + ":" + c.account + ":table/" + target;
  t->id = NewUuid();
  t->created_ms = Now();
  t->tags.clear();
  t->stream_enabled = false;
  t->stream_arn.clear();
  t->stream_label.clear();
  t->ttl_enabled = false;
  t->ttl_attribute.clear();
  t->pitr_enabled = false;
  t->deletion_protection = false;
  for (auto& ix : t->indexes) ix.arn = t->arn + "/index/" + ix.name;
  ApplyOverrides(*t, in);
  Table& table = AddTable(c, std::move(t));
  PersistTable(&c, table);
  for (const auto& v : b.items) {
    if (!v.is_object()) continue;
    Item item = v.get_object();
    Pos p = PosOf(table.key, item);
    Write(&c, table, p, std::move(item));
  }
  json::object d = Describe(table);
  d["TableStatus"] = "CREATING";
  d["RestoreSummary"] = json::object{{"SourceBackupArn", b.arn},
                                     {"SourceTableArn", b.table_arn},
                                     {"RestoreDateTime", Seconds(b.created_ms)},
                                     {"RestoreInProgress", false}};
  return json::value(json::object{{"TableDescription", std::move(d)}});
}

Result<json::value> DynamoDbService::RestoreTableToPointInTime(Ctx& c, const In& in) {
  std::string source;
  if (auto n = GetString(in, "SourceTableName"))
    source = std::string(*n);
  else if (auto a = GetString(in, "SourceTableArn")) {
    auto slash = a->rfind('/');
    source = std::string(slash == std::string_view::npos ? *a : a->substr(slash + 1));
  }
  std::string target(GetString(in, "TargetTableName").value_or(""));
  Table* src = FindTable(c.account, c.region, source);
  if (!src) return Fail(Error("TableNotFoundException", "Table not found: " + source));
  if (!src->pitr_enabled)
    return Fail(Error("PointInTimeRecoveryUnavailableException",
                      "Point in time recovery is not enabled for table '" + source + "'"));
  int64_t now = Now();
  int64_t restore_ms = now;
  if (!GetBool(in, "UseLatestRestorableTime").value_or(false))
    if (auto* at = Find(in, "RestoreDateTime"); at && at->is_number()) {
      restore_ms = static_cast<int64_t>(at->to_number<double>() * 1000);
      if (restore_ms < src->pitr_since_ms || restore_ms > now)
        return Fail(Error("InvalidRestoreTimeException",
                          "RestoreDateTime must be between EarliestRestorableDateTime and "
                          "LatestRestorableDateTime"));
    }
  auto& r = RegionOf(c.account, c.region);
  if (r.tables.contains(target))
    return Fail(Error("TableAlreadyExistsException", "Table already exists: " + target));
  auto t = DeserializeTable(SerializeTable(*src));
  t->name = target;
  t->arn = "arn:aws:dynamodb:" + c.region + ":" + c.account + ":table/" + target;
  t->id = NewUuid();
  t->created_ms = now;
  t->tags.clear();
  t->stream_enabled = false;
  t->stream_arn.clear();
  t->stream_label.clear();
  t->ttl_enabled = false;
  t->ttl_attribute.clear();
  t->pitr_enabled = false;
  t->deletion_protection = false;
  for (auto& ix : t->indexes) ix.arn = t->arn + "/index/" + ix.name;
  ApplyOverrides(*t, in);
  // The items as of restore_ms: today's, with every later write undone, newest first.
  std::map<Pos, Item> state;
  for (const auto& [pos, rec] : src->items) state.emplace(pos, Item(rec.item, json::storage_ptr()));
  for (auto h = src->history.rbegin(); h != src->history.rend() && h->at_ms > restore_ms; ++h) {
    if (h->before)
      state.insert_or_assign(h->pos, *h->before);
    else
      state.erase(h->pos);
  }
  std::vector<Item> items;
  for (auto& [pos, item] : state) items.push_back(std::move(item));
  std::string src_arn = src->arn;
  Table& table = AddTable(c, std::move(t));
  PersistTable(&c, table);
  for (auto& item : items) {
    Pos p = PosOf(table.key, item);
    Write(&c, table, p, std::move(item));
  }
  json::object d = Describe(table);
  d["TableStatus"] = "CREATING";
  d["RestoreSummary"] = json::object{{"SourceTableArn", src_arn},
                                     {"RestoreDateTime", Seconds(restore_ms)},
                                     {"RestoreInProgress", false}};
  return json::value(json::object{{"TableDescription", std::move(d)}});
}

namespace {
json::object ContinuousDescription(const Table& t, int64_t now) {
  json::object pitr{{"PointInTimeRecoveryStatus", t.pitr_enabled ? "ENABLED" : "DISABLED"}};
  if (t.pitr_enabled) {
    pitr["EarliestRestorableDateTime"] = Seconds(t.pitr_since_ms);
    pitr["LatestRestorableDateTime"] =
        Seconds(now - 5 * 60 * 1000 > t.pitr_since_ms ? now - 5 * 60 * 1000 : now);
  }
  return json::object{{"ContinuousBackupsStatus", "ENABLED"},
                      {"PointInTimeRecoveryDescription", std::move(pitr)}};
}
}  // namespace

Result<json::value> DynamoDbService::DescribeContinuousBackups(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(Error("TableNotFoundException", "Table not found: " + name));
  return json::value(
      json::object{{"ContinuousBackupsDescription", ContinuousDescription(*t, Now())}});
}

Result<json::value> DynamoDbService::UpdateContinuousBackups(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t) return Fail(Error("TableNotFoundException", "Table not found: " + name));
  const json::object* spec = GetObject(in, "PointInTimeRecoverySpecification");
  bool enabled = spec ? GetBool(*spec, "PointInTimeRecoveryEnabled").value_or(false) : false;
  if (enabled && !t->pitr_enabled) t->pitr_since_ms = Now();
  t->pitr_enabled = enabled;
  if (!enabled) t->history.clear();
  PersistTable(&c, *t);
  return json::value(
      json::object{{"ContinuousBackupsDescription", ContinuousDescription(*t, Now())}});
}

}  // namespace stratus::dynamodb
