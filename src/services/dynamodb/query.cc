// Query and Scan on tables and secondary indexes. Both walk an ordered map between two
// iterators found by binary search, so a page costs O(log n + page) whatever the table's size.
#include <boost/json/monotonic_resource.hpp>

#include "aws/protocol/codec.h"
#include "services/dynamodb/dynamodb.h"
#include "services/dynamodb/items.h"

namespace stratus::dynamodb {

namespace {

constexpr size_t kPageBytes = 1024 * 1024;

// Bounds on the encoded sort key of one partition.
struct RangeBounds {
  std::optional<std::string> lo, hi;
  bool lo_incl = true, hi_incl = true;
  std::optional<std::string> prefix;
};

std::string Successor(std::string s) {  // smallest string greater than every extension of s
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return s;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

// Where a walk over one map starts and stops, in the map's own key type.
template <typename K>
struct Span {
  std::optional<K> first, last;  // nullopt: map begin / map end
};

Pos P(uint64_t h, const std::string& hk, std::string rk) { return Pos{h, hk, std::move(rk)}; }

template <typename K>
K Make(const Pos& p);
template <>
Pos Make<Pos>(const Pos& p) {
  return p;
}
template <>
IndexPos Make<IndexPos>(const Pos& p) {
  return IndexPos{p, "", ""};
}

template <typename K>
Span<K> PartitionSpan(uint64_t h, const std::string& hk, const RangeBounds& b) {
  Span<K> s;
  if (b.prefix)
    s.first = Make<K>(P(h, hk, *b.prefix));
  else if (b.lo)
    s.first = Make<K>(P(h, hk, b.lo_incl ? *b.lo : *b.lo + '\0'));
  else
    s.first = Make<K>(P(h, hk, ""));
  if (b.prefix) {
    std::string succ = Successor(*b.prefix);
    s.last = succ.empty() ? Make<K>(P(h, hk + '\0', "")) : Make<K>(P(h, hk, succ));
  } else if (b.hi) {
    s.last = Make<K>(P(h, hk, b.hi_incl ? *b.hi + '\0' : *b.hi));
  } else {
    s.last = Make<K>(P(h, hk + '\0', ""));
  }
  return s;
}

template <typename K>
Span<K> SegmentSpan(int64_t segment, int64_t total) {
  Span<K> s;
  if (total <= 1) return s;
  auto at = [&](int64_t i) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(i) << 64) /
                                 static_cast<unsigned __int128>(total));
  };
  if (segment > 0) s.first = Make<K>(Pos{at(segment), "", ""});
  if (segment + 1 < total) s.last = Make<K>(Pos{at(segment + 1), "", ""});
  return s;
}

ItemMap::iterator Target(ItemMap::iterator it) { return it; }
ItemMap::iterator Target(std::map<IndexPos, ItemMap::iterator>::iterator it) { return it->second; }

// Walks map entries in [span.first, span.last) forward or backward, after `start` when given,
// calling visit(item iterator) until it returns false.
template <typename Map, typename K, typename Visit>
void Walk(Map& m, const Span<K>& span, const std::optional<K>& start, bool forward, Visit&& visit) {
  if (forward) {
    // One descent: the end is checked on the way (a page usually stops long before it), which
    // on a large table saves a second walk from the root through uncached nodes.
    auto it = span.first ? m.lower_bound(*span.first) : m.begin();
    if (it == m.end()) return;
    if (start) {
      auto s = m.upper_bound(*start);
      if (s == m.end()) return;
      if (it->first < s->first) it = s;  // else the start lies before the span
    }
    // A table laid out in key order (LayOutForReads) keeps consecutive map nodes, and the
    // items' texts, at a steady stride: what the walk will reach a few steps on is asked for
    // at that stride, so a page of a table far larger than the cache streams from memory
    // instead of stalling on each node. Where the layout is not regular this fetches in vain.
    // (Addresses as integers: the guesses may point anywhere, which a prefetch allows.)
    constexpr uintptr_t kAhead = 16;
    auto ahead = [](uintptr_t at, uintptr_t prev) {
      return reinterpret_cast<const void*>(at + (at - prev) * kAhead);
    };
    uintptr_t prev_node = 0, prev_text = 0;
    for (; it != m.end() && (!span.last || it->first < *span.last); ++it) {
      auto target = Target(it);
      auto node = reinterpret_cast<uintptr_t>(&*it);
      auto text = reinterpret_cast<uintptr_t>(target->second.text.data());
      if (prev_node) {
        __builtin_prefetch(ahead(node, prev_node));
        __builtin_prefetch(ahead(node + 127, prev_node + 127));
      }
      if (text && prev_text) __builtin_prefetch(ahead(text, prev_text));
      prev_node = node;
      prev_text = text;
      if (!visit(target)) return;
    }
    return;
  }
  auto first = span.first ? m.lower_bound(*span.first) : m.begin();
  auto last = span.last ? m.lower_bound(*span.last) : m.end();
  if (first != m.end() && last != m.end() && last->first < first->first) return;
  if (first == m.end()) return;
  if (start) {
    if (forward) {
      auto s = m.upper_bound(*start);
      if (s == m.end() || (last != m.end() && !(s->first < last->first))) return;
      if (first->first < s->first) first = s;
    } else {
      auto s = m.lower_bound(*start);
      if (s != m.end() && (last == m.end() || s->first < last->first)) last = s;
    }
  }
  if (forward) {
    for (auto it = first; it != last; ++it)
      if (!visit(Target(it))) return;
  } else {
    auto it = last;
    while (it != first) {
      --it;
      if (!visit(Target(it))) return;
    }
  }
}

