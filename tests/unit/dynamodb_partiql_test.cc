// PartiQL for DynamoDB: statements, literals, parameters, WHERE evaluation and errors.
#include "services/dynamodb/partiql.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace stratus::dynamodb {
namespace {

json::value J(std::string_view text) { return json::parse(text); }
Item I(std::string_view text) { return json::parse(text).get_object(); }

Statement P(std::string_view text, std::string_view params = "") {
  json::array arr;
  if (!params.empty()) arr = J(params).get_array();
  auto st = Statement::Parse(text, params.empty() ? nullptr : &arr);
  EXPECT_TRUE(st) << text << ": " << (st ? "" : st.error().message);
  return st ? std::move(*st) : Statement{};
}
std::string Err(std::string_view text, std::string_view params = "") {
  json::array arr;
  if (!params.empty()) arr = J(params).get_array();
  auto st = Statement::Parse(text, params.empty() ? nullptr : &arr);
  return st ? "ok" : st.error().message;
}
bool Where(const Statement& st, std::string_view item) {
  if (!st.where) return false;
  auto r = st.where->Evaluate(I(item));
  return r && *r;
}

TEST(DynamoDbPartiql, SelectStar) {
  Statement st = P(R"(SELECT * FROM "Music" WHERE Artist = 'Acme' AND SongTitle > 'B')");
  EXPECT_EQ(st.kind, Statement::Kind::kSelect);
  EXPECT_EQ(st.table, "Music");
  EXPECT_TRUE(st.index.empty());
  EXPECT_FALSE(st.projection);
  ASSERT_EQ(st.key_equalities.size(), 1u);
  EXPECT_EQ(st.key_equalities[0].first, "Artist");
  EXPECT_EQ(st.key_equalities[0].second, J(R"({"S":"Acme"})"));
  EXPECT_TRUE(Where(st, R"({"Artist":{"S":"Acme"},"SongTitle":{"S":"Call"}})"));
  EXPECT_FALSE(Where(st, R"({"Artist":{"S":"Acme"},"SongTitle":{"S":"A"}})"));
}

TEST(DynamoDbPartiql, SelectProjectionIndexAndOrder) {
  Statement st = P(R"(select a, "b".c, l[1] from "T"."byB" where b.c = ? order by s desc)",
                   R"([{"N":"1"}])");
  EXPECT_EQ(st.table, "T");
  EXPECT_EQ(st.index, "byB");
  ASSERT_TRUE(st.projection);
  EXPECT_EQ(st.projection->TopLevelNames(), (std::vector<std::string>{"a", "b", "l"}));
  EXPECT_EQ(st.order_by, "s");
  EXPECT_TRUE(st.descending);
  EXPECT_TRUE(st.key_equalities.empty());  // nested path is no key term
  EXPECT_TRUE(Where(st, R"({"b":{"M":{"c":{"N":"1.0"}}}})"));
  Statement plain = P("SELECT * FROM Music");
  EXPECT_FALSE(plain.where);
}

TEST(DynamoDbPartiql, WhereOperators) {
  const char* item = R"({"n":{"N":"5"},"s":{"S":"hello"},"ss":{"SS":["a"]},"z":{"NULL":true}})";
  auto where = [&](std::string_view w) {
    return Where(P("SELECT * FROM t WHERE " + std::string(w)), item);
  };
  EXPECT_TRUE(where("n BETWEEN 1 AND 5"));
  EXPECT_TRUE(where("n IN [4, 5]"));
  EXPECT_TRUE(where("n IN (4, 5)"));
  EXPECT_TRUE(where("n <> 4 AND n != 3"));
  EXPECT_TRUE(where("n >= -1 OR n < 0"));
  EXPECT_TRUE(where("begins_with(s, 'he')"));
  EXPECT_TRUE(where("contains(ss, 'a')"));
  EXPECT_TRUE(where("attribute_type(s, 'S')"));
  EXPECT_TRUE(where("x IS MISSING"));
  EXPECT_TRUE(where("n IS NOT MISSING"));
  EXPECT_TRUE(where("z IS NULL"));
  EXPECT_TRUE(where("n IS NOT NULL"));
  EXPECT_TRUE(where("size(s) = 5"));
  EXPECT_TRUE(where("NOT (n = 1)"));
  EXPECT_FALSE(where("n = '5'"));
}

TEST(DynamoDbPartiql, InsertLiterals) {
  Statement st = P(
      "INSERT INTO \"T\" VALUE {'pk': 'it''s', 'n': 1.50, 'neg': -2, 'b': true, 'z': null, "
      "'l': [1, 'x'], 'm': {'k': <<'a', 'b'>>}, 'ns': <<1, 2>>, 'p': ?}",
      R"([{"B":"AQ=="}])");
  EXPECT_EQ(st.kind, Statement::Kind::kInsert);
  EXPECT_EQ(st.table, "T");
  EXPECT_EQ(json::value(st.item),
            J(R"({"pk":{"S":"it's"},"n":{"N":"1.5"},"neg":{"N":"-2"},"b":{"BOOL":true},
                  "z":{"NULL":true},"l":{"L":[{"N":"1"},{"S":"x"}]},
                  "m":{"M":{"k":{"SS":["a","b"]}}},"ns":{"NS":["1","2"]},"p":{"B":"AQ=="}})"));
  EXPECT_EQ(Err("INSERT INTO T VALUE {'s': <<'a', 'a'>>}"),
            "One or more parameter values were invalid: Input collection [a, a] contains "
            "duplicates.");
  EXPECT_EQ(Err("INSERT INTO T VALUE {'n': 1E+200}"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(DynamoDbPartiql, UpdateAndDelete) {
  Statement st = P(
      "UPDATE \"T\" SET a = 'x', n = n + 1, l = list_append(l, [2]) SET s = set_add(s, <<'b'>>) "
      "REMOVE gone WHERE pk = 'k' AND sk = ? RETURNING ALL NEW *",
      R"([{"N":"7"}])");
  EXPECT_EQ(st.kind, Statement::Kind::kUpdate);
  ASSERT_TRUE(st.update);
  EXPECT_EQ(st.returning, "ALL_NEW");
  ASSERT_EQ(st.key_equalities.size(), 2u);
  EXPECT_EQ(st.key_equalities[1].first, "sk");
  EXPECT_EQ(st.key_equalities[1].second, J(R"({"N":"7"})"));
  Item item = I(R"({"pk":{"S":"k"},"sk":{"N":"7"},"n":{"N":"1"},"l":{"L":[{"N":"1"}]},
                    "s":{"SS":["a"]},"gone":{"S":"g"}})");
  ASSERT_FALSE(st.update->Apply(item));
  EXPECT_EQ(json::value(item),
            J(R"({"pk":{"S":"k"},"sk":{"N":"7"},"n":{"N":"2"},"l":{"L":[{"N":"1"},{"N":"2"}]},
                  "s":{"SS":["a","b"]},"a":{"S":"x"}})"));
  Statement del = P("DELETE FROM T WHERE pk = 'k'");
  EXPECT_EQ(del.kind, Statement::Kind::kDelete);
  ASSERT_EQ(del.key_equalities.size(), 1u);
}

TEST(DynamoDbPartiql, Errors) {
  EXPECT_EQ(Err("SELECT * FROM T WHERE a = ?"),
            "Number of parameters in request and statement don't match.");
  EXPECT_EQ(Err("SELECT * FROM T", R"([{"S":"x"}])"),
            "Number of parameters in request and statement don't match.");
  EXPECT_EQ(Err("SELECT * FROM T WHERE a = ?", R"([{}])"),
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
  EXPECT_EQ(Err("SELEKT * FROM T"),
            "Statement wasn't well formed, can't be processed: Unexpected keyword or identifier: "
            "SELEKT");
  EXPECT_EQ(Err("SELECT * FROM"),
            "Statement wasn't well formed, can't be processed: Unexpected end of statement");
  EXPECT_EQ(Err("DELETE FROM T"),
            "Statement wasn't well formed, can't be processed: Where clause is required for "
            "DELETE statements");
  EXPECT_EQ(Err("SELECT * FROM T WHERE a = 'x"),
            "Statement wasn't well formed, can't be processed: Unterminated quoted text");
  EXPECT_EQ(Err("UPDATE T SET a = 1, a.b = 2 WHERE pk = 'x'"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(Err("SELECT * FROM T WHERE a = " + std::string(1000, '[')),
            "Statement wasn't well formed, can't be processed: Statement is nested too deeply");
  EXPECT_EQ(Err(""), "Statement wasn't well formed, can't be processed: Statement must not be "
                     "empty");
}

// Random token soup (fixed seed): a ValidationException or a statement, never a crash.
TEST(DynamoDbPartiql, TokenSoupNeverCrashes) {
  static const char* kTokens[] = {
      "SELECT", "INSERT", "INTO", "VALUE", "UPDATE", "DELETE", "FROM", "WHERE", "SET", "REMOVE",
      "*", "\"t\"", "a", "'s'", "1", "-2.5", "?", ",", ".", "(", ")", "[", "]", "{", "}", ":",
      "<<", ">>", "=", "<>", "<", ">=", "+", "AND", "OR", "NOT", "IS", "MISSING", "NULL",
      "BETWEEN", "IN", "begins_with", "size", "TRUE", "'", "\""};
  uint32_t seed = 777;
  auto next = [&] { return seed = seed * 1103515245 + 12345, (seed >> 16) & 0x7fff; };
  json::array params = J(R"([{"S":"p"},{"N":"1"}])").get_array();
  const Item item = I(R"({"a":{"N":"1"},"t":{"S":"s"}})");
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    int len = 1 + static_cast<int>(next() % 14);
    for (int k = 0; k < len; ++k) text += std::string(kTokens[next() % std::size(kTokens)]) + " ";
    auto st = Statement::Parse(text, &params);
    if (!st) {
      EXPECT_EQ(st.error().code, "ValidationException") << text;
      continue;
    }
    if (st->where) {
      EXPECT_TRUE(st->where->Evaluate(item));
    }
    if (st->update) {
      Item copy = item;
      if (auto err = st->update->Apply(copy)) {
        EXPECT_EQ(err->code, "ValidationException");
      }
    }
  }
}

}  // namespace
}  // namespace stratus::dynamodb
