// TransactGetItems and TransactWriteItems: all or nothing under the service lock, with the
// cancellation reasons in request order and ClientRequestToken idempotency for 10 minutes.
#include <set>

#include "core/encoding.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/items.h"

namespace stratus::dynamodb {

namespace {
constexpr int64_t kTokenMs = 10 * 60 * 1000;
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

Result<json::value> DynamoDbService::TransactWriteItems(Ctx& c, const In& in) {
  const json::array* list = GetArray(in, "TransactItems");
  std::string token_key;
  std::string request_hash;
  int64_t now = Now();
  if (auto token = GetString(in, "ClientRequestToken")) {
    token_key = c.account + "/" + c.region + "/" + std::string(*token);
    request_hash = Sha256Hex(list ? json::serialize(*list) : "");
    std::erase_if(tokens_, [&](const auto& kv) { return now - kv.second.at_ms >= kTokenMs; });
    if (auto it = tokens_.find(token_key); it != tokens_.end()) {
      if (it->second.request_hash != request_hash)
        return Fail(Error(
            "IdempotentParameterMismatchException",
            "Request parameters do not match with the request parameters of the original request"));
      return it->second.response;
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
    if (a.cond) {
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
  if (cancelled) {
    std::string codes;
    for (const auto& r : reasons)
      codes += (codes.empty() ? "" : ", ") + std::string(r.get_object().at("Code").get_string());
    AwsError e =
        Error("TransactionCanceledException",
              "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
                  codes + "]");
    e.extra_json.emplace_back("CancellationReasons", json::serialize(reasons));
    return Fail(std::move(e));
  }
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
    if (a.kind == Kind::kCheck) continue;
    if (auto m = CollectionMetrics(*a.table, in, a.key)) {
      auto& l = metrics[a.table->name];
      if (!l.is_array()) l = json::array();
      l.get_array().emplace_back(std::move(*m));
    }
    if (a.kind == Kind::kDelete) {
      if (old_item) Write(&c, *a.table, a.pos, std::nullopt);
    } else if (!old_item || !ItemsEqual(*old_item, *results[i])) {
      Write(&c, *a.table, a.pos, std::move(results[i]));
    }
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
  json::value response(std::move(out));
  if (!token_key.empty()) tokens_[token_key] = Idempotent{now, request_hash, response};
  return response;
}

}  // namespace stratus::dynamodb
