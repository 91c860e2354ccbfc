// TransactGetItems and TransactWriteItems: all or nothing, with the cancellation reasons in
// request order and ClientRequestToken idempotency for 10 minutes. A write transaction is
// checked under the service lock and then applied by CommitTxn, which PartiQL's
// ExecuteTransaction shares: at once, or after the transaction hold
// (/_stratus/dynamodb/settings?transaction_hold_ms=N) while its items are held, so that other
// requests meet it in flight as they would on AWS ("Transaction conflict handling in
// DynamoDB"; tests/e2e/test_dynamodb_txn.py).
#include <set>

#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/items.h"

namespace stratus::dynamodb {

namespace {
constexpr int64_t kTokenMs = 10 * 60 * 1000;
constexpr const char* kOngoing = "Transaction is ongoing for the item";
}  // namespace

AwsError DynamoDbService::TransactionConflict() {
  return Error("TransactionConflictException", kOngoing);
}

json::object DynamoDbService::ConflictReason() {
  return json::object{{"Code", "TransactionConflict"}, {"Message", kOngoing}};
}

AwsError DynamoDbService::TransactionCanceled(const json::array& reasons) {
  std::string codes;
  for (const auto& r : reasons)
    codes += (codes.empty() ? "" : ", ") + std::string(r.get_object().at("Code").get_string());
  AwsError e =
      Error("TransactionCanceledException",
            "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
                codes + "]");
  e.extra_json.emplace_back("CancellationReasons", json::serialize(reasons));
  return e;
}

std::optional<Result<json::value>> DynamoDbService::ReplayToken(const std::string& token_key,
                                                                const std::string& request_hash) {
  int64_t now = Now();
  std::erase_if(tokens_, [&](const auto& kv) {
    return !kv.second.in_progress && now - kv.second.at_ms >= kTokenMs;
  });
  auto it = tokens_.find(token_key);
  if (it == tokens_.end()) return std::nullopt;
  if (it->second.request_hash != request_hash)
    return Result<json::value>(Fail(Error(
        "IdempotentParameterMismatchException",
        "Request parameters do not match with the request parameters of the original request")));
  // The API reference's description of the error; AWS's exact message is not documented.
  if (it->second.in_progress)
    return Result<json::value>(Fail(Error("TransactionInProgressException",
                                          "The transaction with the given request token is "
                                          "already in progress")));
  return Result<json::value>(it->second.response);
}

void DynamoDbService::CommitTxn(Ctx& c, Result<PreparedTxn> txn,
                                std::unique_lock<std::mutex>& lock, aws::Completion done) {
  if (!txn) {
    lock.unlock();
    return done(Fail(std::move(txn.error())));
  }
  if (transaction_hold_ms_ <= 0 || txn->holds.empty()) {
    ApplyTxn(&c, *txn);
    json::value response = std::move(txn->response);
    lock.unlock();
    return done(std::move(response));
  }
  for (const auto& h : txn->holds) held_.insert(h);
  if (!txn->token_key.empty())
    tokens_[txn->token_key] = Idempotent{0, txn->request_hash, json::value(), true};
  uint64_t id = ++next_txn_;
  auto held = std::make_shared<HeldTxn>(HeldTxn{&c, std::move(*txn), std::move(done), 0});
  held_txns_[id] = held;
  // The hold runs on the scheduler: no server thread waits for it.
  held->timer = env_->scheduler.ScheduleAt(
      env_->clock.NowMillis() + transaction_hold_ms_, [this, id, held] {
        std::unique_lock lock(mu_);
        if (held_txns_.erase(id) == 0) return;  // answered by Reset
        ApplyTxn(held->ctx, held->txn);
        lock.unlock();
        held->done(std::move(held->txn.response));
      });
  lock.unlock();
}

void DynamoDbService::ApplyTxn(Ctx* c, PreparedTxn& txn) {
  for (auto& w : txn.writes) {
    // A table deleted (or deleted and created again) during the hold takes the writes with it,
    // as if it had been deleted just after the transaction.
    Table* t = FindTable(w.account, w.region, w.table);
    if (!t || t->id != w.table_id) continue;
    if (w.item) {
      Write(c, *t, w.pos, std::move(w.item));
    } else if (t->items.contains(w.pos)) {
      Write(c, *t, w.pos, std::nullopt);
    }
  }
  for (const auto& h : txn.holds) held_.erase(h);
  if (!txn.token_key.empty())
    tokens_[txn.token_key] = Idempotent{Now(), txn.request_hash, txn.response, false};
}

Result<json::value> DynamoDbService::TransactGetItems(Ctx& c, const In& in) {
  const json::array* list = GetArray(in, "TransactItems");
  struct Get {
    Table* table;
    Item key;
    std::optional<Projection> projection;
  };
  std::vector<Get> gets;
  std::set<std::pair<Table*, Pos>> seen;
  if (list)
    for (const auto& v : *list) {
      const json::object* g = v.is_object() ? GetObject(v.get_object(), "Get") : nullptr;
      if (!g) continue;
      Placeholders ph(GetObject(*g, "ExpressionAttributeNames"), nullptr);
      if (auto e = ph.CheckShape()) return Fail(*e);
      auto proj = ParseProjection(*g, ph);
      if (!proj) return Fail(proj.error());
      if (auto e = ph.CheckAllUsed()) return Fail(*e);
      auto t = ItemTable(c, GetString(*g, "TableName").value_or(""));
      if (!t) return Fail(t.error());
      auto key = CheckKey(**t, GetObject(*g, "Key"));
      if (!key) return Fail(key.error());
      if (!seen.emplace(*t, PosOf((*t)->key, *key)).second)
        return Fail(AwsError::Validation(
            "Transaction request cannot include multiple operations on one item"));
      gets.push_back({*t, std::move(*key), std::move(*proj)});
    }
  if (!held_.empty()) {
    // An item a write transaction holds cancels the read ("Transaction conflict handling").
    json::array reasons;
    bool conflict = false;
    for (const auto& g : gets) {
      bool held = Held(*g.table, PosOf(g.table->key, g.key));
      conflict |= held;
      reasons.emplace_back(held ? ConflictReason() : json::object{{"Code", "None"}});
    }
    if (conflict) return Fail(TransactionCanceled(reasons));
  }
  json::array responses;
  std::map<std::string, Capacity> caps;
  for (auto& g : gets) {
    auto it = g.table->items.find(PosOf(g.table->key, g.key));
    auto& cap = caps[g.table->name];
    cap.read = true;
    cap.table += 2 * ReadUnits(it == g.table->items.end() ? 0 : it->second.size, true);
    json::object r;
    if (it != g.table->items.end()) {
      if (g.projection)
        r["Item"] = g.projection->Apply(it->second.item);
      else
        r["Item"] = it->second.item;
    }
    responses.emplace_back(std::move(r));
  }
  json::object out{{"Responses", std::move(responses)}};
  json::array capacity;
  for (auto& [name, cap] : caps) {
    cap.split = true;
    if (auto v = CapacityJson(GetString(in, "ReturnConsumedCapacity").value_or("NONE"), name, cap))
      capacity.emplace_back(std::move(*v));
  }
  if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
  return json::value(std::move(out));
}

Result<DynamoDbService::PreparedTxn> DynamoDbService::TransactWriteItems(Ctx& c, const In& in) {
  const json::array* list = GetArray(in, "TransactItems");
  PreparedTxn txn;
  if (auto token = GetString(in, "ClientRequestToken")) {
    txn.token_key = c.account + "/" + c.region + "/" + std::string(*token);
    txn.request_hash = Sha256Hex(list ? json::serialize(*list) : "");
    if (auto replay = ReplayToken(txn.token_key, txn.request_hash)) {
      if (!*replay) return Fail(std::move(replay->error()));
      return PreparedTxn{{}, {}, std::move(**replay), {}, {}};
    }
  }
  enum class Kind { kCheck, kPut, kDelete, kUpdate };
  struct Action {
    Kind kind;
    Table* table;
    Pos pos;
    Item key;
    std::optional<Item> item;  // Put
    std::optional<Update> update;
    std::optional<Condition> cond;
    const json::object* spec;
  };
  std::vector<Action> actions;
  std::set<std::pair<Table*, Pos>> seen;
  if (list)
    for (const auto& v : *list) {
      if (!v.is_object()) continue;
      const auto& o = v.get_object();
      const json::object* spec = nullptr;
      Kind kind{};
      int n = 0;
      for (auto [name, k] :
           {std::pair{"ConditionCheck", Kind::kCheck}, std::pair{"Put", Kind::kPut},
            std::pair{"Delete", Kind::kDelete}, std::pair{"Update", Kind::kUpdate}})
        if (auto* s = GetObject(o, name)) {
          spec = s;
          kind = k;
          ++n;
        }
      if (n != 1)
        return Fail(AwsError::Validation(
            "TransactItems can only contain one of Check, Put, Update or Delete"));
      Placeholders ph(GetObject(*spec, "ExpressionAttributeNames"),
                      GetObject(*spec, "ExpressionAttributeValues"));
      if (auto e = ph.CheckShape()) return Fail(*e);
      Action a{kind, nullptr, {}, {}, std::nullopt, std::nullopt, std::nullopt, spec};
      if (kind == Kind::kUpdate) {
        auto u = Update::Parse(GetString(*spec, "UpdateExpression").value_or(""), ph);
        if (!u) return Fail(u.error());
        a.update = std::move(*u);
      }
      if (auto text = GetString(*spec, "ConditionExpression")) {
        auto cond = Condition::Parse(*text, ph, "ConditionExpression");
        if (!cond) return Fail(cond.error());
        a.cond = std::move(*cond);
      } else if (kind == Kind::kCheck) {
        return Fail(AwsError::Validation(
            "The ConditionExpression parameter is required for a ConditionCheck"));
      }
      if (auto e = ph.CheckAllUsed()) return Fail(*e);
      auto t = ItemTable(c, GetString(*spec, "TableName").value_or(""));
      if (!t) return Fail(t.error());
      a.table = *t;
      if (kind == Kind::kPut) {
        const json::object* item_in = GetObject(*spec, "Item");
        Item item = item_in ? *item_in : Item();
        if (auto e = CheckItem(**t, item)) return Fail(*e);
        a.key = KeyOf((*t)->key, item);
        a.item = std::move(item);
      } else {
        auto key = CheckKey(**t, GetObject(*spec, "Key"));
        if (!key) return Fail(key.error());
        a.key = std::move(*key);
      }
      if (a.update)
        for (const auto& p : a.update->Targets())
          if (!p.empty() && p[0].index < 0 && (*t)->key.IsKey(p[0].name))
            return Fail(AwsError::Validation(
                "One or more parameter values were invalid: Cannot update attribute " + p[0].name +
                ". This attribute is part of the key"));
      a.pos = PosOf((*t)->key, a.key);
      if (!seen.emplace(*t, a.pos).second)
        return Fail(AwsError::Validation(
            "Transaction request cannot include multiple operations on one item"));
      actions.push_back(std::move(a));
    }
  // Evaluate every condition and compute every new item before changing anything.
  json::array reasons;
  bool cancelled = false;
  std::vector<std::optional<Item>> results(actions.size());
  static const Item empty;
  for (size_t i = 0; i < actions.size(); ++i) {
    Action& a = actions[i];
    auto it = a.table->items.find(a.pos);
    const Item* old_item = it == a.table->items.end() ? nullptr : &it->second.item;
    json::object reason{{"Code", "None"}};
    bool ok = true;
    if (Held(*a.table, a.pos)) {
      reason = ConflictReason();
      ok = false;
    } else if (a.cond) {
      auto r = a.cond->Evaluate(old_item ? *old_item : empty);
      if (!r) {
        reason = json::object{{"Code", "ValidationError"}, {"Message", r.error().message}};
        ok = false;
      } else if (!*r) {
        reason = json::object{{"Code", "ConditionalCheckFailed"},
                              {"Message", "The conditional request failed"}};
        if (old_item &&
            GetString(*a.spec, "ReturnValuesOnConditionCheckFailure").value_or("NONE") == "ALL_OLD")
          reason["Item"] = *old_item;
        ok = false;
      }
    }
    if (ok && a.kind == Kind::kUpdate) {
      Item item = old_item ? *old_item : a.key;
      std::optional<AwsError> e = a.update->Apply(item);
      if (!e) e = CheckIndexKeys(*a.table, item);
      if (!e && ItemSize(item) > 400 * 1024)
        e = AwsError::Validation("Item size to update has exceeded the maximum allowed size");
      if (e) {
        reason = json::object{{"Code", "ValidationError"}, {"Message", e->message}};
        ok = false;
      } else {
        results[i] = std::move(item);
      }
    }
    if (ok && a.kind == Kind::kPut) results[i] = *a.item;
    cancelled |= !ok;
    reasons.emplace_back(std::move(reason));
  }
  if (cancelled) return Fail(TransactionCanceled(reasons));
  std::map<std::string, Capacity> caps;
  json::object metrics;
  for (size_t i = 0; i < actions.size(); ++i) {
    Action& a = actions[i];
    auto it = a.table->items.find(a.pos);
    const Item* old_item = it == a.table->items.end() ? nullptr : &it->second.item;
    Capacity one;
    if (a.kind == Kind::kCheck) {
      one.table = 2 * ReadUnits(old_item ? it->second.size : 0, true);
    } else {
      AddWriteCapacity(*a.table, old_item, results[i] ? &*results[i] : nullptr, one);
      one.table *= 2;
      for (auto& [k, v] : one.gsi) v *= 2;
      for (auto& [k, v] : one.lsi) v *= 2;
    }
    Capacity& cap = caps[a.table->name];
    cap.table += one.table;
    for (auto& [k, v] : one.gsi) cap.gsi[k] += v;
    for (auto& [k, v] : one.lsi) cap.lsi[k] += v;
    txn.holds.emplace_back(a.table->id, a.pos);
    if (a.kind == Kind::kCheck) continue;
    if (auto m = CollectionMetrics(*a.table, in, a.key)) {
      auto& l = metrics[a.table->name];
      if (!l.is_array()) l = json::array();
      l.get_array().emplace_back(std::move(*m));
    }
    if (a.kind == Kind::kDelete ? old_item != nullptr
                                : !old_item || !ItemsEqual(*old_item, *results[i]))
      txn.writes.push_back({a.table->account, a.table->region, a.table->name, a.table->id, a.pos,
                            std::move(results[i])});
  }
  json::object out;
  json::array capacity;
  for (auto& [name, cap] : caps) {
    cap.split = true;
    if (auto v = CapacityJson(GetString(in, "ReturnConsumedCapacity").value_or("NONE"), name, cap))
      capacity.emplace_back(std::move(*v));
  }
  if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
  if (!metrics.empty()) out["ItemCollectionMetrics"] = std::move(metrics);
  txn.response = json::value(std::move(out));
  return txn;
}

}  // namespace stratus::dynamodb