// Walks a laid-out partition's read run as Walk walks the map: the entries of `span` (which
// lies in the run's partition `hk`, its end possibly the partition's end), after `start`
// (in the same partition) when given, calling visit(entry) until it returns false. `expect`:
// how many entries the page will likely read (its Limit), what is fetched ahead.
template <typename Visit>
void WalkRun(const ReadRun& run, const std::string& hk, const Span<Pos>& span,
             const std::optional<Pos>& start, bool forward, size_t expect, Visit&& visit) {
  size_t lo = span.first ? run.Bound(span.first->rk, false) : 0;
  size_t hi = span.last && span.last->hk == hk ? run.Bound(span.last->rk, false) : run.entries.size();
  if (start) {
    if (forward)
      lo = std::max(lo, run.Bound(start->rk, true));
    else
      hi = std::min(hi, run.Bound(start->rk, false));
  }
  if (lo >= hi) return;
  const auto* e = run.entries.data();
  // The page's entries, and its texts (in key order in the slabs, about text_avg bytes each,
  // from the first entry's on, or up to the last's going backward), are asked for at once: their
  // cache misses overlap instead of coming one after another as the walk reaches them.
  {
    size_t n = std::min(hi - lo, expect);
    const ReadRun::Entry* a = e + (forward ? lo : hi - n);
    auto line = [](uintptr_t p) { return p & ~uintptr_t{63}; };
    for (uintptr_t p = line(reinterpret_cast<uintptr_t>(a)),
                   end = reinterpret_cast<uintptr_t>(a + n);
         p < end; p += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(p));
    size_t bytes = std::min<size_t>(n * run.text_avg + n * run.text_avg / 4, 128 * 1024);
    const ReadRun::Entry& anchor = forward ? e[lo] : e[hi - 1];
    uintptr_t at = reinterpret_cast<uintptr_t>(anchor.text);
    uintptr_t from = forward ? at : at + anchor.text_len - std::min<uintptr_t>(bytes, at);
    for (uintptr_t p = line(from); p < from + bytes; p += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(p));
  }
  constexpr size_t kAhead = 8;
  if (forward) {
    for (size_t i = lo; i < hi; ++i) {
      if (i + kAhead < hi) __builtin_prefetch(e[i + kAhead].text);
      if (!visit(e[i])) return;
    }
  } else {
    for (size_t i = hi; i > lo; --i) {
      if (i > lo + kAhead) __builtin_prefetch(e[i - 1 - kAhead].text);
      if (!visit(e[i - 1])) return;
    }
  }
}

const std::string kBadStart =
    "The provided starting key is invalid: The provided key element does not match the schema";

}  // namespace

