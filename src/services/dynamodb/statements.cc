// PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction over the statements
// partiql.h parses. A SELECT with equality on the partition key reads one partition; others
// scan. Writes are prepared (conditions evaluated, new item computed) before any is applied.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/items.h"
#include "services/dynamodb/partiql.h"

namespace stratus::dynamodb {

namespace {

struct Prepared {
  Table* table = nullptr;
  Pos pos;
  std::optional<Item> new_item;  // nullopt with `remove`: delete
  bool remove = false;
  bool noop = false;
  std::optional<Item> returned;  // RETURNING ...
};

const json::value* KeyEquality(const Statement& s, std::string_view name) {
  for (const auto& [n, v] : s.key_equalities)
    if (n == name) return &v;
  return nullptr;
}

AwsError ConditionFailedError(const Item* old_item, std::string_view rv) {
  AwsError e =
      DynamoDbService::Error("ConditionalCheckFailedException", "The conditional request failed");
  if (old_item && rv == "ALL_OLD") e.extra_json.emplace_back("Item", json::serialize(*old_item));
  return e;
}

}  // namespace

namespace {

// The full primary key from the WHERE clause's equalities.
Result<Item> StatementKey(DynamoDbService& svc, const Table& t, const Statement& s) {
  Item key;
  for (const KeyAttr* a : {&t.key.hash, t.key.range ? &*t.key.range : nullptr}) {
    if (!a) continue;
    const json::value* v = KeyEquality(s, a->name);
    if (!v)
      return Fail(AwsError::Validation(
          "Where clause does not contain a mandatory equality on all key attributes"));
    key[a->name] = *v;
  }
  return svc.CheckKey(t, &key);
}

Result<Prepared> PrepareWrite(DynamoDbService& svc, aws::Context& c, const Statement& s,
                              std::string_view rv) {
  auto t = svc.ItemTable(c, s.table);
  if (!t) return Fail(t.error());
  Table& table = **t;
  Prepared p;
  p.table = &table;
  static const Item empty;
  if (s.kind == Statement::Kind::kInsert) {
    Item item = s.item;
    if (auto e = svc.CheckItem(table, item)) return Fail(*e);
    p.pos = DynamoDbService::PosOf(table.key, item);
    if (svc.Held(table, p.pos)) return Fail(DynamoDbService::TransactionConflict());
    if (table.items.contains(p.pos))
      return Fail(DynamoDbService::Error("DuplicateItemException",
                                         "Duplicate primary key exists in table"));
    p.new_item = std::move(item);
    return p;
  }
  auto key = StatementKey(svc, table, s);
  if (!key) return Fail(key.error());
  p.pos = DynamoDbService::PosOf(table.key, *key);
  if (svc.Held(table, p.pos)) return Fail(DynamoDbService::TransactionConflict());
  auto it = table.items.find(p.pos);
  const Item* old_item = it == table.items.end() ? nullptr : &it->second.item;
  if (s.kind == Statement::Kind::kUpdate && !old_item)
    return Fail(ConditionFailedError(nullptr, rv));
  if (s.where) {
    auto ok = s.where->Evaluate(old_item ? *old_item : empty);
    if (!ok) return Fail(ok.error());
    if (!*ok) return Fail(ConditionFailedError(old_item, rv));
  }
  if (s.kind == Statement::Kind::kDelete) {
    p.remove = true;
    p.noop = !old_item;
    if (old_item && s.returning == "ALL_OLD") p.returned = *old_item;
    return p;
  }
  Item item = *old_item;
  if (s.update) {
    for (const auto& path : s.update->Targets())
      if (!path.empty() && path[0].index < 0 && table.key.IsKey(path[0].name))
        return Fail(AwsError::Validation(
            "One or more parameter values were invalid: Cannot update attribute " + path[0].name +
            ". This attribute is part of the key"));
    if (auto e = s.update->Apply(item)) return Fail(*e);
  }
  if (auto e = svc.CheckIndexKeys(table, item)) return Fail(*e);
  if (ItemSize(item) > 400 * 1024)
    return Fail(AwsError::Validation("Item size to update has exceeded the maximum allowed size"));
  p.noop = ItemsEqual(*old_item, item);
  static const std::vector<Path> no_paths;
  const auto& targets = s.update ? s.update->Targets() : no_paths;
  if (s.returning == "ALL_OLD")
    p.returned = *old_item;
  else if (s.returning == "ALL_NEW")
    p.returned = item;
  else if (s.returning == "UPDATED_OLD")
    p.returned = Projection::FromPaths(targets).Apply(*old_item);
  else if (s.returning == "UPDATED_NEW")
    p.returned = Projection::FromPaths(targets).Apply(item);
  p.new_item = std::move(item);
  return p;
}

void Apply(DynamoDbService& svc, aws::Context& c, Prepared& p) {
  if (p.noop) return;
  if (p.remove)
    svc.Write(&c, *p.table, p.pos, std::nullopt);
  else
    svc.Write(&c, *p.table, p.pos, std::move(p.new_item));
}

// SELECT: one page of matching items, resuming after the NextToken's key.
Result<json::object> Select(DynamoDbService& svc, aws::Context& c, const Statement& s,
                            const json::object& in) {
  auto t = svc.ItemTable(c, s.table);
  if (!t) return Fail(t.error());
  Table& table = **t;
  Index* ix = nullptr;
  if (!s.index.empty()) {
    ix = table.FindIndex(s.index);
    if (!ix)
      return Fail(AwsError::Validation("The table does not have the specified index: " + s.index));
  }
  const KeySchema& ks = ix ? ix->key : table.key;
  int64_t limit = GetInt(in, "Limit").value_or(0);
  std::optional<Item> after;
  if (auto token = GetString(in, "NextToken")) {
    auto raw = Base64Decode(*token);
    boost::system::error_code ec;
    json::value v = raw ? json::parse(*raw, ec) : json::value();
    if (!raw || ec || !v.is_object()) return Fail(AwsError::Validation("Invalid NextToken"));
    after = v.get_object();
  }
  json::array items;
  std::optional<Item> last;
  size_t bytes = 0;
  auto visit = [&](const Record& rec) -> Result<bool> {
    const Item& full = rec.item;
    bytes += rec.size;
    Item projected;
    if (ix) projected = ix->Project(full, table.key);
    const Item& view = ix ? projected : full;
    if (s.where) {
      auto ok = s.where->Evaluate(view);
      if (!ok) return Fail(ok.error());
      if (!*ok) return true;
    }
    if (s.projection)
      items.emplace_back(s.projection->Apply(view));
    else
      items.emplace_back(view);
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      Item k = DynamoDbService::KeyOf(table.key, full);
      if (ix)
        for (auto& [n, v] : DynamoDbService::KeyOf(ix->key, full)) k[n] = v;
      last = std::move(k);
      return false;
    }
    return true;
  };
  const json::value* hv = KeyEquality(s, ks.hash.name);
  std::string hk = hv ? EncodeKeyValue(*hv) : "";
  uint64_t h = PartitionHash(hk);
  auto run = [&](auto& map, auto first_key, auto resume_key, auto target,
                 auto in_partition) -> std::optional<AwsError> {
    auto it = hv ? map.lower_bound(first_key(Pos{h, hk, ""})) : map.begin();
    if (after) {
      auto resume = map.upper_bound(resume_key(*after));
      if (resume == map.end() || it == map.end() || it->first < resume->first) it = resume;
    }
    if (s.descending && hv) {
      // ORDER BY <sort key> DESC: the partition from its end, resuming below the token's key.
      auto first = map.lower_bound(first_key(Pos{h, hk, ""}));
      auto end = first;
      while (end != map.end() && in_partition(end->first)) ++end;
      if (after) {
        auto below = map.lower_bound(resume_key(*after));
        if (below != map.end() && (end == map.end() || below->first < end->first)) end = below;
      }
      while (end != first) {
        --end;
        auto r = visit(target(end)->second);
        if (!r) return r.error();
        if (!*r) break;
      }
      return std::nullopt;
    }
    for (; it != map.end(); ++it) {
      if (hv && !in_partition(it->first)) break;
      auto r = visit(target(it)->second);
      if (!r) return r.error();
      if (!*r) break;
    }
    return std::nullopt;
  };
  std::optional<AwsError> err;
  if (ix) {
    err = run(
        ix->entries, [](const Pos& p) { return IndexPos{p, "", ""}; },
        [&](const Item& k) {
          Pos tp = DynamoDbService::PosOf(table.key, k);
          return IndexPos{DynamoDbService::PosOf(ix->key, k), tp.hk, tp.rk};
        },
        [](auto it) { return it->second; },
        [&](const IndexPos& k) { return k.index.h == h && k.index.hk == hk; });
  } else {
    err = run(
        table.items, [](const Pos& p) { return p; },
        [&](const Item& k) { return DynamoDbService::PosOf(table.key, k); },
        [](auto it) { return it; }, [&](const Pos& k) { return k.h == h && k.hk == hk; });
  }
  if (err) return Fail(*err);
  json::object out{{"Items", std::move(items)}};
  if (last) out["NextToken"] = Base64Encode(json::serialize(*last));
  DynamoDbService::Capacity cap;
  cap.read = true;
  double units = DynamoDbService::ReadUnits(bytes, GetBool(in, "ConsistentRead").value_or(false));
  if (ix)
    (ix->global ? cap.gsi : cap.lsi)[ix->name] = units;
  else
    cap.table = units;
  if (auto v = DynamoDbService::CapacityJson(
          GetString(in, "ReturnConsumedCapacity").value_or("NONE"), table.name, cap))
    out["ConsumedCapacity"] = std::move(*v);
  return out;
}

std::string BatchCode(const std::string& code) {
  if (code == "ConditionalCheckFailedException") return "ConditionalCheckFailed";
  if (code == "ResourceNotFoundException") return "ResourceNotFound";
  if (code == "DuplicateItemException") return "DuplicateItem";
  if (code == "ProvisionedThroughputExceededException") return "ProvisionedThroughputExceeded";
  if (code == "TransactionConflictException") return "TransactionConflict";
  return "ValidationError";
}

}  // namespace

