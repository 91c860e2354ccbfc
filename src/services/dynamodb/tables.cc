// Tables: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, TTL, tags,
// DescribeLimits and DescribeEndpoints.
#include <algorithm>
#include <set>

#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"
#include "store/store.h"

namespace stratus::dynamodb {

namespace {

const std::string kInvalid = "One or more parameter values were invalid: ";

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

double Seconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Parses a KeySchema list against the attribute definitions.
Result<KeySchema> ParseSchema(const json::array* list,
                              const std::map<std::string, std::string>& defs,
                              const std::vector<std::string>& def_names) {
  KeySchema k;
  if (!list || list->empty())
    return Fail(AwsError::Validation(
        "Invalid KeySchema: Some index key attributes are not defined in AttributeDefinitions."));
  std::vector<std::pair<std::string, std::string>> elems;
  for (const auto& e : *list) {
    if (!e.is_object()) continue;
    elems.emplace_back(GetString(e.get_object(), "AttributeName").value_or(""),
                       GetString(e.get_object(), "KeyType").value_or(""));
  }
  if (elems.empty() || elems[0].second != "HASH")
    return Fail(AwsError::Validation(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
  if (elems.size() > 1 && elems[1].second != "RANGE")
    return Fail(AwsError::Validation(
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
  if (elems.size() > 1 && elems[0].first == elems[1].first)
    return Fail(AwsError::Validation(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name"));
  std::vector<std::string> missing;
  for (const auto& [n, kt] : elems)
    if (!defs.contains(n)) missing.push_back(n);
  if (!missing.empty()) {
    std::vector<std::string> keys;
    for (const auto& [n, kt] : elems) keys.push_back(n);
    return Fail(AwsError::Validation(
        kInvalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
        JoinNames(keys) + "], AttributeDefinitions: [" + JoinNames(def_names) + "]"));
  }
  k.hash = {elems[0].first, defs.at(elems[0].first)};
  if (elems.size() > 1) k.range = KeyAttr{elems[1].first, defs.at(elems[1].first)};
  return k;
}

std::optional<AwsError> ParseProjection(const json::object* p, Index& ix) {
  if (!p) return AwsError::Validation(kInvalid + "Unknown ProjectionType: null");
  auto type = GetString(*p, "ProjectionType");
  if (!type) return AwsError::Validation(kInvalid + "Unknown ProjectionType: null");
  ix.projection_type = std::string(*type);
  const json::array* nk = GetArray(*p, "NonKeyAttributes");
  if (nk && ix.projection_type != "INCLUDE")
    return AwsError::Validation(kInvalid + "ProjectionType is " + ix.projection_type +
                                ", but NonKeyAttributes is specified");
  if (ix.projection_type == "INCLUDE" && (!nk || nk->empty()))
    return AwsError::Validation(kInvalid +
                                "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  if (nk)
    for (const auto& n : *nk)
      if (n.is_string()) ix.non_key.emplace_back(n.get_string());
  return std::nullopt;
}

json::object Throughput(int64_t rcu, int64_t wcu, int64_t inc_ms, int64_t dec_ms,
                        int64_t decreases) {
  json::object o;
  if (inc_ms) o["LastIncreaseDateTime"] = Seconds(inc_ms);
  if (dec_ms) o["LastDecreaseDateTime"] = Seconds(dec_ms);
  o["NumberOfDecreasesToday"] = decreases;
  o["ReadCapacityUnits"] = rcu;
  o["WriteCapacityUnits"] = wcu;
  return o;
}

// The default warm throughput of tables and GSIs (DynamoDB developer guide, "Warm
// throughput": 12,000 read and 4,000 write units per second).
json::object WarmThroughput() {
  return json::object{
      {"ReadUnitsPerSecond", 12000}, {"WriteUnitsPerSecond", 4000}, {"Status", "ACTIVE"}};
}

}  // namespace

std::optional<AwsError> DynamoDbService::BuildTable(const In& in, Table& t, bool restore) {
  std::map<std::string, std::string> defs;
  std::vector<std::string> def_names;
  if (auto* a = GetArray(in, "AttributeDefinitions")) {
    t.attribute_definitions = *a;
    for (const auto& d : *a) {
      if (!d.is_object()) continue;
      std::string n(GetString(d.get_object(), "AttributeName").value_or(""));
      if (defs.contains(n))
        return AwsError::Validation(
            kInvalid + "Duplicate AttributeName attribute found in AttributeDefinitions: " + n);
      defs[n] = std::string(GetString(d.get_object(), "AttributeType").value_or("S"));
      def_names.push_back(n);
    }
  }
  auto key = ParseSchema(GetArray(in, "KeySchema"), defs, def_names);
  if (!key) return key.error();
  t.key = *key;
  std::set<std::string> used{t.key.hash.name};
  if (t.key.range) used.insert(t.key.range->name);

  // Billing and throughput.
  t.billing_mode = std::string(GetString(in, "BillingMode").value_or("PROVISIONED"));
  const json::object* pt = GetObject(in, "ProvisionedThroughput");
  bool ppr = t.billing_mode == "PAY_PER_REQUEST";
  if (!restore) {
    if (!ppr && !pt)
      return AwsError::Validation(kInvalid +
                                  "ReadCapacityUnits and WriteCapacityUnits must both be specified "
                                  "when BillingMode is PROVISIONED");
    if (ppr && pt)
      return AwsError::Validation(kInvalid +
                                  "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                  "specified when BillingMode is PAY_PER_REQUEST");
  }
  if (pt && !ppr) {
    t.rcu = GetInt(*pt, "ReadCapacityUnits").value_or(0);
    t.wcu = GetInt(*pt, "WriteCapacityUnits").value_or(0);
  }

  std::set<std::string> names;
  auto index_common = [&](const json::object& x, bool global) -> Result<Index> {
    Index ix;
    ix.global = global;
    ix.name = std::string(GetString(x, "IndexName").value_or(""));
    if (!names.insert(ix.name).second)
      return Fail(AwsError::Validation(kInvalid + "Duplicate index name: " + ix.name));
    auto k = ParseSchema(GetArray(x, "KeySchema"), defs, def_names);
    if (!k) return Fail(k.error());
    ix.key = *k;
    used.insert(ix.key.hash.name);
    if (ix.key.range) used.insert(ix.key.range->name);
    if (auto e = ParseProjection(GetObject(x, "Projection"), ix)) return Fail(*e);
    ix.arn =
        "arn:aws:dynamodb:" + t.region + ":" + t.account + ":table/" + t.name + "/index/" + ix.name;
    return ix;
  };
  if (auto* lsis = GetArray(in, "LocalSecondaryIndexes")) {
    if (!t.key.range)
      return AwsError::Validation(kInvalid +
                                  "Table KeySchema does not have a range key, which is required "
                                  "when specifying a LocalSecondaryIndex");
    if (lsis->size() > 5)
      return AwsError::Validation(kInvalid +
                                  "Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    for (const auto& xv : *lsis) {
      if (!xv.is_object()) continue;
      auto ix = index_common(xv.get_object(), false);
      if (!ix) return ix.error();
      if (ix->key.hash.name != t.key.hash.name)
        return AwsError::Validation(kInvalid +
                                    "Index KeySchema does not have the same leading hash key as "
                                    "table KeySchema for index: " +
                                    ix->name + ". index hash key: " + ix->key.hash.name +
                                    ", table hash key: " + t.key.hash.name);
      if (!ix->key.range)
        return AwsError::Validation(
            kInvalid + "Index KeySchema does not have a range key for index: " + ix->name);
      t.indexes.push_back(std::move(*ix));
    }
  }
  if (auto* gsis = GetArray(in, "GlobalSecondaryIndexes")) {
    if (gsis->size() > 20)
      return AwsError::Validation(kInvalid +
                                  "Number of GlobalSecondaryIndexes exceeds per-table limit of 20");
    for (const auto& xv : *gsis) {
      if (!xv.is_object()) continue;
      auto ix = index_common(xv.get_object(), true);
      if (!ix) return ix.error();
      const json::object* ipt = GetObject(xv.get_object(), "ProvisionedThroughput");
      if (!restore) {
        if (!ppr && !ipt)
          return AwsError::Validation(
              kInvalid + "ProvisionedThroughput is not specified for index: " + ix->name);
        if (ppr && ipt)
          return AwsError::Validation(
              kInvalid + "ProvisionedThroughput should not be specified for index: " + ix->name +
              " when BillingMode is PAY_PER_REQUEST");
      }
      if (ipt && !ppr) {
        ix->rcu = GetInt(*ipt, "ReadCapacityUnits").value_or(0);
        ix->wcu = GetInt(*ipt, "WriteCapacityUnits").value_or(0);
      }
      t.indexes.push_back(std::move(*ix));
    }
  }
  if (used.size() != defs.size()) {
    if (t.indexes.empty())
      return AwsError::Validation(kInvalid +
                                  "Number of attributes in KeySchema does not exactly match number "
                                  "of attributes defined in AttributeDefinitions");
    std::vector<std::string> keys(used.begin(), used.end());
    return AwsError::Validation(kInvalid +
                                "Some AttributeDefinitions are not used. AttributeDefinitions: [" +
                                JoinNames(def_names) + "], keys used: [" + JoinNames(keys) + "]");
  }
  return std::nullopt;
}

Table& DynamoDbService::AddTable(Ctx& c, std::unique_ptr<Table> t) {
  Table& ref = *t;
  RegionOf(c.account, c.region).tables[t->name] = std::move(t);
  return ref;
}

Result<json::value> DynamoDbService::CreateTable(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  auto t = std::make_unique<Table>();
  t->account = c.account;
  t->region = c.region;
  t->name = name;
  t->arn = "arn:aws:dynamodb:" + c.region + ":" + c.account + ":table/" + name;
  t->id = NewUuid();
  t->created_ms = Now();
  if (auto e = BuildTable(in, *t, false)) return Fail(*e);
  if (t->billing_mode == "PAY_PER_REQUEST") t->billing_switched_ms = t->created_ms;
  if (auto* ss = GetObject(in, "StreamSpecification")) {
    bool enabled = GetBool(*ss, "StreamEnabled").value_or(false);
    auto view = GetString(*ss, "StreamViewType");
    if (enabled && !view)
      return Fail(AwsError::Validation(
          kInvalid + "You must specify a StreamViewType when enabling DynamoDB Streams"));
    if (!enabled && view)
      return Fail(AwsError::Validation(
          kInvalid + "StreamViewType cannot be specified when StreamEnabled is false"));
  }
  if (auto* sse = GetObject(in, "SSESpecification")) {
    bool enabled = GetBool(*sse, "Enabled").value_or(false);
    std::string type(GetString(*sse, "SSEType").value_or("KMS"));
    auto key = GetString(*sse, "KMSMasterKeyId");
    if (key && !enabled)
      return Fail(
          AwsError::Validation("One or more parameter values were invalid: KMSMasterKeyId can only "
                               "be specified when SSE is enabled"));
    if (enabled) {
      t->sse_enabled = true;
      std::string k(key.value_or(""));
      if (k.empty())
        k = "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + NewUuid();
      else if (!k.starts_with("arn:"))
        k = "arn:aws:kms:" + c.region + ":" + c.account + ":" +
            (k.starts_with("alias/") ? k : "key/" + k);
      t->sse_kms_key = k;
    }
  }
  if (auto tc = GetString(in, "TableClass")) t->table_class = std::string(*tc);
  t->deletion_protection = GetBool(in, "DeletionProtectionEnabled").value_or(false);
  if (auto* tags = GetArray(in, "Tags"))
    for (const auto& tv : *tags)
      if (tv.is_object())
        t->tags[std::string(GetString(tv.get_object(), "Key").value_or(""))] =
            std::string(GetString(tv.get_object(), "Value").value_or(""));
  Region& r = RegionOf(c.account, c.region);
  if (r.tables.contains(name))
    return Fail(Error("ResourceInUseException", "Table already exists: " + name));
  Table& table = AddTable(c, std::move(t));
  if (auto* ss = GetObject(in, "StreamSpecification");
      ss && GetBool(*ss, "StreamEnabled").value_or(false))
    EnableStream(table, std::string(GetString(*ss, "StreamViewType").value_or("")), &c);
  PersistTable(&c, table);
  json::object d = Describe(table);
  // The table is usable at once; the first answer shows it being created, as AWS's does.
  d["TableStatus"] = "CREATING";
  if (auto* g = d.if_contains("GlobalSecondaryIndexes"))
    for (auto& x : g->get_array()) x.get_object()["IndexStatus"] = "CREATING";
  // The switch time appears once the table exists (CreateTable's answer has the mode alone).
  if (auto* b = d.if_contains("BillingModeSummary"))
    b->get_object().erase("LastUpdateToPayPerRequestDateTime");
  return json::value(json::object{{"TableDescription", std::move(d)}});
}

json::object DynamoDbService::Describe(const Table& t) const {
  json::object d;
  d["AttributeDefinitions"] = t.attribute_definitions;
  d["TableName"] = t.name;
  d["KeySchema"] = t.key.ToJson();
  d["TableStatus"] = t.status;
  d["CreationDateTime"] = Seconds(t.created_ms);
  d["ProvisionedThroughput"] =
      Throughput(t.rcu, t.wcu, t.last_increase_ms, t.last_decrease_ms, t.decreases_today);
  d["TableSizeBytes"] = t.size_bytes;
  d["ItemCount"] = t.items.size();
  d["TableArn"] = t.arn;
  d["TableId"] = t.id;
  if (t.billing_mode == "PAY_PER_REQUEST")
    d["BillingModeSummary"] =
        json::object{{"BillingMode", "PAY_PER_REQUEST"},
                     {"LastUpdateToPayPerRequestDateTime", Seconds(t.billing_switched_ms)}};
  json::array lsis, gsis;
  for (const auto& ix : t.indexes) {
    json::object x{
        {"IndexName", ix.name}, {"KeySchema", ix.key.ToJson()}, {"Projection", ix.Projection()}};
    if (ix.global) {
      x["IndexStatus"] = ix.status;
      x["ProvisionedThroughput"] = Throughput(ix.rcu, ix.wcu, 0, 0, 0);
    }
    if (ix.global) x["WarmThroughput"] = WarmThroughput();
    x["IndexSizeBytes"] = ix.size_bytes;
    x["ItemCount"] = ix.entries.size();
    x["IndexArn"] = ix.arn;
    (ix.global ? gsis : lsis).emplace_back(std::move(x));
  }
  if (!lsis.empty()) d["LocalSecondaryIndexes"] = std::move(lsis);
  if (!gsis.empty()) d["GlobalSecondaryIndexes"] = std::move(gsis);
  if (t.stream_enabled)
    d["StreamSpecification"] =
        json::object{{"StreamEnabled", true}, {"StreamViewType", t.stream_view_type}};
  if (!t.stream_arn.empty()) {
    d["LatestStreamLabel"] = t.stream_label;
    d["LatestStreamArn"] = t.stream_arn;
  }
  if (t.sse_enabled)
    d["SSEDescription"] =
        json::object{{"Status", "ENABLED"}, {"SSEType", "KMS"}, {"KMSMasterKeyArn", t.sse_kms_key}};
  if (!t.table_class.empty()) d["TableClassSummary"] = json::object{{"TableClass", t.table_class}};
  d["DeletionProtectionEnabled"] = t.deletion_protection;
  d["WarmThroughput"] = WarmThroughput();
  return d;
}

Result<json::value> DynamoDbService::DescribeTable(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Table: " + name + " not found"));
  return json::value(json::object{{"Table", Describe(*t)}});
}

Result<json::value> DynamoDbService::ListTables(Ctx& c, const In& in) {
  Region& r = RegionOf(c.account, c.region);
  int64_t limit = GetInt(in, "Limit").value_or(100);
  auto it = r.tables.begin();
  if (auto start = GetString(in, "ExclusiveStartTableName"))
    it = r.tables.upper_bound(std::string(*start));
  json::array names;
  std::string last;
  for (; it != r.tables.end() && static_cast<int64_t>(names.size()) < limit; ++it) {
    names.emplace_back(json::string(it->first));
    last = it->first;
  }
  json::object out{{"TableNames", std::move(names)}};
  if (it != r.tables.end()) out["LastEvaluatedTableName"] = last;
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::UpdateTable(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Table: " + name + " not found"));
  const json::object* pt = GetObject(in, "ProvisionedThroughput");
  auto mode = GetString(in, "BillingMode");
  const json::array* gsi_updates = GetArray(in, "GlobalSecondaryIndexUpdates");
  const json::object* ss = GetObject(in, "StreamSpecification");
  const json::object* sse = GetObject(in, "SSESpecification");
  auto table_class = GetString(in, "TableClass");
  auto protection = GetBool(in, "DeletionProtectionEnabled");
  if (!pt && !mode && !gsi_updates && !ss && !sse && !table_class && !protection &&
      !in.contains("ReplicaUpdates"))
    return Fail(
        AwsError::Validation("At least one of ProvisionedThroughput, BillingMode, "
                             "UpdateStreamEnabled, GlobalSecondaryIndexUpdates or "
                             "SSESpecification or ReplicaUpdates is required"));
  std::string new_mode = mode ? std::string(*mode) : t->billing_mode;
  if (new_mode == "PAY_PER_REQUEST" && pt)
    return Fail(AwsError::Validation(kInvalid +
                                     "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                                     "specified when BillingMode is PAY_PER_REQUEST"));
  if (new_mode == "PROVISIONED" && t->billing_mode == "PAY_PER_REQUEST" && !pt)
    return Fail(AwsError::Validation(kInvalid +
                                     "ReadCapacityUnits and WriteCapacityUnits must both be "
                                     "specified when BillingMode is PROVISIONED"));
  int64_t now = Now();
  if (pt && t->billing_mode == "PROVISIONED" && new_mode == "PROVISIONED") {
    int64_t rcu = GetInt(*pt, "ReadCapacityUnits").value_or(t->rcu),
            wcu = GetInt(*pt, "WriteCapacityUnits").value_or(t->wcu);
    if (rcu == t->rcu && wcu == t->wcu && !gsi_updates && !ss && !sse && !table_class &&
        !protection)
      return Fail(AwsError::Validation(
          "The provisioned throughput for the table will not change. The requested value equals "
          "the current value. "
          "Current ReadCapacityUnits provisioned for the table: " +
          std::to_string(t->rcu) + ". Requested ReadCapacityUnits: " + std::to_string(rcu) +
          ". Current WriteCapacityUnits provisioned for the table: " + std::to_string(t->wcu) +
          ". Requested WriteCapacityUnits: " + std::to_string(wcu) +
          ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request "
          "higher limits."));
  }
  // Streams.
  if (ss) {
    bool enabled = GetBool(*ss, "StreamEnabled").value_or(false);
    auto view = GetString(*ss, "StreamViewType");
    if (enabled && !view)
      return Fail(AwsError::Validation(
          kInvalid + "You must specify a StreamViewType when enabling DynamoDB Streams"));
    if (enabled && t->stream_enabled)
      return Fail(AwsError::Validation("Table already has an enabled stream: TableName: " + name));
    if (!enabled && !t->stream_enabled)
      return Fail(AwsError::Validation("Table already has no stream: TableName: " + name));
  }
  // GSI updates are checked before anything changes.
  std::map<std::string, std::string> defs;
  for (const auto& d : t->attribute_definitions)
    if (d.is_object())
      defs[std::string(GetString(d.get_object(), "AttributeName").value_or(""))] =
          std::string(GetString(d.get_object(), "AttributeType").value_or("S"));
  json::array new_defs = t->attribute_definitions;
  if (auto* a = GetArray(in, "AttributeDefinitions"))
    for (const auto& d : *a) {
      if (!d.is_object()) continue;
      std::string n(GetString(d.get_object(), "AttributeName").value_or(""));
      std::string ty(GetString(d.get_object(), "AttributeType").value_or("S"));
      if (auto it = defs.find(n); it != defs.end()) {
        if (it->second != ty)
          return Fail(AwsError::Validation(
              kInvalid + "Cannot change the type of an existing attribute: " + n));
        continue;
      }
      defs[n] = ty;
      new_defs.emplace_back(d);
    }
  std::vector<std::string> def_names;
  for (const auto& [k, v] : defs) def_names.push_back(k);
  std::vector<Index> creates;
  std::vector<std::string> deletes;
  std::vector<std::tuple<std::string, int64_t, int64_t>> updates;
  if (gsi_updates) {
    for (const auto& uv : *gsi_updates) {
      if (!uv.is_object()) continue;
      const auto& u = uv.get_object();
      if (auto* cr = GetObject(u, "Create")) {
        Index ix;
        ix.global = true;
        ix.name = std::string(GetString(*cr, "IndexName").value_or(""));
        if (t->FindIndex(ix.name))
          return Fail(
              AwsError::Validation(kInvalid + "Index with name: " + ix.name + " already exists"));
        auto k = ParseSchema(GetArray(*cr, "KeySchema"), defs, def_names);
        if (!k) return Fail(k.error());
        ix.key = *k;
        if (auto e = ParseProjection(GetObject(*cr, "Projection"), ix)) return Fail(*e);
        const json::object* ipt = GetObject(*cr, "ProvisionedThroughput");
        if (new_mode == "PROVISIONED" && !ipt)
          return Fail(AwsError::Validation(
              kInvalid + "ProvisionedThroughput is not specified for index: " + ix.name));
        if (new_mode == "PAY_PER_REQUEST" && ipt)
          return Fail(AwsError::Validation(
              kInvalid + "ProvisionedThroughput should not be specified for index: " + ix.name +
              " when BillingMode is PAY_PER_REQUEST"));
        if (ipt) {
          ix.rcu = GetInt(*ipt, "ReadCapacityUnits").value_or(0);
          ix.wcu = GetInt(*ipt, "WriteCapacityUnits").value_or(0);
        }
        ix.arn = t->arn + "/index/" + ix.name;
        creates.push_back(std::move(ix));
      } else if (auto* del = GetObject(u, "Delete")) {
        std::string n(GetString(*del, "IndexName").value_or(""));
        Index* ix = t->FindIndex(n);
        if (!ix || !ix->global)
          return Fail(Error("ResourceNotFoundException",
                            "Requested resource not found: Index: " + n + " not found"));
        deletes.push_back(n);
      } else if (auto* up = GetObject(u, "Update")) {
        std::string n(GetString(*up, "IndexName").value_or(""));
        Index* ix = t->FindIndex(n);
        if (!ix || !ix->global)
          return Fail(Error("ResourceNotFoundException",
                            "Requested resource not found: Index: " + n + " not found"));
        const json::object* ipt = GetObject(*up, "ProvisionedThroughput");
        if (new_mode == "PAY_PER_REQUEST" && ipt)
          return Fail(AwsError::Validation(
              kInvalid + "ProvisionedThroughput should not be specified for index: " + n +
              " when BillingMode is PAY_PER_REQUEST"));
        if (ipt)
          updates.emplace_back(n, GetInt(*ipt, "ReadCapacityUnits").value_or(0),
                               GetInt(*ipt, "WriteCapacityUnits").value_or(0));
      } else {
        return Fail(AwsError::Validation(
            kInvalid +
            "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
            "GlobalSecondaryIndexUpdate.Delete must not be null"));
      }
    }
  }
  // Apply.
  if (new_mode != t->billing_mode) {
    if (new_mode == "PAY_PER_REQUEST") {
      t->rcu = t->wcu = 0;
      for (auto& ix : t->indexes) ix.rcu = ix.wcu = 0;
    }
    t->billing_mode = new_mode;
    t->billing_switched_ms = now;
  }
  if (pt && new_mode == "PROVISIONED") {
    int64_t rcu = GetInt(*pt, "ReadCapacityUnits").value_or(t->rcu),
            wcu = GetInt(*pt, "WriteCapacityUnits").value_or(t->wcu);
    if (rcu > t->rcu || wcu > t->wcu) t->last_increase_ms = now;
    if (rcu < t->rcu || wcu < t->wcu) {
      t->last_decrease_ms = now;
      ++t->decreases_today;
    }
    t->rcu = rcu;
    t->wcu = wcu;
  }
  for (const auto& [n, r, w] : updates) {
    Index* ix = t->FindIndex(n);
    ix->rcu = r;
    ix->wcu = w;
  }
  for (const auto& n : deletes)
    std::erase_if(t->indexes, [&](const Index& ix) { return ix.name == n; });
  std::vector<std::string> created;
  for (auto& ix : creates) {
    created.push_back(ix.name);
    t->indexes.push_back(std::move(ix));
    Index& added = t->indexes.back();
    // Backfill at once.
    for (auto it = t->items.begin(); it != t->items.end(); ++it) {
      if (!InIndex(added, it->second.item)) continue;
      // Items whose index key has another type stay out of the index (AWS's backfill
      // "violations").
      auto typed = [&](const KeyAttr& a) {
        const json::value* v = Find(it->second.item, a.name);
        return v && v->is_object() && v->get_object().size() == 1 &&
               v->get_object().begin()->key() == a.type;
      };
      if (!typed(added.key.hash) || (added.key.range && !typed(*added.key.range))) continue;
      added.entries.emplace(IndexPos{PosOf(added.key, it->second.item), it->first.hk, it->first.rk},
                            it);
      added.size_bytes += ItemSize(added.Project(it->second.item, t->key));
    }
  }
  t->attribute_definitions = std::move(new_defs);
  // Attribute definitions no index uses any more are dropped, as AWS does.
  {
    std::set<std::string> used{t->key.hash.name};
    if (t->key.range) used.insert(t->key.range->name);
    for (const auto& ix : t->indexes) {
      used.insert(ix.key.hash.name);
      if (ix.key.range) used.insert(ix.key.range->name);
    }
    json::array kept;
    for (const auto& d : t->attribute_definitions)
      if (d.is_object() &&
          used.contains(std::string(GetString(d.get_object(), "AttributeName").value_or(""))))
        kept.emplace_back(d);
    t->attribute_definitions = std::move(kept);
  }
  if (ss) {
    if (GetBool(*ss, "StreamEnabled").value_or(false))
      EnableStream(*t, std::string(GetString(*ss, "StreamViewType").value_or("")), &c);
    else
      DisableStream(*t, &c);
  }
  if (sse) {
    bool enabled = GetBool(*sse, "Enabled").value_or(t->sse_enabled);
    t->sse_enabled = enabled;
    if (enabled) {
      std::string k(GetString(*sse, "KMSMasterKeyId").value_or(""));
      if (!k.empty() && !k.starts_with("arn:"))
        k = "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + k;
      if (k.empty() && t->sse_kms_key.empty())
        k = "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + NewUuid();
      if (!k.empty()) t->sse_kms_key = k;
    } else {
      t->sse_kms_key.clear();
    }
  }
  if (table_class) t->table_class = std::string(*table_class);
  if (protection) t->deletion_protection = *protection;
  PersistTable(&c, *t);
  if (!creates.empty() && env_->store.persistent()) {
    // Indexes are rebuilt from items on load; nothing more to write.
  }
  json::object d = Describe(*t);
  d["TableStatus"] = "UPDATING";
  if (auto* g = d.if_contains("GlobalSecondaryIndexes"))
    for (auto& x : g->get_array()) {
      auto& xo = x.get_object();
      std::string n(GetString(xo, "IndexName").value_or(""));
      if (std::find(created.begin(), created.end(), n) != created.end()) {
        xo["IndexStatus"] = "CREATING";
        xo["Backfilling"] = false;
      }
    }
  return json::value(json::object{{"TableDescription", std::move(d)}});
}

Result<json::value> DynamoDbService::DeleteTable(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Region& r = RegionOf(c.account, c.region);
  Table* found = FindTable(c.account, c.region, name);
  if (!found)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Table: " + name + " not found"));
  auto it = r.tables.find(found->name);
  Table& t = *it->second;
  if (t.deletion_protection)
    return Fail(AwsError::Validation(
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first."));
  // AWS's DeleteTable answer is the short form: no key schema, attribute definitions,
  // creation time or indexes (DeleteTable examples in the DynamoDB API reference).
  json::object full = Describe(t);
  json::object d;
  for (const char* k : {"TableName", "ProvisionedThroughput", "TableSizeBytes", "ItemCount",
                        "TableArn", "TableId", "BillingModeSummary", "DeletionProtectionEnabled"})
    if (auto* v = full.if_contains(k)) d[k] = *v;
  d["TableStatus"] = "DELETING";
  if (t.stream_enabled) DisableStream(t, &c);
  store::Store& st = env_->store;
  if (st.persistent()) {
    c.Persisted(st.DeletePrefix(t.StoreItems()));
    c.Persisted(st.Delete(StorePrefix(c.account, c.region) + "tables", t.name));
  }
  r.tables.erase(it);
  return json::value(json::object{{"TableDescription", std::move(d)}});
}

Result<json::value> DynamoDbService::DescribeTimeToLive(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Table: " + name + " not found"));
  json::object d{{"TimeToLiveStatus", t->ttl_enabled ? "ENABLED" : "DISABLED"}};
  if (t->ttl_enabled) d["AttributeName"] = t->ttl_attribute;
  return json::value(json::object{{"TimeToLiveDescription", std::move(d)}});
}

Result<json::value> DynamoDbService::UpdateTimeToLive(Ctx& c, const In& in) {
  std::string name(GetString(in, "TableName").value_or(""));
  Table* t = FindTable(c.account, c.region, name);
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: Table: " + name + " not found"));
  const json::object* spec = GetObject(in, "TimeToLiveSpecification");
  bool enabled = spec ? GetBool(*spec, "Enabled").value_or(false) : false;
  std::string attr(spec ? GetString(*spec, "AttributeName").value_or("") : "");
  if (enabled && t->ttl_enabled) return Fail(AwsError::Validation("TimeToLive is already enabled"));
  if (!enabled && !t->ttl_enabled)
    return Fail(AwsError::Validation("TimeToLive is already disabled"));
  if (!enabled && attr != t->ttl_attribute)
    return Fail(AwsError::Validation(
        "TimeToLive is active on a different AttributeName: current AttributeName is " +
        t->ttl_attribute));
  t->ttl_enabled = enabled;
  t->ttl_attribute = enabled ? attr : "";
  PersistTable(&c, *t);
  return json::value(json::object{
      {"TimeToLiveSpecification", json::object{{"Enabled", enabled}, {"AttributeName", attr}}}});
}

namespace {
// arn:aws:dynamodb:REGION:ACCOUNT:table/NAME -> NAME, when the ARN is the caller's.
std::optional<std::string> TableOfArn(std::string_view arn, const std::string& account,
                                      const std::string& region) {
  std::string prefix = "arn:aws:dynamodb:" + region + ":" + account + ":table/";
  if (!arn.starts_with(prefix)) return std::nullopt;
  std::string_view rest = arn.substr(prefix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(rest);
}
}  // namespace

// The table a tagging call's ResourceArn names, with AWS's errors.
Result<Table*> DynamoDbService::TaggedTable(Ctx& c, const In& in) {
  std::string arn(GetString(in, "ResourceArn").value_or(""));
  if (!arn.starts_with("arn:"))
    return Fail(
        AwsError::Validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn));
  auto name = TableOfArn(arn, c.account, c.region);
  Table* t = name ? FindTable(c.account, c.region, *name) : nullptr;
  if (!t)
    return Fail(Error("ResourceNotFoundException",
                      "Requested resource not found: ResourcArn: " + arn + " not found"));
  return t;
}

Result<json::value> DynamoDbService::TagResource(Ctx& c, const In& in) {
  auto tagged = TaggedTable(c, in);
  if (!tagged) return Fail(tagged.error());
  Table* t = *tagged;
  std::map<std::string, std::string> merged = t->tags;
  if (auto* tags = GetArray(in, "Tags"))
    for (const auto& tv : *tags)
      if (tv.is_object())
        merged[std::string(GetString(tv.get_object(), "Key").value_or(""))] =
            std::string(GetString(tv.get_object(), "Value").value_or(""));
  if (merged.size() > 50)
    return Fail(AwsError::Validation(
        "One or more parameter values were invalid: The number of tags exceeds the limit of 50"));
  t->tags = std::move(merged);
  PersistTable(&c, *t);
  return json::value(json::object());
}

Result<json::value> DynamoDbService::UntagResource(Ctx& c, const In& in) {
  auto tagged = TaggedTable(c, in);
  if (!tagged) return Fail(tagged.error());
  Table* t = *tagged;
  if (auto* keys = GetArray(in, "TagKeys"))
    for (const auto& k : *keys)
      if (k.is_string()) t->tags.erase(std::string(k.get_string()));
  PersistTable(&c, *t);
  return json::value(json::object());
}

Result<json::value> DynamoDbService::ListTagsOfResource(Ctx& c, const In& in) {
  auto tagged = TaggedTable(c, in);
  if (!tagged) return Fail(tagged.error());
  Table* t = *tagged;
  json::array tags;
  for (const auto& [k, v] : t->tags) tags.emplace_back(json::object{{"Key", k}, {"Value", v}});
  return json::value(json::object{{"Tags", std::move(tags)}});
}

Result<json::value> DynamoDbService::DescribeLimits(Ctx& c, const In& in) {
  // AWS's default quotas per account and region (DynamoDB developer guide, "Service quotas").
  return json::value(json::object{{"AccountMaxReadCapacityUnits", 80000},
                                  {"AccountMaxWriteCapacityUnits", 80000},
                                  {"TableMaxReadCapacityUnits", 40000},
                                  {"TableMaxWriteCapacityUnits", 40000}});
}

Result<json::value> DynamoDbService::DescribeEndpoints(Ctx& c, const In& in) {
  std::string host(c.Host());
  if (host.empty()) host = "dynamodb." + c.region + ".amazonaws.com";
  return json::value(json::object{
      {"Endpoints", json::array{json::object{{"Address", host}, {"CachePeriodInMinutes", 1440}}}}});
}

}  // namespace stratus::dynamodb