namespace {

struct ReadPlan {
  Table* table = nullptr;
  Index* index = nullptr;
  std::string select;
  std::optional<Condition> filter;
  std::optional<Projection> projection;
  bool consistent = false;
  int64_t limit = 0;  // 0: none
  bool forward = true;
};

// Common checks of Query and Scan: index, Select, ConsistentRead.
std::optional<AwsError> PlanRead(DynamoDbService& svc, Table& t, const json::object& in,
                                 Placeholders& ph, std::string_view filter_legacy, ReadPlan& plan) {
  plan.table = &t;
  if (auto name = GetString(in, "IndexName")) {
    plan.index = t.FindIndex(*name);
    if (!plan.index)
      return AwsError::Validation("The table does not have the specified index: " +
                                  std::string(*name));
  }
  plan.consistent = GetBool(in, "ConsistentRead").value_or(false);
  if (plan.consistent && plan.index && plan.index->global)
    return AwsError::Validation("Consistent reads are not supported on global secondary indexes");
  auto f = ParseCondition(in, ph, "FilterExpression", filter_legacy);
  if (!f) return f.error();
  plan.filter = std::move(*f);
  auto p = ParseProjection(in, ph);
  if (!p) return p.error();
  plan.projection = std::move(*p);
  auto select = GetString(in, "Select");
  if (select) {
    plan.select = std::string(*select);
    if (plan.projection && plan.select != "SPECIFIC_ATTRIBUTES")
      return AwsError::Validation(
          in.contains("ProjectionExpression")
              ? "Cannot specify the ProjectionExpression when choosing to get " + plan.select
              : "Cannot specify the AttributesToGet when choosing to get " + plan.select);
    if (!plan.projection && plan.select == "SPECIFIC_ATTRIBUTES")
      return AwsError::Validation(
          "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires "
          "AttributesToGet or "
          "ProjectionExpression");
    if (plan.select == "ALL_PROJECTED_ATTRIBUTES" && !plan.index)
      return AwsError::Validation(
          "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    if (plan.select == "ALL_ATTRIBUTES" && plan.index && plan.index->global &&
        plan.index->projection_type != "ALL")
      return AwsError::Validation(
          "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "
          "for "
          "global secondary index " +
          plan.index->name + " because its projection type is not ALL");
  } else {
    plan.select = plan.projection ? "SPECIFIC_ATTRIBUTES"
                  : plan.index    ? "ALL_PROJECTED_ATTRIBUTES"
                                  : "ALL_ATTRIBUTES";
  }
  plan.limit = GetInt(in, "Limit").value_or(0);
  plan.forward = GetBool(in, "ScanIndexForward").value_or(true);
  return std::nullopt;
}

// The exclusive start position; its key must name the table's (and index's) key attributes.
template <typename K>
Result<std::optional<K>> StartOf(const ReadPlan& plan, const json::object& in);

bool HasKeyAttrs(const KeySchema& k, const json::object& key) {
  auto typed = [&](const KeyAttr& a) {
    auto* v = Find(key, a.name);
    return v && v->is_object() && v->get_object().size() == 1 &&
           v->get_object().begin()->key() == a.type;
  };
  return typed(k.hash) && (!k.range || typed(*k.range));
}

template <>
Result<std::optional<Pos>> StartOf<Pos>(const ReadPlan& plan, const json::object& in) {
  auto* esk = GetObject(in, "ExclusiveStartKey");
  if (!esk) return std::optional<Pos>();
  if (!HasKeyAttrs(plan.table->key, *esk) || esk->size() != (plan.table->key.range ? 2u : 1u))
    return Fail(AwsError::Validation(kBadStart));
  Item k = *esk;
  for (auto& [n, v] : k)
    if (auto e = ValidateValue(v)) return Fail(*e);
  return std::optional<Pos>(DynamoDbService::PosOf(plan.table->key, k));
}

template <>
Result<std::optional<IndexPos>> StartOf<IndexPos>(const ReadPlan& plan, const json::object& in) {
  auto* esk = GetObject(in, "ExclusiveStartKey");
  if (!esk) return std::optional<IndexPos>();
  if (!HasKeyAttrs(plan.table->key, *esk) || !HasKeyAttrs(plan.index->key, *esk))
    return Fail(AwsError::Validation(kBadStart));
  Item k = *esk;
  for (auto& [n, v] : k)
    if (auto e = ValidateValue(v)) return Fail(*e);
  Pos tp = DynamoDbService::PosOf(plan.table->key, k);
  return std::optional<IndexPos>(
      IndexPos{DynamoDbService::PosOf(plan.index->key, k), tp.hk, tp.rk});
}

// Reads one page and renders Query's / Scan's output.
// With the JSON protocol the page's items are written as JSON text straight from the table
// (aws::Context::json_output): a hundred items cost no copy into a response tree.
// A Query of a laid-out partition passes its read run (`run`, partition `hk`) and reads the
// items from it, touching a map node only where it needs the item itself.
template <typename Map, typename K>
Result<json::value> ReadPage(DynamoDbService& svc, aws::Context& c, const ReadPlan& plan, Map& m,
                             const Span<K>& span, const json::object& in,
                             const ReadRun* run = nullptr, const std::string* hk = nullptr) {
  if (auto e = svc.Admit(*plan.table, false)) return Fail(*e);
  auto start = StartOf<K>(plan, in);
  if (!start) return Fail(start.error());
  const Table& t = *plan.table;
  const Index* ix = plan.index;
  // The page is built in one arena of its own: copying a hundred items costs bump allocations
  // instead of a malloc per value, and the gateway frees it in one go after encoding.
  json::storage_ptr page = json::make_shared_resource<json::monotonic_resource>(64 * 1024);
  json::array items(page);
  size_t count = 0, scanned = 0, bytes = 0;
  std::optional<Item> last_key;
  bool count_only = plan.select == "COUNT";
  const aws::Shape* item_shape = nullptr;
  if (c.protocol == aws::Protocol::Json && !count_only && c.op.output)
    if (const aws::MemberRef* m = c.op.output->FindMember("Items")) item_shape = m->shape->member.shape;
  std::string text;
  if (item_shape) text.push_back('[');
  Result<bool> failed = true;
  // One item of the page: its node (read only when the item itself is needed), its kept text
  // (empty: none) and size.
  auto visit = [&](ItemMap::iterator it, std::string_view kept_text, size_t size) {
    const Item& full = it->second.item;
    // An index serves what it projects; an LSI fetches the rest from the table when asked.
    bool fetch_full = !ix || ix->projection_type == "ALL" || plan.select == "ALL_ATTRIBUTES" ||
                      (!ix->global && plan.select == "SPECIFIC_ATTRIBUTES");
    Item projected_store;
    const Item* view = &full;
    if (!fetch_full) {
      projected_store = ix->Project(full, t.key);
      view = &projected_store;
    }
    ++scanned;
    bytes += fetch_full ? size : ItemSize(*view);
    bool keep = true;
    if (plan.filter) {
      auto ok = plan.filter->Evaluate(*view);
      if (!ok) {
        failed = Fail(ok.error());
        return false;
      }
      keep = *ok;
    }
    if (keep) {
      ++count;
      if (item_shape) {
        if (text.size() > 1) text.push_back(',');
        if (plan.projection)
          aws::AppendCanonicalJson(*item_shape, plan.projection->Apply(*view), text);
        else if (view == &full && !kept_text.empty())
          text += kept_text;
        else
          aws::AppendCanonicalJson(*item_shape, *view, text);
      } else if (!count_only) {
        if (plan.projection)
          items.emplace_back(plan.projection->Apply(*view));
        else
          items.emplace_back(*view);
      }
    }
    if ((plan.limit > 0 && static_cast<int64_t>(scanned) >= plan.limit) || bytes >= kPageBytes) {
      // From the item's text when it has one: it was just copied, the item was not read.
      std::optional<Item> parsed;
      if (!kept_text.empty()) parsed = ParseItemText(kept_text);
      const Item& src = parsed ? *parsed : full;
      Item k = DynamoDbService::KeyOf(t.key, src);
      if (ix)
        for (auto& [n, v] : DynamoDbService::KeyOf(ix->key, src)) k[n] = v;
      last_key = std::move(k);
      return false;
    }
    return true;
  };
  bool walked = false;
  if constexpr (std::is_same_v<K, Pos>) {
    if (run && (!*start || ((*start)->h == span.first->h && (*start)->hk == *hk))) {
      size_t expect = plan.limit > 0 ? static_cast<size_t>(plan.limit) : 128;
      WalkRun(*run, *hk, span, *start, plan.forward, expect, [&](const ReadRun::Entry& e) {
        return visit(e.it, std::string_view(e.text, e.text_len), e.size);
      });
      walked = true;
    }
  }
  if (!walked)
    Walk(m, span, *start, plan.forward, [&](ItemMap::iterator it) {
      return visit(it, it->second.text, it->second.size);
    });
  if (!failed) return Fail(failed.error());
  json::object out(page);
  if (!count_only && !item_shape) out["Items"] = std::move(items);
  out["Count"] = count;
  out["ScannedCount"] = scanned;
  if (last_key) out["LastEvaluatedKey"] = std::move(*last_key);
  DynamoDbService::Capacity cap;
  cap.read = true;
  double units = DynamoDbService::ReadUnits(bytes, plan.consistent);
  svc.Consume(*plan.table, false, units);
  if (ix)
    (ix->global ? cap.gsi : cap.lsi)[ix->name] = units;
  else
    cap.table = units;
  if (auto v = DynamoDbService::CapacityJson(
          GetString(in, "ReturnConsumedCapacity").value_or("NONE"), t.name, cap))
    out["ConsumedCapacity"] = std::move(*v);
  if (item_shape) {
    text.push_back(']');
    c.json_output = aws::CanonicalToJsonTextWith(*c.op.output, out, "Items", text);
  }
  return json::value(std::move(out));
}

std::string_view ScalarType(const json::value& v) {
  if (!v.is_object() || v.get_object().size() != 1) return "";
  return v.get_object().begin()->key();
}

}  // namespace

