// The DynamoDB expression language: grammar, placeholders, reserved words, evaluation of
// conditions, updates, projections and key conditions, the legacy parameters, and AWS's messages.
#include "services/dynamodb/expression.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace stratus::dynamodb {
namespace {

json::value J(std::string_view text) { return json::parse(text); }
Item I(std::string_view text) { return json::parse(text).get_object(); }

// One request's placeholders, owned.
struct Req {
  json::object names, values;
  bool has_names = false, has_values = false;
  std::unique_ptr<Placeholders> ph;
  explicit Req(std::string_view n = "", std::string_view v = "") {
    if (!n.empty()) names = J(n).get_object(), has_names = true;
    if (!v.empty()) values = J(v).get_object(), has_values = true;
    ph = std::make_unique<Placeholders>(has_names ? &names : nullptr,
                                        has_values ? &values : nullptr);
  }
};

std::string CondError(std::string_view expr, std::string_view names = "",
                      std::string_view values = "") {
  Req r(names, values);
  auto c = Condition::Parse(expr, *r.ph, "ConditionExpression");
  return c ? "ok" : c.error().message;
}

bool Eval(std::string_view expr, std::string_view item, std::string_view values = "{}",
          std::string_view names = "") {
  Req r(names, values);
  auto c = Condition::Parse(expr, *r.ph, "ConditionExpression");
  EXPECT_TRUE(c) << expr << ": " << (c ? "" : c.error().message);
  if (!c) return false;
  auto v = c->Evaluate(I(item));
  return v && *v;
}

// ---- grammar and syntax errors ----

TEST(DynamoDbExpression, SyntaxErrors) {
  EXPECT_EQ(CondError("a < < :v", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"<\", near: \"< < :v\"");
  EXPECT_EQ(CondError("a =", "", ""),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
  EXPECT_EQ(CondError("my-attr = :v", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"my-attr\"");
  EXPECT_EQ(CondError("a = :v AND", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  EXPECT_EQ(CondError("(a = :v", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\"");
  EXPECT_EQ(CondError("a @ :v", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"@\", near: \"a @ :v\"");
  EXPECT_EQ(CondError("a = 1", "", ""),
            "Invalid ConditionExpression: Syntax error; token: \"1\", near: \"= 1\"");
  EXPECT_EQ(CondError("   "), "Invalid ConditionExpression: The expression can not be empty;");
  // A syntax error wins over an earlier semantic error.
  EXPECT_EQ(CondError("status = :nope AND", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
}

TEST(DynamoDbExpression, ReservedWordsAndPlaceholders) {
  EXPECT_EQ(CondError("status = :v", "", R"({":v":{"S":"x"}})"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: status");
  EXPECT_EQ(CondError("a.Size = :v", "", R"({":v":{"S":"x"}})"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: Size");
  EXPECT_EQ(CondError("#s = :v", R"({"#s":"status"})", R"({":v":{"S":"x"}})"), "ok");
  EXPECT_EQ(CondError("#t = :v", R"({"#s":"status"})", R"({":v":{"S":"x"}})"),
            "Invalid ConditionExpression: An expression attribute name used in the document path "
            "is not defined; attribute name: #t");
  EXPECT_EQ(CondError("a = :w", "", R"({":v":{"S":"x"}})"),
            "Invalid ConditionExpression: An expression attribute value used in expression is "
            "not defined; attribute value: :w");
  EXPECT_EQ(CondError("a = :v", "", R"({":v":{"SS":[]}})"),
            "ExpressionAttributeValues contains invalid value: One or more parameter values were "
            "invalid: An string set  may not be empty for key :v");
  EXPECT_EQ(CondError("a = :v", "", R"({":v":{}})"),
            "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, "
            "must contain exactly one of the supported datatypes for key :v");
}

TEST(DynamoDbExpression, UnusedAndMalformedPlaceholders) {
  {
    Req r(R"({"#a":"a","#b":"b"})", R"({":v":{"N":"1"},":w":{"N":"2"}})");
    ASSERT_TRUE(Condition::Parse("#a = :v", *r.ph, "ConditionExpression"));
    auto err = r.ph->CheckAllUsed();
    ASSERT_TRUE(err);
    EXPECT_EQ(err->message,
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  }
  {
    Req r("", R"({":v":{"N":"1"},":w":{"N":"2"},":x":{"N":"2"}})");
    ASSERT_TRUE(Condition::Parse("a = :v", *r.ph, "ConditionExpression"));
    EXPECT_EQ(r.ph->CheckAllUsed()->message,
              "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w, :x}");
  }
  {
    Req r(R"({"#a":"a"})", R"({":v":{"N":"1"}})");
    ASSERT_TRUE(Condition::Parse("#a = :v", *r.ph, "ConditionExpression"));
    EXPECT_FALSE(r.ph->CheckAllUsed());
  }
  {
    Req r(R"({"#a":"a"})", "");
    EXPECT_EQ(r.ph->CheckAllUsed()->message,
              "ExpressionAttributeNames can only be specified when using expressions");
  }
  {
    Req r("{}", "");
    EXPECT_EQ(r.ph->CheckShape()->message, "ExpressionAttributeNames must not be empty");
  }
  {
    Req r("", "{}");
    EXPECT_EQ(r.ph->CheckShape()->message, "ExpressionAttributeValues must not be empty");
  }
  {
    Req r(R"({"a":"a"})", "");
    EXPECT_EQ(r.ph->CheckShape()->message,
              "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"");
  }
  {
    Req r(R"({"#a-b":"a"})", "");
    EXPECT_EQ(r.ph->CheckShape()->message,
              "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\"");
  }
  {
    Req r("", R"({"v":{"N":"1"}})");
    EXPECT_EQ(r.ph->CheckShape()->message,
              "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  }
}

TEST(DynamoDbExpression, FunctionErrors) {
  const char* v = R"({":v":{"N":"1"},":s":{"S":"x"},":t":{"S":"XX"}})";
  EXPECT_EQ(CondError("attribute_exists(a, b) OR a = :v", "", v),
            "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
            "operator or function: attribute_exists, number of operands: 2");
  EXPECT_EQ(CondError("attribute_exists(:v)", "", v),
            "Invalid ConditionExpression: Operator or function requires a document path; "
            "operator or function: attribute_exists");
  EXPECT_EQ(CondError("begins_with(a, :v)", "", v),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(CondError("attribute_type(a, :t)", "", v),
            "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid "
            "types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(CondError("attribute_exists(a) = :v", "", v),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: attribute_exists");
  EXPECT_EQ(CondError("foo(a) = :v", "", v),
            "Invalid ConditionExpression: Invalid function name; function: foo");
  EXPECT_EQ(CondError("size(:s) > :v", "", v),
            "Invalid ConditionExpression: Operator or function requires a document path; "
            "operator or function: size");
  EXPECT_EQ(CondError("size(a)", "", v),
            "Invalid ConditionExpression: The function is not allowed to be used this way in an "
            "expression; function: size");
}

TEST(DynamoDbExpression, OperatorErrors) {
  EXPECT_EQ(CondError("a BETWEEN :hi AND :lo", "", R"({":lo":{"N":"1"},":hi":{"N":"5"}})"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper "
            "bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(CondError("a BETWEEN :lo AND :hi", "", R"({":lo":{"N":"1"},":hi":{"S":"5"}})"),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
            "AttributeValue: {S:5}");
  EXPECT_EQ(CondError("a < :b", "", R"({":b":{"BOOL":true}})"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: <, operand type: BOOL");
  std::string in = "a IN (";
  std::string values = "{";
  for (int i = 0; i < 101; ++i) {
    in += (i ? ", :v" : ":v") + std::to_string(i);
    values += std::string(i ? "," : "") + "\":v" + std::to_string(i) + "\":{\"N\":\"1\"}";
  }
  in += ")";
  values += "}";
  EXPECT_EQ(CondError(in, "", values),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; "
            "number of operands: 101");
  EXPECT_EQ(CondError("((a = :v))", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: The expression has redundant parentheses;");
  EXPECT_EQ(CondError("(a = :v)", "", R"({":v":{"N":"1"}})"), "ok");
  std::string deep = "a";
  for (int i = 0; i < 32; ++i) deep += ".b";
  EXPECT_EQ(CondError(deep + " = :v", "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: The document path has too many nesting levels; "
            "nesting levels: 33");
}

// ---- evaluation ----

TEST(DynamoDbExpression, Comparisons) {
  const char* item = R"({"n":{"N":"10"},"s":{"S":"abc"},"b":{"BOOL":true},
                         "l":{"L":[{"N":"1"},{"S":"x"}]}})";
  EXPECT_TRUE(Eval("n = :v", item, R"({":v":{"N":"10.0"}})"));
  EXPECT_TRUE(Eval("n > :v", item, R"({":v":{"N":"9"}})"));
  EXPECT_FALSE(Eval("n < :v", item, R"({":v":{"N":"9"}})"));
  EXPECT_TRUE(Eval("n <= :v AND n >= :v", item, R"({":v":{"N":"10"}})"));
  EXPECT_FALSE(Eval("n = :v", item, R"({":v":{"S":"10"}})"));
  EXPECT_TRUE(Eval("n <> :v", item, R"({":v":{"S":"10"}})"));
  EXPECT_FALSE(Eval("n < :v", item, R"({":v":{"S":"99"}})"));  // type mismatch is false
  EXPECT_TRUE(Eval("s > :v", item, R"({":v":{"S":"ab"}})"));
  EXPECT_TRUE(Eval("nope <> :v", item, R"({":v":{"N":"1"}})"));
  EXPECT_FALSE(Eval("nope = :v", item, R"({":v":{"N":"1"}})"));
  EXPECT_TRUE(Eval("b = :v", item, R"({":v":{"BOOL":true}})"));
  EXPECT_TRUE(Eval("l = :v", item, R"({":v":{"L":[{"N":"1"},{"S":"x"}]}})"));
  EXPECT_TRUE(Eval("l[1] = :v", item, R"({":v":{"S":"x"}})"));
  EXPECT_TRUE(Eval("n = n", item, "{}"));
}

TEST(DynamoDbExpression, ConditionTopLevelNames) {
  Req r(R"({"#s":"status"})", R"({":v":{"N":"1"}})");
  auto c = Condition::Parse("a.b = :v AND (size(c[1]) > :v OR NOT #s = d) AND a = :v", *r.ph,
                            "FilterExpression");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->TopLevelNames(), (std::vector<std::string>{"a", "c", "status", "d"}));
}

TEST(DynamoDbExpression, PrecedenceAndLogic) {
  const char* item = R"({"a":{"N":"1"}})";
  const char* v = R"({":one":{"N":"1"},":two":{"N":"2"}})";
  // AND binds tighter than OR.
  EXPECT_TRUE(Eval("a = :one OR a = :two AND a = :two", item, v));
  EXPECT_FALSE(Eval("(a = :one OR a = :two) AND a = :two", item, v));
  // NOT binds tighter than AND.
  EXPECT_FALSE(Eval("NOT a = :one AND a = :one", item, v));
  EXPECT_TRUE(Eval("NOT (a = :two)", item, v));
  EXPECT_TRUE(Eval("not a = :two and a = :one", item, v));  // keywords are case-insensitive
}

TEST(DynamoDbExpression, BetweenAndIn) {
  const char* item = R"({"n":{"N":"5"},"s":{"S":"m"}})";
  EXPECT_TRUE(Eval("n BETWEEN :a AND :b", item, R"({":a":{"N":"5"},":b":{"N":"6"}})"));
  EXPECT_FALSE(Eval("n BETWEEN :a AND :b", item, R"({":a":{"N":"6"},":b":{"N":"7"}})"));
  EXPECT_TRUE(Eval("s BETWEEN :a AND :b", item, R"({":a":{"S":"a"},":b":{"S":"z"}})"));
  EXPECT_TRUE(Eval("n IN (:a, :b)", item, R"({":a":{"N":"4"},":b":{"N":"5.0"}})"));
  EXPECT_FALSE(Eval("n IN (:a)", item, R"({":a":{"S":"5"}})"));
  EXPECT_TRUE(Eval("n BETWEEN :a AND :b AND s = :s", item,
                   R"({":a":{"N":"1"},":b":{"N":"9"},":s":{"S":"m"}})"));
}

TEST(DynamoDbExpression, Functions) {
  const char* item = R"({"s":{"S":"hello"},"ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},
                         "l":{"L":[{"S":"x"},{"N":"3"}]},"m":{"M":{"k":{"S":"v"}}},
                         "bin":{"B":"AQID"},"nul":{"NULL":true}})";
  EXPECT_TRUE(Eval("attribute_exists(s)", item));
  EXPECT_FALSE(Eval("attribute_exists(t)", item));
  EXPECT_TRUE(Eval("attribute_not_exists(t)", item));
  EXPECT_TRUE(Eval("attribute_exists(m.k)", item));
  EXPECT_FALSE(Eval("attribute_exists(m.z)", item));
  EXPECT_TRUE(Eval("attribute_type(ss, :t)", item, R"({":t":{"S":"SS"}})"));
  EXPECT_TRUE(Eval("attribute_type(nul, :t)", item, R"({":t":{"S":"NULL"}})"));
  EXPECT_FALSE(Eval("attribute_type(s, :t)", item, R"({":t":{"S":"N"}})"));
  EXPECT_TRUE(Eval("begins_with(s, :p)", item, R"({":p":{"S":"he"}})"));
  EXPECT_FALSE(Eval("begins_with(s, :p)", item, R"({":p":{"S":"lo"}})"));
  EXPECT_TRUE(Eval("begins_with(bin, :p)", item, R"({":p":{"B":"AQ=="}})"));
  EXPECT_TRUE(Eval("contains(s, :p)", item, R"({":p":{"S":"ell"}})"));
  EXPECT_TRUE(Eval("contains(ss, :p)", item, R"({":p":{"S":"b"}})"));
  EXPECT_FALSE(Eval("contains(ss, :p)", item, R"({":p":{"S":"c"}})"));
  EXPECT_TRUE(Eval("contains(ns, :p)", item, R"({":p":{"N":"2.0"}})"));
  EXPECT_TRUE(Eval("contains(l, :p)", item, R"({":p":{"N":"3"}})"));
  EXPECT_TRUE(Eval("NOT contains(nope, :p)", item, R"({":p":{"N":"3"}})"));
  EXPECT_TRUE(Eval("size(s) = :n", item, R"({":n":{"N":"5"}})"));
  EXPECT_TRUE(Eval("size(ss) < :n", item, R"({":n":{"N":"3"}})"));
  EXPECT_TRUE(Eval("size(l) BETWEEN :a AND :b", item, R"({":a":{"N":"1"},":b":{"N":"2"}})"));
  EXPECT_TRUE(Eval("size(m) = :n", item, R"({":n":{"N":"1"}})"));
  EXPECT_TRUE(Eval("size(bin) = :n", item, R"({":n":{"N":"3"}})"));
  EXPECT_FALSE(Eval("size(nope) = :n", item, R"({":n":{"N":"0"}})"));
  EXPECT_TRUE(Eval("size(s) > size(ss)", item));
}

TEST(DynamoDbExpression, NestedPathsAndNames) {
  const char* item = R"({"a":{"M":{"b":{"L":[{"N":"0"},{"N":"1"},{"M":{"c":{"S":"deep"}}}]}}},
                         "dotted.name":{"S":"x"}})";
  EXPECT_TRUE(Eval("a.b[2].c = :v", item, R"({":v":{"S":"deep"}})"));
  EXPECT_TRUE(Eval("#a.#b[2].#c = :v", item, R"({":v":{"S":"deep"}})",
                   R"({"#a":"a","#b":"b","#c":"c"})"));
  EXPECT_FALSE(Eval("a.b[5] = :v", item, R"({":v":{"S":"deep"}})"));
  EXPECT_FALSE(Eval("a.b.c = :v", item, R"({":v":{"S":"deep"}})"));
  // A name containing a dot is one attribute when given through a placeholder.
  EXPECT_TRUE(Eval("#d = :v", item, R"({":v":{"S":"x"}})", R"({"#d":"dotted.name"})"));
  Path p = {{"a", -1}, {"b", -1}, {"", 2}, {"c", -1}};
  EXPECT_EQ(PathToString(p), "a.b[2].c");
}

// ---- update expressions ----

std::string UpdError(std::string_view expr, std::string_view values = "",
                     std::string_view names = "") {
  Req r(names, values);
  auto u = Update::Parse(expr, *r.ph);
  return u ? "ok" : u.error().message;
}

// Applies `expr` to `item`; returns the item as JSON text or the error message.
std::string Apply(std::string_view expr, std::string_view item, std::string_view values = "",
                  std::string_view names = "") {
  Req r(names, values);
  auto u = Update::Parse(expr, *r.ph);
  if (!u) return "parse: " + u.error().message;
  Item it = I(item);
  if (auto err = u->Apply(it)) return err->message;
  return json::serialize(it);
}

TEST(DynamoDbExpression, UpdateSetRemove) {
  EXPECT_EQ(Apply("SET a = :v", "{}", R"({":v":{"S":"x"}})"), R"({"a":{"S":"x"}})");
  EXPECT_EQ(Apply("SET a = :v, b = a", R"({"a":{"N":"1"}})", R"({":v":{"N":"2"}})"),
            R"({"a":{"N":"2"},"b":{"N":"1"}})");  // operands read the original item
  EXPECT_EQ(Apply("SET n = n + :d", R"({"n":{"N":"1.5"}})", R"({":d":{"N":"2"}})"),
            R"({"n":{"N":"3.5"}})");
  EXPECT_EQ(Apply("SET n = n - :d", R"({"n":{"N":"1"}})", R"({":d":{"N":"2"}})"),
            R"({"n":{"N":"-1"}})");
  EXPECT_EQ(Apply("SET n = if_not_exists(n, :z) + :d", "{}", R"({":z":{"N":"0"},":d":{"N":"1"}})"),
            R"({"n":{"N":"1"}})");
  EXPECT_EQ(Apply("SET l = list_append(l, :v)", R"({"l":{"L":[{"N":"1"}]}})",
                  R"({":v":{"L":[{"N":"2"}]}})"),
            R"({"l":{"L":[{"N":"1"},{"N":"2"}]}})");
  EXPECT_EQ(Apply("SET l = list_append(:v, l)", R"({"l":{"L":[{"N":"1"}]}})",
                  R"({":v":{"L":[{"N":"0"}]}})"),
            R"({"l":{"L":[{"N":"0"},{"N":"1"}]}})");
  EXPECT_EQ(Apply("SET m.k = :v", R"({"m":{"M":{}}})", R"({":v":{"S":"x"}})"),
            R"({"m":{"M":{"k":{"S":"x"}}}})");
  EXPECT_EQ(Apply("SET l[5] = :v", R"({"l":{"L":[{"N":"1"}]}})", R"({":v":{"N":"9"}})"),
            R"({"l":{"L":[{"N":"1"},{"N":"9"}]}})");  // past the end appends
  EXPECT_EQ(Apply("REMOVE a, l[0], l[2]", R"({"a":{"N":"1"},"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"}]}})"),
            R"({"l":{"L":[{"N":"1"}]}})");
  EXPECT_EQ(Apply("REMOVE nope", R"({"a":{"N":"1"}})"), R"({"a":{"N":"1"}})");
  EXPECT_EQ(Apply("set a = :v remove b", R"({"b":{"N":"1"}})", R"({":v":{"N":"2"}})"),
            R"({"a":{"N":"2"}})");
}

TEST(DynamoDbExpression, UpdateAddDelete) {
  EXPECT_EQ(Apply("ADD n :d", "{}", R"({":d":{"N":"5"}})"), R"({"n":{"N":"5"}})");
  EXPECT_EQ(Apply("ADD n :d", R"({"n":{"N":"5"}})", R"({":d":{"N":"-7"}})"), R"({"n":{"N":"-2"}})");
  EXPECT_EQ(Apply("ADD s :d", R"({"s":{"SS":["a"]}})", R"({":d":{"SS":["a","b"]}})"),
            R"({"s":{"SS":["a","b"]}})");
  EXPECT_EQ(Apply("DELETE s :d", R"({"s":{"SS":["a","b"]}})", R"({":d":{"SS":["a"]}})"),
            R"({"s":{"SS":["b"]}})");
  EXPECT_EQ(Apply("DELETE s :d", R"({"s":{"NS":["1"]}})", R"({":d":{"NS":["1.0"]}})"), "{}");
  EXPECT_EQ(Apply("DELETE s :d", "{}", R"({":d":{"SS":["a"]}})"), "{}");
  EXPECT_EQ(Apply("ADD s :d", R"({"s":{"S":"x"}})", R"({":d":{"N":"1"}})"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Apply("ADD s :d", R"({"s":{"NS":["1"]}})", R"({":d":{"SS":["a"]}})"),
            "An operand in the update expression has an incorrect data type");
}

TEST(DynamoDbExpression, UpdateEvaluationErrors) {
  EXPECT_EQ(Apply("SET a = b", "{}"),
            "The provided expression refers to an attribute that does not exist in the item");
  EXPECT_EQ(Apply("SET a = a + :d", R"({"a":{"S":"x"}})", R"({":d":{"N":"1"}})"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Apply("SET a = list_append(a, :d)", R"({"a":{"N":"1"}})", R"({":d":{"L":[]}})"),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(Apply("SET a.b = :d", "{}", R"({":d":{"N":"1"}})"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Apply("SET a[0] = :d", R"({"a":{"M":{}}})", R"({":d":{"N":"1"}})"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Apply("SET a = a + :d", R"({"a":{"N":"9.9999999999999999999999999999999999999E+125"}})",
                  R"({":d":{"N":"1E+125"}})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(DynamoDbExpression, UpdateParseErrors) {
  EXPECT_EQ(UpdError("SET a = :v SET b = :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(UpdError("SET a = :v, a.b = :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(UpdError("SET a = :v REMOVE a", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove "
            "or rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(UpdError("SET a.b = :v REMOVE a[0]", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, b], path two: [a, [0]]");
  EXPECT_EQ(UpdError("ADD a :v", R"({":v":{"S":"x"}})"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND");
  EXPECT_EQ(UpdError("DELETE a :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND");
  EXPECT_EQ(UpdError("SET a = :v", R"({":w":{"N":"1"}})"),
            "Invalid UpdateExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :v");
  EXPECT_EQ(UpdError("SET a = :v + :w", R"({":v":{"N":"1"},":w":{"S":"x"}})"),
            "Invalid UpdateExpression: Incorrect operand type for operator or function; "
            "operator or function: +, operand type: STRING");
  EXPECT_EQ(UpdError("SET a = if_not_exists(:v, a)", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator "
            "or function: if_not_exists");
  EXPECT_EQ(UpdError("SET a = size(b)"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size");
  EXPECT_EQ(UpdError("SET a = :v,", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(UpdError("SET a :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"a :v\"");
  EXPECT_EQ(UpdError("a = :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Syntax error; token: \"a\", near: \"a =\"");
  EXPECT_EQ(UpdError("SET a = :v + :v + :v", R"({":v":{"N":"1"}})"),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v + :v\"");
  EXPECT_EQ(UpdError("REMOVE name", ""),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "name");
  EXPECT_EQ(UpdError(""), "Invalid UpdateExpression: The expression can not be empty;");
}

TEST(DynamoDbExpression, UpdateTargets) {
  Req r("", R"({":v":{"N":"1"},":s":{"SS":["a"]}})");
  auto u = Update::Parse("SET a.b = :v REMOVE c ADD d :v DELETE e :s", *r.ph);
  ASSERT_TRUE(u);
  ASSERT_EQ(u->Targets().size(), 4u);
  EXPECT_EQ(PathToString(u->Targets()[0]), "a.b");
  EXPECT_EQ(PathToString(u->Targets()[3]), "e");
}

// ---- projections ----

TEST(DynamoDbExpression, Projection) {
  Item item = I(R"({"a":{"N":"1"},"b":{"M":{"x":{"S":"1"},"y":{"S":"2"}}},
                    "l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"}]},"z":{"S":"z"}})");
  Req r(R"({"#z":"z"})");
  auto p = Projection::Parse("a, b.y, l[3], l[1], #z, nope", *r.ph);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(json::serialize(p->Apply(item)),
            R"({"a":{"N":"1"},"b":{"M":{"y":{"S":"2"}}},"l":{"L":[{"N":"1"},{"N":"3"}]},"z":{"S":"z"}})");
  EXPECT_EQ(p->TopLevelNames(), (std::vector<std::string>{"a", "b", "l", "z", "nope"}));
  Req r2;
  auto bad = Projection::Parse("a, a.b", *r2.ph);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "Invalid ProjectionExpression: Two document paths overlap with each other; must "
            "remove or rewrite one of these paths; path one: [a], path two: [a, b]");
  auto reserved = Projection::Parse("id, name", *r2.ph);
  EXPECT_EQ(reserved.error().message,
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: name");
  auto value = Projection::Parse("a, :v", *r2.ph);
  EXPECT_EQ(value.error().message,
            "Invalid ProjectionExpression: Syntax error; token: \":v\", near: \", :v\"");
}

// ---- key conditions ----

std::string KeyError(std::string_view expr, std::string_view values,
                     std::string_view range = "sk") {
  Req r("", values);
  auto k = KeyCondition::Parse(expr, *r.ph, "pk", range);
  return k ? "ok" : k.error().message;
}

TEST(DynamoDbExpression, KeyConditions) {
  const char* v = R"({":p":{"S":"p"},":a":{"N":"1"},":b":{"N":"5"},":s":{"S":"ab"}})";
  {
    Req r("", v);
    auto k = KeyCondition::Parse("pk = :p AND sk BETWEEN :a AND :b", *r.ph, "pk", "sk");
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->hash_name, "pk");
    EXPECT_EQ(k->hash_value, J(R"({"S":"p"})"));
    EXPECT_EQ(k->range_name, "sk");
    EXPECT_EQ(k->op, KeyCondition::Op::kBetween);
    EXPECT_TRUE(k->RangeMatches(J(R"({"N":"3"})")));
    EXPECT_FALSE(k->RangeMatches(J(R"({"N":"6"})")));
  }
  {
    Req r("", v);
    auto k = KeyCondition::Parse("begins_with(sk, :s) AND :p = pk", *r.ph, "pk", "sk");
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_EQ(k->op, KeyCondition::Op::kBeginsWith);
    EXPECT_TRUE(k->RangeMatches(J(R"({"S":"abc"})")));
    EXPECT_FALSE(k->RangeMatches(J(R"({"S":"b"})")));
  }
  {
    Req r("", v);
    auto k = KeyCondition::Parse(":a < sk AND pk = :p", *r.ph, "pk", "sk");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->op, KeyCondition::Op::kGt);  // flipped
    EXPECT_TRUE(k->RangeMatches(J(R"({"N":"2"})")));
  }
  EXPECT_EQ(KeyError("sk = :a", v), "Query condition missed key schema element: pk");
  EXPECT_EQ(KeyError("pk = :p AND extra = :a", v),
            "Query condition missed key schema element: sk");
  EXPECT_EQ(KeyError("pk < :p", v), "Query key condition not supported");
  EXPECT_EQ(KeyError("pk = :p OR sk = :a", v),
            "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(KeyError("pk = :p AND sk <> :a", v),
            "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(KeyError("pk = :p AND sk = :a AND sk = :b", v),
            "Conditions can be of length 1 or 2 only");
  EXPECT_EQ(KeyError("pk = :p AND pk = :s", v),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(KeyError("pk = :p AND attribute_exists(sk)", v),
            "Invalid KeyConditionExpression: The function is not allowed in a key condition; "
            "function: attribute_exists");
  EXPECT_EQ(KeyError("pk = :p AND begins_with(sk, :a)", v),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  EXPECT_EQ(KeyError("pk =", v),
            "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"");
}

// ---- legacy parameters ----

std::string LegacyCond(std::string_view conditions, std::string_view param = "Expected",
                       std::string_view op = "AND") {
  auto c = Condition::FromLegacy(J(conditions).get_object(), param, op);
  return c ? "ok" : c.error().message;
}
bool LegacyEval(std::string_view conditions, std::string_view item, std::string_view op = "AND") {
  auto c = Condition::FromLegacy(J(conditions).get_object(), "Expected", op);
  EXPECT_TRUE(c) << conditions << ": " << (c ? "" : c.error().message);
  return c && *c->Evaluate(I(item));
}

TEST(DynamoDbExpression, LegacyExpected) {
  const char* item = R"({"a":{"N":"5"},"s":{"S":"hello"},"ss":{"SS":["x"]}})";
  EXPECT_TRUE(LegacyEval(R"({"a":{"Value":{"N":"5"}}})", item));
  EXPECT_TRUE(LegacyEval(R"({"a":{"Value":{"N":"5"},"Exists":true}})", item));
  EXPECT_TRUE(LegacyEval(R"({"b":{"Exists":false}})", item));
  EXPECT_FALSE(LegacyEval(R"({"a":{"Exists":false}})", item));
  auto op = [&](std::string_view cmp, std::string_view list, std::string_view attr = "a") {
    return LegacyEval("{\"" + std::string(attr) + "\":{\"ComparisonOperator\":\"" +
                          std::string(cmp) + "\",\"AttributeValueList\":" + std::string(list) +
                          "}}",
                      item);
  };
  EXPECT_TRUE(op("EQ", R"([{"N":"5"}])"));
  EXPECT_TRUE(op("NE", R"([{"N":"4"}])"));
  EXPECT_TRUE(op("NE", R"([{"N":"4"}])", "nope"));
  EXPECT_TRUE(op("LE", R"([{"N":"5"}])"));
  EXPECT_FALSE(op("LT", R"([{"N":"5"}])"));
  EXPECT_TRUE(op("GE", R"([{"N":"5"}])"));
  EXPECT_FALSE(op("GT", R"([{"N":"5"}])"));
  EXPECT_TRUE(op("NOT_NULL", "[]"));
  EXPECT_TRUE(op("NULL", "[]", "missing"));
  EXPECT_TRUE(op("CONTAINS", R"([{"S":"ell"}])", "s"));
  EXPECT_TRUE(op("CONTAINS", R"([{"S":"x"}])", "ss"));
  EXPECT_TRUE(op("NOT_CONTAINS", R"([{"S":"y"}])", "ss"));
  EXPECT_FALSE(op("NOT_CONTAINS", R"([{"S":"y"}])", "missing"));
  EXPECT_TRUE(op("BEGINS_WITH", R"([{"S":"he"}])", "s"));
  EXPECT_TRUE(op("IN", R"([{"N":"1"},{"N":"5"}])"));
  EXPECT_TRUE(op("BETWEEN", R"([{"N":"1"},{"N":"5"}])"));
  EXPECT_FALSE(op("BETWEEN", R"([{"N":"6"},{"N":"9"}])"));
  // ConditionalOperator.
  EXPECT_FALSE(LegacyEval(R"({"a":{"Value":{"N":"1"}},"s":{"Value":{"S":"hello"}}})", item));
  EXPECT_TRUE(LegacyEval(R"({"a":{"Value":{"N":"1"}},"s":{"Value":{"S":"hello"}}})", item, "OR"));
}

TEST(DynamoDbExpression, LegacyExpectedErrors) {
  EXPECT_EQ(LegacyCond(R"({"a":{}})"),
            "One or more parameter values were invalid: Value must be provided when Exists is "
            "null for Attribute: a");
  EXPECT_EQ(LegacyCond(R"({"a":{"Exists":true}})"),
            "One or more parameter values were invalid: Value must be provided when Exists is "
            "true for Attribute: a");
  EXPECT_EQ(LegacyCond(R"({"a":{"Exists":false,"Value":{"N":"1"}}})"),
            "One or more parameter values were invalid: Value cannot be used when Exists is "
            "false for Attribute: a");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"EQ","AttributeValueList":[]}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
            "ComparisonOperator");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"NULL","AttributeValueList":[{"N":"1"}]}})"),
            "One or more parameter values were invalid: Invalid number of argument(s) for the "
            "NULL ComparisonOperator");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"LT","AttributeValueList":[{"BOOL":true}]}})"),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for "
            "BOOL AttributeValue type");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"S":"1"}]}})"),
            "One or more parameter values were invalid: AttributeValues inside "
            "AttributeValueList must be of same type");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"x"}]}})"),
            "A value provided cannot be converted into a number");
}

std::string LegacyApply(std::string_view updates, std::string_view item) {
  auto u = Update::FromLegacy(J(updates).get_object());
  if (!u) return "parse: " + u.error().message;
  Item it = I(item);
  if (auto err = u->Apply(it)) return err->message;
  return json::serialize(it);
}

TEST(DynamoDbExpression, LegacyAttributeUpdates) {
  EXPECT_EQ(LegacyApply(R"({"a":{"Value":{"S":"x"}}})", "{}"), R"({"a":{"S":"x"}})");
  EXPECT_EQ(LegacyApply(R"({"a":{"Action":"DELETE"}})", R"({"a":{"N":"1"}})"), "{}");
  EXPECT_EQ(LegacyApply(R"({"n":{"Action":"ADD","Value":{"N":"2"}}})", R"({"n":{"N":"1"}})"),
            R"({"n":{"N":"3"}})");
  EXPECT_EQ(LegacyApply(R"({"l":{"Action":"ADD","Value":{"L":[{"N":"2"}]}}})",
                        R"({"l":{"L":[{"N":"1"}]}})"),
            R"({"l":{"L":[{"N":"1"},{"N":"2"}]}})");
  EXPECT_EQ(LegacyApply(R"({"s":{"Action":"DELETE","Value":{"SS":["a"]}}})",
                        R"({"s":{"SS":["a","b"]}})"),
            R"({"s":{"SS":["b"]}})");
  EXPECT_EQ(LegacyApply(R"({"a":{"Action":"PUT"}})", "{}"),
            "parse: One or more parameter values were invalid: Only DELETE action is allowed when "
            "no attribute value is specified");
  EXPECT_EQ(LegacyApply(R"({"n":{"Action":"ADD","Value":{"N":"2"}}})", R"({"n":{"S":"1"}})"),
            "One or more parameter values were invalid: Type mismatch for attribute to update");
  auto u = Update::FromLegacy(J(R"({"a":{"Value":{"S":"x"}},"b":{"Action":"DELETE"}})").get_object());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->Targets().size(), 2u);
}

TEST(DynamoDbExpression, LegacyProjectionAndKeyConditions) {
  auto p = Projection::FromLegacy(J(R"(["a","status"])").get_array());
  ASSERT_TRUE(p);  // no reserved-word check for AttributesToGet
  EXPECT_EQ(json::serialize(p->Apply(I(R"({"a":{"N":"1"},"b":{"N":"2"},"status":{"S":"x"}})"))),
            R"({"a":{"N":"1"},"status":{"S":"x"}})");
  auto k = KeyCondition::FromLegacy(
      J(R"({"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"p"}]},
            "sk":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"1"}]}})").get_object(),
      "pk", "sk");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->op, KeyCondition::Op::kGt);
  EXPECT_TRUE(k->RangeMatches(J(R"({"N":"2"})")));
  auto bad = KeyCondition::FromLegacy(
      J(R"({"pk":{"ComparisonOperator":"NE","AttributeValueList":[{"S":"p"}]}})").get_object(),
      "pk", "");
  EXPECT_EQ(bad.error().message, "Attempted conditional constraint is not an indexable operation");
  auto missing = KeyCondition::FromLegacy(
      J(R"({"sk":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1"}]}})").get_object(),
      "pk", "sk");
  EXPECT_EQ(missing.error().message, "Query condition missed key schema element: pk");
}


TEST(DynamoDbExpression, UpdateNestedFunctionsAndPaths) {
  EXPECT_EQ(Apply("SET l = list_append(if_not_exists(l, :e), :v)", "{}",
                  R"({":e":{"L":[]},":v":{"L":[{"S":"a"}]}})"),
            R"({"l":{"L":[{"S":"a"}]}})");
  EXPECT_EQ(Apply("ADD m.n :d", R"({"m":{"M":{"n":{"N":"1"}}}})", R"({":d":{"N":"1"}})"),
            R"({"m":{"M":{"n":{"N":"2"}}}})");
  EXPECT_EQ(Apply("REMOVE a.b", "{}"),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(Apply("REMOVE l[9]", R"({"l":{"L":[{"N":"1"}]}})"), R"({"l":{"L":[{"N":"1"}]}})");
  EXPECT_EQ(Apply("SET #k.#n = :v", R"({"a.b":{"M":{}}})", R"({":v":{"N":"1"}})",
                  R"({"#k":"a.b","#n":"c"})"),
            R"({"a.b":{"M":{"c":{"N":"1"}}}})");
  EXPECT_EQ(Apply("SET a = if_not_exists(a, :v)", R"({"a":{"N":"5"}})", R"({":v":{"N":"1"}})"),
            R"({"a":{"N":"5"}})");
}

TEST(DynamoDbExpression, KeyConditionNamesAndFunctions) {
  Req r(R"({"#p":"pk","#s":"sk"})", R"({":p":{"S":"p"},":s":{"S":"a"}})");
  auto k = KeyCondition::Parse("#p = :p AND #s >= :s", *r.ph, "pk", "sk");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->op, KeyCondition::Op::kGe);
  EXPECT_TRUE(k->RangeMatches(J(R"({"S":"a"})")));
  EXPECT_FALSE(k->RangeMatches(J(R"({"N":"1"})")));  // other type never matches
  EXPECT_FALSE(r.ph->CheckAllUsed());
  Req r2("", R"({":p":{"S":"p"},":n":{"N":"1"}})");
  auto s = KeyCondition::Parse("pk = :p AND size(sk) > :n", *r2.ph, "pk", "sk");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "Invalid KeyConditionExpression: The function is not allowed in a key condition; "
            "function: size");
  Req r3("", R"({":p":{"S":"p"}})");
  auto h = KeyCondition::Parse("pk = :p", *r3.ph, "pk", "");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->op, KeyCondition::Op::kNone);
  EXPECT_TRUE(h->RangeMatches(J(R"({"S":"anything"})")));
}

TEST(DynamoDbExpression, LegacyMixedForms) {
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"EQ","Value":{"N":"1"},
                             "AttributeValueList":[{"N":"1"}]}})"),
            "One or more parameter values were invalid: Value and ComparisonOperator cannot be "
            "used together for Attribute: a");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"1"}]}})",
                       "ScanFilter"),
            "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not "
            "valid for N AttributeValue type");
  EXPECT_EQ(LegacyCond(R"({"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"5"},{"N":"1"}]}})",
                       "QueryFilter"),
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound");
  auto empty = Condition::FromLegacy(json::object(), "Expected", "AND");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(*empty->Evaluate(Item()));
}

