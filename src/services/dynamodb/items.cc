// Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem. A write of an item a
// transaction holds is TransactionConflictException; GetItem reads it as it was before.
#include "services/dynamodb/items.h"

#include <boost/json/serialize.hpp>

#include "aws/protocol/codec.h"
#include "services/dynamodb/dynamodb.h"

namespace stratus::dynamodb {

Result<std::optional<Condition>> ParseCondition(const json::object& in, Placeholders& ph,
                                                std::string_view expr_param,
                                                std::string_view legacy_param) {
  if (auto text = GetString(in, expr_param)) {
    auto c = Condition::Parse(*text, ph, expr_param);
    if (!c) return Fail(c.error());
    return std::optional<Condition>(std::move(*c));
  }
  if (auto* legacy = GetObject(in, legacy_param)) {
    auto c = Condition::FromLegacy(*legacy, legacy_param,
                                   GetString(in, "ConditionalOperator").value_or("AND"));
    if (!c) return Fail(c.error());
    return std::optional<Condition>(std::move(*c));
  }
  if (in.contains("ConditionalOperator"))
    return Fail(AwsError::Validation(
        "ConditionalOperator can only be used when Filter or Expected has two or more elements"));
  return std::optional<Condition>();
}

Result<std::optional<Projection>> ParseProjection(const json::object& in, Placeholders& ph) {
  if (auto text = GetString(in, "ProjectionExpression")) {
    auto p = Projection::Parse(*text, ph);
    if (!p) return Fail(p.error());
    return std::optional<Projection>(std::move(*p));
  }
  if (auto* a = GetArray(in, "AttributesToGet")) {
    auto p = Projection::FromLegacy(*a);
    if (!p) return Fail(p.error());
    return std::optional<Projection>(std::move(*p));
  }
  return std::optional<Projection>();
}

AwsError ConditionFailed(const Item* old_item, const json::object& in) {
  AwsError e =
      DynamoDbService::Error("ConditionalCheckFailedException", "The conditional request failed");
  if (old_item &&
      GetString(in, "ReturnValuesOnConditionCheckFailure").value_or("NONE") == "ALL_OLD")
    e.extra_json.emplace_back("Item", json::serialize(*old_item));
  return e;
}

namespace {

void AddCapacity(json::object& out, const json::object& in, const std::string& table,
                 const DynamoDbService::Capacity& cap) {
  if (auto v = DynamoDbService::CapacityJson(
          GetString(in, "ReturnConsumedCapacity").value_or("NONE"), table, cap))
    out["ConsumedCapacity"] = std::move(*v);
}

}  // namespace

// What PutItem and DeleteItem check before they touch an item: no mixing of legacy and
// expression parameters, ReturnValues, the placeholders and the condition, then the table.
Result<DynamoDbService::SimpleWrite> DynamoDbService::PrepareSimpleWrite(Ctx& c, const In& in) {
  if (auto e =
          CheckMixedParameters(in, {"Expected", "ConditionalOperator"}, {"ConditionExpression"}))
    return Fail(*e);
  std::string_view rv = GetString(in, "ReturnValues").value_or("NONE");
  if (rv != "NONE" && rv != "ALL_OLD")
    return Fail(AwsError::Validation("ReturnValues can only be ALL_OLD or NONE"));
  Placeholders ph(GetObject(in, "ExpressionAttributeNames"),
                  GetObject(in, "ExpressionAttributeValues"));
  if (auto e = ph.CheckShape()) return Fail(*e);
  auto cond = ParseCondition(in, ph, "ConditionExpression", "Expected");
  if (!cond) return Fail(cond.error());
  if (auto e = ph.CheckAllUsed()) return Fail(*e);
  auto t = ItemTable(c, GetString(in, "TableName").value_or(""));
  if (!t) return Fail(t.error());
  return SimpleWrite{*t, std::move(*cond), rv};
}

Result<json::value> DynamoDbService::PutItem(Ctx& c, const In& in) {
  auto w = PrepareSimpleWrite(c, in);
  if (!w) return Fail(w.error());
  Table& table = *w->table;
  std::string_view rv = w->rv;
  const std::optional<Condition>& cond = w->cond;
  const json::object* item_in = GetObject(in, "Item");
  // Copied once, straight into the memory block the table will keep it in.
  void* arena = nullptr;
  static const Item empty_item;
  const Item& src = item_in ? *item_in : empty_item;
  Item item = ArenaCopy(src, ItemBlockBytes(src), &arena);
  if (auto e = CheckItem(table, item)) return Fail(*e);
  Pos pos = PosOf(table.key, item);
  if (Held(table, pos)) return Fail(TransactionConflict());
  auto it = table.items.lower_bound(pos);
  const Item* old_item = it == table.items.end() || it->first != pos ? nullptr : &it->second.item;
  if (cond) {
    static const Item empty;
    auto ok = cond->Evaluate(old_item ? *old_item : empty);
    if (!ok) return Fail(ok.error());
    if (!*ok) return Fail(ConditionFailed(old_item, in));
  }
  json::object out;
  Capacity cap;
  AddWriteCapacity(table, old_item, &item, cap);
  if (auto e = Admit(table, true)) return Fail(*e);
  Consume(table, true, cap.table);
  if (rv == "ALL_OLD" && old_item) out["Attributes"] = *old_item;
  std::optional<json::value> metrics = CollectionMetrics(table, in, item);
  WriteAt(&c, table, it, pos, std::move(item), false, arena);
  AddCapacity(out, in, table.name, cap);
  if (metrics) out["ItemCollectionMetrics"] = std::move(*metrics);
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::GetItem(Ctx& c, const In& in) {
  if (auto e = CheckMixedParameters(in, {"AttributesToGet"}, {"ProjectionExpression"}))
    return Fail(*e);
  Placeholders ph(GetObject(in, "ExpressionAttributeNames"), nullptr);
  if (auto e = ph.CheckShape()) return Fail(*e);
  auto proj = ParseProjection(in, ph);
  if (!proj) return Fail(proj.error());
  if (auto e = ph.CheckAllUsed()) return Fail(*e);
  auto t = ItemTable(c, GetString(in, "TableName").value_or(""));
  if (!t) return Fail(t.error());
  Table& table = **t;
  auto key = CheckKey(table, GetObject(in, "Key"));
  if (!key) return Fail(key.error());
  bool consistent = GetBool(in, "ConsistentRead").value_or(false);
  auto it = table.items.find(PosOf(table.key, *key));
  json::object out;
  Capacity cap;
  cap.read = true;
  cap.table = ReadUnits(it == table.items.end() ? 0 : it->second.size, consistent);
  if (auto e = Admit(table, false)) return Fail(*e);
  Consume(table, false, cap.table);
  if (it != table.items.end()) {
    if (*proj) {
      out["Item"] = (*proj)->Apply(it->second.item);
    } else if (c.protocol == aws::Protocol::Json) {
      // Written as text from the table, no copy of the item (Context::json_output).
      std::string text;
      AppendItemJson(*c.op.output->FindMember("Item")->shape, it->second, text);
      AddCapacity(out, in, table.name, cap);
      c.json_output = aws::CanonicalToJsonTextWith(*c.op.output, out, "Item", text);
      return json::value(std::move(out));
    } else {
      out["Item"] = it->second.item;
    }
  }
  AddCapacity(out, in, table.name, cap);
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::UpdateItem(Ctx& c, const In& in) {
  if (auto e = CheckMixedParameters(in, {"AttributeUpdates", "Expected", "ConditionalOperator"},
                                    {"UpdateExpression", "ConditionExpression"}))
    return Fail(*e);
  std::string_view rv = GetString(in, "ReturnValues").value_or("NONE");
  Placeholders ph(GetObject(in, "ExpressionAttributeNames"),
                  GetObject(in, "ExpressionAttributeValues"));
  if (auto e = ph.CheckShape()) return Fail(*e);
  std::optional<Update> update;
  if (auto text = GetString(in, "UpdateExpression")) {
    auto u = Update::Parse(*text, ph);
    if (!u) return Fail(u.error());
    update = std::move(*u);
  } else if (auto* au = GetObject(in, "AttributeUpdates")) {
    auto u = Update::FromLegacy(*au);
    if (!u) return Fail(u.error());
    update = std::move(*u);
  }
  auto cond = ParseCondition(in, ph, "ConditionExpression", "Expected");
  if (!cond) return Fail(cond.error());
  if (auto e = ph.CheckAllUsed()) return Fail(*e);
  auto t = ItemTable(c, GetString(in, "TableName").value_or(""));
  if (!t) return Fail(t.error());
  Table& table = **t;
  auto key = CheckKey(table, GetObject(in, "Key"));
  if (!key) return Fail(key.error());
  if (update)
    for (const auto& p : update->Targets())
      if (!p.empty() && p[0].index < 0 && table.key.IsKey(p[0].name))
        return Fail(AwsError::Validation(
            "One or more parameter values were invalid: Cannot update attribute " + p[0].name +
            ". This attribute is part of the key"));
  Pos pos = PosOf(table.key, *key);
  if (Held(table, pos)) return Fail(TransactionConflict());
  auto it = table.items.find(pos);
  const Item* old_item = it == table.items.end() ? nullptr : &it->second.item;
  if (*cond) {
    static const Item empty;
    auto ok = (*cond)->Evaluate(old_item ? *old_item : empty);
    if (!ok) return Fail(ok.error());
    if (!*ok) return Fail(ConditionFailed(old_item, in));
  }
  Item item = old_item ? *old_item : *key;
  if (update)
    if (auto e = update->Apply(item)) return Fail(*e);
  if (auto e = CheckIndexKeys(table, item)) return Fail(*e);
  if (ItemSize(item) > 400 * 1024)
    return Fail(AwsError::Validation("Item size to update has exceeded the maximum allowed size"));
  json::object out;
  Capacity cap;
  AddWriteCapacity(table, old_item, &item, cap);
  if (auto e = Admit(table, true)) return Fail(*e);
  Consume(table, true, cap.table);
  static const std::vector<Path> no_paths;
  const auto& targets = update ? update->Targets() : no_paths;
  Item attrs;
  if (rv == "ALL_OLD" && old_item)
    attrs = *old_item;
  else if (rv == "UPDATED_OLD" && old_item)
    attrs = Projection::FromPaths(targets).Apply(*old_item);
  else if (rv == "ALL_NEW")
    attrs = item;
  else if (rv == "UPDATED_NEW")
    attrs = Projection::FromPaths(targets).Apply(item);
  if (!attrs.empty()) out["Attributes"] = std::move(attrs);
  bool changed = !old_item || !ItemsEqual(*old_item, item);
  if (changed) Write(&c, table, pos, std::move(item));
  AddCapacity(out, in, table.name, cap);
  if (auto m = CollectionMetrics(table, in, *key)) out["ItemCollectionMetrics"] = std::move(*m);
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::DeleteItem(Ctx& c, const In& in) {
  auto w = PrepareSimpleWrite(c, in);
  if (!w) return Fail(w.error());
  Table& table = *w->table;
  std::string_view rv = w->rv;
  const std::optional<Condition>& cond = w->cond;
  auto key = CheckKey(table, GetObject(in, "Key"));
  if (!key) return Fail(key.error());
  Pos pos = PosOf(table.key, *key);
  if (Held(table, pos)) return Fail(TransactionConflict());
  auto it = table.items.find(pos);
  const Item* old_item = it == table.items.end() ? nullptr : &it->second.item;
  if (cond) {
    static const Item empty;
    auto ok = cond->Evaluate(old_item ? *old_item : empty);
    if (!ok) return Fail(ok.error());
    if (!*ok) return Fail(ConditionFailed(old_item, in));
  }
  json::object out;
  Capacity cap;
  AddWriteCapacity(table, old_item, nullptr, cap);
  if (auto e = Admit(table, true)) return Fail(*e);
  Consume(table, true, cap.table);
  if (rv == "ALL_OLD" && old_item) out["Attributes"] = *old_item;
  if (old_item) Write(&c, table, pos, std::nullopt);
  AddCapacity(out, in, table.name, cap);
  if (auto m = CollectionMetrics(table, in, *key)) out["ItemCollectionMetrics"] = std::move(*m);
  return json::value(std::move(out));
}

}  // namespace stratus::dynamodb
