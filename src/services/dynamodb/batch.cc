// BatchGetItem and BatchWriteItem: every request is checked before any item is read or
// written; nothing is left unprocessed except past BatchGetItem's 16 MB response limit and
// BatchWriteItem's requests for items a transaction holds.
#include <boost/json/monotonic_resource.hpp>

#include <set>

#include "aws/protocol/codec.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/items.h"

namespace stratus::dynamodb {

Result<json::value> DynamoDbService::BatchGetItem(Ctx& c, const In& in) {
  const json::object* req = GetObject(in, "RequestItems");
  if (!req || req->empty())
    return Fail(AwsError::Validation(
        "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"));
  size_t total = 0;
  for (const auto& [name, spec] : *req)
    if (spec.is_object())
      if (auto* keys = GetArray(spec.get_object(), "Keys")) total += keys->size();
  if (total > 100)
    return Fail(AwsError::Validation("Too many items requested for the BatchGetItem call"));
  struct Plan {
    Table* table;
    std::vector<Item> keys;
    std::optional<Projection> projection;
    bool consistent;
  };
  std::vector<std::pair<std::string, Plan>> plans;
  for (const auto& [name, spec] : *req) {
    if (!spec.is_object()) continue;
    const auto& s = spec.get_object();
    if (auto e = CheckMixedParameters(s, {"AttributesToGet"}, {"ProjectionExpression"}))
      return Fail(*e);
    Placeholders ph(GetObject(s, "ExpressionAttributeNames"), nullptr);
    if (auto e = ph.CheckShape()) return Fail(*e);
    auto proj = ParseProjection(s, ph);
    if (!proj) return Fail(proj.error());
    if (auto e = ph.CheckAllUsed()) return Fail(*e);
    auto t = ItemTable(c, name);
    if (!t) return Fail(t.error());
    Plan p{*t, {}, std::move(*proj), GetBool(s, "ConsistentRead").value_or(false)};
    std::set<Pos> seen;
    if (auto* keys = GetArray(s, "Keys"))
      for (const auto& kv : *keys) {
        auto key = CheckKey(**t, kv.is_object() ? &kv.get_object() : nullptr);
        if (!key) return Fail(key.error());
        if (!seen.insert(PosOf((*t)->key, *key)).second)
          return Fail(AwsError::Validation("Provided list of item keys contains duplicates"));
        p.keys.push_back(std::move(*key));
      }
    plans.emplace_back(std::string(name), std::move(p));
  }
  // Responses are built in one arena (see ReadPage in query.cc), or, with the JSON protocol,
  // written as text straight from the tables (Context::json_output).
  json::storage_ptr page = json::make_shared_resource<json::monotonic_resource>(64 * 1024);
  json::object responses(page), unprocessed;
  const aws::Shape* item_shape = nullptr;
  if (c.protocol == aws::Protocol::Json && c.op.output)
    if (const aws::MemberRef* m = c.op.output->FindMember("Responses"))
      item_shape = m->shape->value.shape->member.shape;
  std::string text = "{";
  json::array capacity;
  size_t bytes = 0;
  constexpr size_t kLimit = 16 * 1024 * 1024;
  for (auto& [name, p] : plans) {
    json::array items(page);
    json::array left;
    if (item_shape) {
      if (text.size() > 1) text += ',';
      text += '"' + name + "\":[";  // table names need no escaping
    }
    bool first = true;
    Capacity cap;
    cap.read = true;
    for (auto& key : p.keys) {
      if (bytes >= kLimit) {
        left.emplace_back(std::move(key));
        continue;
      }
      auto it = p.table->items.find(PosOf(p.table->key, key));
      cap.table += ReadUnits(it == p.table->items.end() ? 0 : it->second.size, p.consistent);
      if (it == p.table->items.end()) continue;
      bytes += it->second.size;
      if (item_shape) {
        if (!first) text += ',';
        if (p.projection)
          aws::AppendCanonicalJson(*item_shape, p.projection->Apply(it->second.item), text);
        else
          AppendItemJson(*item_shape, it->second, text);
      } else if (p.projection) {
        items.emplace_back(p.projection->Apply(it->second.item));
      } else {
        items.emplace_back(it->second.item);
      }
      first = false;
    }
    if (item_shape)
      text += ']';
    else
      responses[name] = std::move(items);
    if (!left.empty()) {
      json::object spec = GetObject(*req, name)->size() ? *GetObject(*req, name) : json::object();
      spec["Keys"] = std::move(left);
      unprocessed[name] = std::move(spec);
    }
    if (auto v = CapacityJson(GetString(in, "ReturnConsumedCapacity").value_or("NONE"), name, cap))
      capacity.emplace_back(std::move(*v));
  }
  json::object out{{"UnprocessedKeys", std::move(unprocessed)}};
  if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
  if (item_shape) {
    text += '}';
    c.json_output = aws::CanonicalToJsonTextWith(*c.op.output, out, "Responses", text);
  } else {
    out["Responses"] = std::move(responses);
  }
  return json::value(std::move(out));
}

Result<json::value> DynamoDbService::BatchWriteItem(Ctx& c, const In& in) {
  const json::object* req = GetObject(in, "RequestItems");
  if (!req || req->empty())
    return Fail(AwsError::Validation(
        "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"));
  size_t total = 0;
  for (const auto& [name, list] : *req)
    if (list.is_array()) total += list.get_array().size();
  if (total > 25)
    return Fail(AwsError::Validation("Too many items requested for the BatchWriteItem call"));
  struct Op {
    Table* table;
    Pos pos;
    std::optional<Item> item;  // put; nullopt: delete
    Item key;
    std::string_view request_table;  // the RequestItems key (a name or an ARN)
    const json::value* request;      // the WriteRequest, for UnprocessedItems
  };
  std::vector<Op> ops;
  for (const auto& [name, list] : *req) {
    auto t = ItemTable(c, name);
    if (!t) return Fail(t.error());
    std::set<Pos> seen;
    if (!list.is_array()) continue;
    for (const auto& wv : list.get_array()) {
      if (!wv.is_object()) continue;
      const auto& w = wv.get_object();
      const json::object* put = GetObject(w, "PutRequest");
      const json::object* del = GetObject(w, "DeleteRequest");
      if ((put != nullptr) == (del != nullptr))
        return Fail(
            AwsError::Validation("One or more parameter values were invalid: A WriteRequest must "
                                 "contain exactly one of PutRequest or DeleteRequest"));
      Op op{*t, {}, std::nullopt, {}, name, &wv};
      if (put) {
        const json::object* item_in = GetObject(*put, "Item");
        Item item = item_in ? *item_in : Item();
        if (auto e = CheckItem(**t, item)) return Fail(*e);
        op.pos = PosOf((*t)->key, item);
        op.key = KeyOf((*t)->key, item);
        op.item = std::move(item);
      } else {
        auto key = CheckKey(**t, GetObject(*del, "Key"));
        if (!key) return Fail(key.error());
        op.pos = PosOf((*t)->key, *key);
        op.key = std::move(*key);
      }
      if (!seen.insert(op.pos).second)
        return Fail(AwsError::Validation("Provided list of item keys contains duplicates"));
      ops.push_back(std::move(op));
    }
  }
  std::map<std::string, Capacity> caps;
  json::object metrics, unprocessed;
  for (auto& op : ops) {
    if (Held(*op.table, op.pos)) {
      // A request that meets a transaction in flight fails on its own; AWS returns failed
      // requests of a batch in UnprocessedItems (BatchWriteItem API reference).
      auto& list = unprocessed[op.request_table];
      if (!list.is_array()) list = json::array();
      list.get_array().push_back(*op.request);
      continue;
    }
    auto it = op.table->items.find(op.pos);
    const Item* old_item = it == op.table->items.end() ? nullptr : &it->second.item;
    AddWriteCapacity(*op.table, old_item, op.item ? &*op.item : nullptr, caps[op.table->name]);
    if (auto m = CollectionMetrics(*op.table, in, op.key)) {
      auto& list = metrics[op.table->name];
      if (!list.is_array()) list = json::array();
      list.get_array().emplace_back(std::move(*m));
    }
    if (op.item || old_item) Write(&c, *op.table, op.pos, std::move(op.item));
  }
  json::object out{{"UnprocessedItems", std::move(unprocessed)}};
  if (!metrics.empty()) out["ItemCollectionMetrics"] = std::move(metrics);
  json::array capacity;
  for (const auto& [name, cap] : caps)
    if (auto v = CapacityJson(GetString(in, "ReturnConsumedCapacity").value_or("NONE"), name, cap))
      capacity.emplace_back(std::move(*v));
  if (!capacity.empty()) out["ConsumedCapacity"] = std::move(capacity);
  return json::value(std::move(out));
}

}  // namespace stratus::dynamodb