TEST(DynamoDbExpression, LimitsOnHostileInput) {
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "NOT ";
  EXPECT_NE(CondError(nots + "a = :v", "", R"({":v":{"N":"1"}})"), "ok");  // no stack overflow
  std::string parens(2000, '(');
  EXPECT_NE(CondError(parens, "", ""), "ok");
  std::string big = "a = :v" + std::string(4100, ' ');
  EXPECT_EQ(CondError(big, "", R"({":v":{"N":"1"}})"),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4106");
}

// Random token soup (fixed seed): every parser answers a ValidationException or parses, and
// whatever parses evaluates / applies without crashing.
TEST(DynamoDbExpression, TokenSoupNeverCrashes) {
  static const char* kTokens[] = {
      "a", "b", "#n", ":v", ":l", ":s", "(", ")", "[", "]", "0", "1", ",", ".", "=", "<>", "<",
      "<=", ">", ">=", "+", "-", "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD",
      "DELETE", "size", "attribute_exists", "attribute_type", "begins_with", "contains",
      "if_not_exists", "list_append", "@", "#", ":"};
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245 + 12345, (seed >> 16) & 0x7fff; };
  const Item item = I(R"({"a":{"L":[{"N":"1"},{"M":{"b":{"S":"x"}}}]},"b":{"N":"2"},
                          "n":{"SS":["x"]}})");
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    int len = 1 + static_cast<int>(next() % 12);
    for (int k = 0; k < len; ++k) text += std::string(kTokens[next() % std::size(kTokens)]) + " ";
    Req r(R"({"#n":"n"})", R"({":v":{"N":"1"},":l":{"L":[]},":s":{"SS":["y"]}})");
    auto c = Condition::Parse(text, *r.ph, "ConditionExpression");
    if (c) {
      ++parsed;
      EXPECT_TRUE(c->Evaluate(item));
    } else {
      EXPECT_EQ(c.error().code, "ValidationException") << text;
    }
    auto u = Update::Parse(text, *r.ph);
    if (u) {
      ++parsed;
      Item copy = item;
      if (auto err = u->Apply(copy)) {
        EXPECT_EQ(err->code, "ValidationException") << text;
      }
    } else {
      EXPECT_EQ(u.error().code, "ValidationException") << text;
    }
    auto p = Projection::Parse(text, *r.ph);
    if (p) ++parsed, p->Apply(item);
    auto k = KeyCondition::Parse(text, *r.ph, "a", "b");
    if (!k) {
      EXPECT_EQ(k.error().code, "ValidationException") << text;
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(DynamoDbExpression, ReservedWordList) {
  // Spot checks across the list, including AWS's misspelt entries; case-insensitive.
  for (auto w : {"abort", "Zone", "FLATTERN", "inntER", "loged", "timestamp", "data", "count",
                 "ttl", "uuid", "year", "value", "key", "user", "date", "comment"})
    EXPECT_EQ(CondError(std::string(w) + " = :v", "", R"({":v":{"N":"1"}})"),
              "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
              "keyword: " + std::string(w));
  for (auto w : {"pk", "sk", "id", "createdAt", "price", "title", "attribute_exists"})
    EXPECT_EQ(CondError(std::string(w) + " = :v", "", R"({":v":{"N":"1"}})"), "ok") << w;
}

}  // namespace
}  // namespace stratus::dynamodb