Result<json::value> DynamoDbService::Query(Ctx& c, const In& in) {
  if (auto e = CheckMixedParameters(
          in, {"KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator"},
          {"KeyConditionExpression", "FilterExpression", "ProjectionExpression"}))
    return Fail(*e);
  if (!in.contains("KeyConditionExpression") && !in.contains("KeyConditions"))
    return Fail(
        AwsError::Validation("Either the KeyConditions or KeyConditionExpression parameter must be "
                             "specified in the request."));
  auto t = ItemTable(c, GetString(in, "TableName").value_or(""));
  if (!t) return Fail(t.error());
  Table& table = **t;
  LayOutForReads(table);
  Placeholders ph(GetObject(in, "ExpressionAttributeNames"),
                  GetObject(in, "ExpressionAttributeValues"));
  if (auto e = ph.CheckShape()) return Fail(*e);
  ReadPlan plan;
  if (auto name = GetString(in, "IndexName"); name && !table.FindIndex(*name))
    return Fail(
        AwsError::Validation("The table does not have the specified index: " + std::string(*name)));
  const KeySchema& ks =
      GetString(in, "IndexName") ? table.FindIndex(*GetString(in, "IndexName"))->key : table.key;
  std::string range_name = ks.range ? ks.range->name : "";
  Result<KeyCondition> kc =
      in.contains("KeyConditionExpression")
          ? KeyCondition::Parse(*GetString(in, "KeyConditionExpression"), ph, ks.hash.name,
                                range_name)
          : KeyCondition::FromLegacy(*GetObject(in, "KeyConditions"), ks.hash.name, range_name);
  if (!kc) return Fail(kc.error());
  if (auto e = PlanRead(*this, table, in, ph, "QueryFilter", plan)) return Fail(*e);
  // A Query filter may not read the key attributes of what it queries.
  if (plan.filter)
    for (const auto& name : plan.filter->TopLevelNames())
      if (ks.IsKey(name))
        return Fail(AwsError::Validation(
            std::string(in.contains("QueryFilter") ? "QueryFilter" : "Filter Expression") +
            " can only contain non-primary key attributes: Primary key attribute: " + name));
  if (auto e = ph.CheckAllUsed()) return Fail(*e);
  const std::string mismatch =
      "One or more parameter values were invalid: Condition parameter type does not match schema "
      "type";
  json::value hv = kc->hash_value;
  if (auto e = ValidateValue(hv)) return Fail(*e);
  if (ScalarType(hv) != ks.hash.type) return Fail(AwsError::Validation(mismatch));
  if (const auto& inner = hv.get_object().begin()->value();
      inner.is_string() && inner.get_string().empty())
    return Fail(AwsError::Validation(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
        "contain an empty " +
        std::string(ks.hash.type == "S" ? "string" : "binary") + " value. Key: " + ks.hash.name));
  RangeBounds b;
  if (kc->op != KeyCondition::Op::kNone && !ks.range)
    return Fail(AwsError::Validation("Query key condition not supported"));
  if (kc->op != KeyCondition::Op::kNone) {
    json::value v1 = kc->v1, v2 = kc->v2;
    if (auto e = ValidateValue(v1)) return Fail(*e);
    if (ScalarType(v1) != ks.range->type) return Fail(AwsError::Validation(mismatch));
    std::string e1 = EncodeKeyValue(v1);
    using Op = KeyCondition::Op;
    switch (kc->op) {
      case Op::kEq:
        b.lo = b.hi = e1;
        break;
      case Op::kLt:
        b.hi = e1, b.hi_incl = false;
        break;
      case Op::kLe:
        b.hi = e1;
        break;
      case Op::kGt:
        b.lo = e1, b.lo_incl = false;
        break;
      case Op::kGe:
        b.lo = e1;
        break;
      case Op::kBetween: {
        if (auto e = ValidateValue(v2)) return Fail(*e);
        if (ScalarType(v2) != ks.range->type) return Fail(AwsError::Validation(mismatch));
        auto order = CompareScalars(v1, v2);
        if (order && *order == std::strong_ordering::greater)
          return Fail(AwsError::Validation(
              "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
              "greater than or equal "
              "to lower bound; lower bound operand: AttributeValue: {" +
              std::string(ScalarType(v1)) + ":" +
              std::string(v1.get_object().begin()->value().get_string()) +
              "}, upper bound operand: AttributeValue: {" + std::string(ScalarType(v2)) + ":" +
              std::string(v2.get_object().begin()->value().get_string()) + "}"));
        b.lo = e1;
        b.hi = EncodeKeyValue(v2);
        break;
      }
      case Op::kBeginsWith:
        if (ks.range->type == "N")
          return Fail(
              AwsError::Validation("Invalid KeyConditionExpression: Incorrect operand type for "
                                   "operator or function; operator or "
                                   "function: begins_with, operand type: N"));
        b.prefix = e1;
        break;
      case Op::kNone:
        break;
    }
  }
  std::string hk = EncodeKeyValue(hv);
  uint64_t h = PartitionHash(hk);
  if (plan.index)
    return ReadPage(*this, c, plan, plan.index->entries, PartitionSpan<IndexPos>(h, hk, b), in);
  return ReadPage(*this, c, plan, table.items, PartitionSpan<Pos>(h, hk, b), in,
                  table.FindRun(h, hk), &hk);
}