Result<json::value> DynamoDbService::ExecuteStatement(Ctx& c, const In& in) {
  auto s = Statement::Parse(GetString(in, "Statement").value_or(""), GetArray(in, "Parameters"));
  if (!s) return Fail(s.error());
  if (s->kind == Statement::Kind::kSelect) {
    auto out = Select(*this, c, *s, in);
    if (!out) return Fail(out.error());
    return json::value(std::move(*out));
  }
  std::string_view rv = GetString(in, "ReturnValuesOnConditionCheckFailure").value_or("NONE");
  auto p = PrepareWrite(*this, c, *s, rv);
  if (!p) return Fail(p.error());
  Capacity cap;
  auto it = p->table->items.find(p->pos);
  AddWriteCapacity(*p->table, it == p->table->items.end() ? nullptr : &it->second.item,
                   p->remove || !p->new_item ? nullptr : &*p->new_item, cap);
  std::string table = p->table->name;
  std::optional<Item> returned = std::move(p->returned);
  Apply(*this, c, *p);
  json::object out{{"Items", json::array()}};
  if (returned && !returned->empty()) out["Items"].get_array().emplace_back(std::move(*returned));
  if (auto v = CapacityJson(GetString(in, "ReturnConsumedCapacity").value_or("NONE"), table, cap))
    out["ConsumedCapacity"] = std::move(*v);
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::BatchExecuteStatement(Ctx& c, const In& in) {
  const json::array* list = GetArray(in, "Statements");
  json::array responses;
  if (list) {
    // All reads or all writes, as AWS requires.
    std::vector<Result<Statement>> parsed;
    bool reads = false, writes = false;
    for (const auto& v : *list) {
      const auto& o = v.get_object();
      parsed.push_back(
          Statement::Parse(GetString(o, "Statement").value_or(""), GetArray(o, "Parameters")));
      if (parsed.back()) (parsed.back()->kind == Statement::Kind::kSelect ? reads : writes) = true;
    }
    if (reads && writes)
      return Fail(AwsError::Validation(
          "Unsupported operation: Mixing read and write operations in a batch is not supported"));
    for (size_t i = 0; i < parsed.size(); ++i) {
      const auto& o = (*list)[i].get_object();
      auto& s = parsed[i];
      json::object r;
      auto fail = [&](const AwsError& e) {
        json::object err{{"Code", BatchCode(e.code)}, {"Message", e.message}};
        for (const auto& [k, v] : e.extra_json)
          if (k == "Item") err["Item"] = json::parse(v);
        r["Error"] = std::move(err);
      };
      if (!s) {
        fail(s.error());
      } else if (s->kind == Statement::Kind::kSelect) {
        auto t = ItemTable(c, s->table);
        if (!t) {
          fail(t.error());
        } else {
          auto key = StatementKey(*this, **t, *s);
          if (!key) {
            fail(key.error());
          } else {
            r["TableName"] = s->table;
            auto it = (*t)->items.find(PosOf((*t)->key, *key));
            if (it != (*t)->items.end()) {
              if (s->projection)
                r["Item"] = s->projection->Apply(it->second.item);
              else
                r["Item"] = it->second.item;
            }
          }
        }
      } else {
        auto p = PrepareWrite(*this, c, *s,
                              GetString(o, "ReturnValuesOnConditionCheckFailure").value_or("NONE"));
        if (!p) {
          fail(p.error());
        } else {
          Apply(*this, c, *p);
          r["TableName"] = s->table;
        }
      }
      responses.emplace_back(std::move(r));
    }
  }
  return json::value(json::object{{"Responses", std::move(responses)}});
}

Result<DynamoDbService::PreparedTxn> DynamoDbService::ExecuteTransaction(Ctx& c, const In& in) {
  const json::array* list = GetArray(in, "TransactStatements");
  PreparedTxn txn;
  if (auto token = GetString(in, "ClientRequestToken")) {
    txn.token_key = c.account + "/" + c.region + "/partiql/" + std::string(*token);
    txn.request_hash = Sha256Hex(list ? json::serialize(*list) : "");
    if (auto replay = ReplayToken(txn.token_key, txn.request_hash)) {
      if (!*replay) return Fail(std::move(replay->error()));
      return PreparedTxn{{}, {}, std::move(**replay), {}, {}};
    }
  }
  std::vector<Statement> statements;
  bool reads = false, writes = false;
  if (list)
    for (const auto& v : *list) {
      const auto& o = v.get_object();
      auto s = Statement::Parse(GetString(o, "Statement").value_or(""), GetArray(o, "Parameters"));
      if (!s) return Fail(s.error());
      (s->kind == Statement::Kind::kSelect ? reads : writes) = true;
      statements.push_back(std::move(*s));
    }
  if (reads && writes)
    return Fail(
        AwsError::Validation("Unsupported operation: Mixing read and write operations in a "
                             "transaction is not supported"));
  json::array responses;
  if (reads) {
    // As TransactGetItems: an item a write transaction holds cancels the read.
    json::array reasons;
    bool conflict = false;
    for (const auto& s : statements) {
      auto t = ItemTable(c, s.table);
      if (!t) return Fail(t.error());
      auto key = StatementKey(*this, **t, s);
      if (!key) return Fail(key.error());
      Pos pos = PosOf((*t)->key, *key);
      bool held = Held(**t, pos);
      conflict |= held;
      reasons.emplace_back(held ? ConflictReason() : json::object{{"Code", "None"}});
      json::object r;
      auto it = (*t)->items.find(pos);
      if (it != (*t)->items.end()) {
        if (s.projection)
          r["Item"] = s.projection->Apply(it->second.item);
        else
          r["Item"] = it->second.item;
      }
      responses.emplace_back(std::move(r));
    }
    if (conflict) return Fail(TransactionCanceled(reasons));
    // Reads record no token: replaying them is reading again.
    return PreparedTxn{{}, {}, json::object{{"Responses", std::move(responses)}}, {}, {}};
  }
  std::vector<Prepared> prepared;
  json::array reasons;
  bool cancelled = false;
  std::set<std::pair<Table*, Pos>> seen;
  for (size_t i = 0; i < statements.size(); ++i) {
    const auto& o = (*list)[i].get_object();
    auto p = PrepareWrite(*this, c, statements[i],
                          GetString(o, "ReturnValuesOnConditionCheckFailure").value_or("NONE"));
    if (!p) {
      const AwsError& e = p.error();
      if (e.code == "ValidationException" || e.code == "ResourceNotFoundException") return Fail(e);
      json::object reason{{"Code", BatchCode(e.code)}, {"Message", e.message}};
      for (const auto& [k, v] : e.extra_json)
        if (k == "Item") reason["Item"] = json::parse(v);
      reasons.emplace_back(std::move(reason));
      cancelled = true;
      prepared.emplace_back();
      continue;
    }
    if (!seen.emplace(p->table, p->pos).second)
      return Fail(AwsError::Validation(
          "Transaction request cannot include multiple operations on one item"));
    reasons.emplace_back(json::object{{"Code", "None"}});
    prepared.push_back(std::move(*p));
  }
  if (cancelled) return Fail(TransactionCanceled(reasons));
  for (auto& p : prepared) {
    const Table& t = *p.table;
    txn.holds.emplace_back(t.id, p.pos);
    if (!p.noop)
      txn.writes.push_back({t.account, t.region, t.name, t.id, p.pos,
                            p.remove ? std::nullopt : std::move(p.new_item)});
  }
  txn.response = json::object{};
  return txn;
}

}  // namespace stratus::dynamodb