Result<json::value> DynamoDbService::Scan(Ctx& c, const In& in) {
  if (auto e = CheckMixedParameters(in, {"ScanFilter", "AttributesToGet", "ConditionalOperator"},
                                    {"FilterExpression", "ProjectionExpression"}))
    return Fail(*e);
  auto segment = GetInt(in, "Segment");
  auto total = GetInt(in, "TotalSegments");
  if (segment && !total)
    return Fail(
        AwsError::Validation("The TotalSegments parameter is required but was not present in the "
                             "request when Segment parameter is present"));
  if (total && !segment)
    return Fail(
        AwsError::Validation("The Segment parameter is required but was not present in the request "
                             "when parameter TotalSegments is present"));
  if (segment && *segment >= *total)
    return Fail(AwsError::Validation(
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: " +
        std::to_string(*segment) + " is not less than TotalSegments: " + std::to_string(*total)));
  auto t = ItemTable(c, GetString(in, "TableName").value_or(""));
  if (!t) return Fail(t.error());
  Table& table = **t;
  LayOutForReads(table);
  Placeholders ph(GetObject(in, "ExpressionAttributeNames"),
                  GetObject(in, "ExpressionAttributeValues"));
  if (auto e = ph.CheckShape()) return Fail(*e);
  ReadPlan plan;
  if (auto e = PlanRead(*this, table, in, ph, "ScanFilter", plan)) return Fail(*e);
  if (auto e = ph.CheckAllUsed()) return Fail(*e);
  plan.forward = true;
  int64_t seg = segment.value_or(0), tot = total.value_or(1);
  if (plan.index)
    return ReadPage(*this, c, plan, plan.index->entries, SegmentSpan<IndexPos>(seg, tot), in);
  return ReadPage(*this, c, plan, table.items, SegmentSpan<Pos>(seg, tot), in);
}

}  // namespace stratus::dynamodb
