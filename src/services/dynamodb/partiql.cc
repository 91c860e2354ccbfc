// PartiQL for DynamoDB: SELECT, INSERT, UPDATE and DELETE per AWS's "PartiQL - a SQL-compatible
// query language for Amazon DynamoDB" pages, parsed into the expression trees of
// expression_internal.h so that evaluation is shared with the expression language. Literals:
// 'string', numbers, TRUE/FALSE, NULL, [lists], <<sets>>, {'maps': ...} and ? parameters.
// Pinned by tests/unit/dynamodb_partiql_test.cc.
#include "services/dynamodb/partiql.h"

#include <string>
#include <vector>

#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/number.h"

namespace stratus::dynamodb {

namespace {

enum class T {
  kIdent, kQuoted, kString, kNumber, kStar, kComma, kDot, kLParen, kRParen, kLBracket,
  kRBracket, kLBrace, kRBrace, kColon, kSetOpen, kSetClose, kEq, kNe, kLt, kLe, kGt, kGe,
  kPlus, kMinus, kParam, kEof, kBad,
};

struct Tk {
  T kind;
  std::string text;  // identifier, unquoted string/identifier, number text, or the bad char
};

AwsError Malformed(std::string_view detail) {
  return AwsError::Validation("Statement wasn't well formed, can't be processed: " +
                              std::string(detail));
}

bool IdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool Digit(char c) { return c >= '0' && c <= '9'; }

Result<std::vector<Tk>> Lex(std::string_view s) {
  std::vector<Tk> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i >= s.size()) break;
    char c = s[i];
    if (IdentStart(c)) {
      size_t b = i;
      while (i < s.size() && (IdentStart(s[i]) || Digit(s[i]))) ++i;
      out.push_back({T::kIdent, std::string(s.substr(b, i - b))});
    } else if (Digit(c) || (c == '.' && i + 1 < s.size() && Digit(s[i + 1]))) {
      size_t b = i;
      while (i < s.size() && (Digit(s[i]) || s[i] == '.')) ++i;
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        while (i < s.size() && Digit(s[i])) ++i;
      }
      out.push_back({T::kNumber, std::string(s.substr(b, i - b))});
    } else if (c == '\'' || c == '"') {
      // '' / "" inside escape the quote.
      std::string text;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == c) {
          if (i + 1 < s.size() && s[i + 1] == c) {
            text.push_back(c);
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        text.push_back(s[i++]);
      }
      if (!closed) return Fail(Malformed("Unterminated quoted text"));
      out.push_back({c == '\'' ? T::kString : T::kQuoted, std::move(text)});
    } else {
      auto two = s.substr(i, 2);
      T k = T::kBad;
      size_t len = 1;
      if (two == "<<") k = T::kSetOpen, len = 2;
      else if (two == ">>") k = T::kSetClose, len = 2;
      else if (two == "<>" || two == "!=") k = T::kNe, len = 2;
      else if (two == "<=") k = T::kLe, len = 2;
      else if (two == ">=") k = T::kGe, len = 2;
      else {
        switch (c) {
          case '*': k = T::kStar; break;
          case ',': k = T::kComma; break;
          case '.': k = T::kDot; break;
          case '(': k = T::kLParen; break;
          case ')': k = T::kRParen; break;
          case '[': k = T::kLBracket; break;
          case ']': k = T::kRBracket; break;
          case '{': k = T::kLBrace; break;
          case '}': k = T::kRBrace; break;
          case ':': k = T::kColon; break;
          case '=': k = T::kEq; break;
          case '<': k = T::kLt; break;
          case '>': k = T::kGt; break;
          case '+': k = T::kPlus; break;
          case '-': k = T::kMinus; break;
          case '?': k = T::kParam; break;
          default: break;
        }
      }
      if (k == T::kBad) return Fail(Malformed("Unexpected character: " + std::string(1, c)));
      out.push_back({k, std::string(s.substr(i, len))});
      i += len;
    }
  }
  out.push_back({T::kEof, ""});
  return out;
}

bool KeywordIs(const Tk& t, std::string_view kw) {
  if (t.kind != T::kIdent || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    char c = t.text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (c != kw[i]) return false;
  }
  return true;
}

class StatementParser {
 public:
  StatementParser(std::vector<Tk> toks, const json::array* params)
      : t_(std::move(toks)), params_(params) {}

  Result<Statement> Parse() {
    Statement st;
    std::optional<AwsError> err;
    if (Kw("SELECT")) err = Select(st);
    else if (Kw("INSERT")) err = Insert(st);
    else if (Kw("UPDATE")) err = UpdateStmt(st);
    else if (Kw("DELETE")) err = Delete(st);
    else err = Unexpected();
    if (err) return Fail(*err);
    if (Cur().kind != T::kEof) return Fail(Unexpected());
    size_t given = params_ ? params_->size() : 0;
    if (given != next_param_)
      return Fail(AwsError::Validation(
          "Number of parameters in request and statement don't match."));
    return st;
  }

 private:
  const Tk& Cur() const { return t_[i_]; }
  bool Kw(std::string_view kw) {
    if (!KeywordIs(Cur(), kw)) return false;
    ++i_;
    return true;
  }
  bool Is(T k) {
    if (Cur().kind != k) return false;
    ++i_;
    return true;
  }
  AwsError Unexpected() const {
    const Tk& t = Cur();
    if (t.kind == T::kEof) return Malformed("Unexpected end of statement");
    if (t.kind == T::kIdent) return Malformed("Unexpected keyword or identifier: " + t.text);
    return Malformed("Unexpected token: " + t.text);
  }

  std::optional<AwsError> TableRef(Statement& st) {
    if (Cur().kind != T::kIdent && Cur().kind != T::kQuoted) return Unexpected();
    st.table = Cur().text;
    ++i_;
    if (Is(T::kDot)) {
      if (Cur().kind != T::kIdent && Cur().kind != T::kQuoted) return Unexpected();
      st.index = Cur().text;
      ++i_;
    }
    if (st.table.empty()) return Malformed("Table name must not be empty");
    return std::nullopt;
  }

  std::optional<AwsError> PathExpr(Path& p) {
    if (Cur().kind != T::kIdent && Cur().kind != T::kQuoted) return Unexpected();
    p.push_back({Cur().text, -1});
    ++i_;
    while (true) {
      if (Is(T::kDot)) {
        if (Cur().kind != T::kIdent && Cur().kind != T::kQuoted) return Unexpected();
        p.push_back({Cur().text, -1});
        ++i_;
      } else if (Is(T::kLBracket)) {
        if (Cur().kind != T::kNumber) return Unexpected();
        int idx = 0;
        for (char c : Cur().text) {
          if (!Digit(c) || idx > 100'000'000) return Unexpected();
          idx = idx * 10 + (c - '0');
        }
        ++i_;
        if (!Is(T::kRBracket)) return Unexpected();
        p.push_back({"", idx});
      } else {
        return std::nullopt;
      }
    }
  }

  // ---- literals ----
  // Bounds recursion on hostile input (nested literals, NOT/parentheses).
  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& depth) : d(depth) { ++d; }
    ~DepthGuard() { --d; }
  };
  static constexpr int kMaxDepth = 300;

  std::optional<AwsError> Literal(json::value& out) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return Malformed("Statement is nested too deeply");
    const Tk& t = Cur();
    switch (t.kind) {
      case T::kString:
        out = json::value{{"S", t.text}};
        ++i_;
        return std::nullopt;
      case T::kNumber:
      case T::kMinus: {
        std::string text;
        if (t.kind == T::kMinus) {
          ++i_;
          if (Cur().kind != T::kNumber) return Unexpected();
          text = "-";
        }
        text += Cur().text;
        ++i_;
        auto n = Number::Parse(text);
        if (!n) return n.error();
        out = json::value{{"N", n->ToString()}};
        return std::nullopt;
      }
      case T::kParam: {
        ++i_;
        size_t k = next_param_++;
        if (!params_ || k >= params_->size())
          return AwsError::Validation(
              "Number of parameters in request and statement don't match.");
        out = (*params_)[k];
        if (auto err = ValidateValue(out)) return err;
        return std::nullopt;
      }
      case T::kLBracket: {
        ++i_;
        json::array arr;
        if (!Is(T::kRBracket)) {
          do {
            json::value v;
            if (auto err = Literal(v)) return err;
            arr.push_back(std::move(v));
          } while (Is(T::kComma));
          if (!Is(T::kRBracket)) return Unexpected();
        }
        out = json::value{{"L", std::move(arr)}};
        return std::nullopt;
      }
      case T::kSetOpen: {
        ++i_;
        json::array arr;
        Type elem = Type::kInvalid;
        if (Cur().kind == T::kSetClose) return Malformed("Set must not be empty");
        do {
          json::value v;
          if (auto err = Literal(v)) return err;
          Type et = TypeOf(v);
          if (et != Type::kS && et != Type::kN && et != Type::kB)
            return AwsError::Validation(
                "Unsupported type passed to set: " + std::string(TypeName(et)));
          if (elem != Type::kInvalid && et != elem)
            return AwsError::Validation("Set elements must all be of the same type");
          elem = et;
          arr.push_back(v.get_object().begin()->value());
        } while (Is(T::kComma));
        if (!Is(T::kSetClose)) return Unexpected();
        json::value set{{elem == Type::kS ? "SS" : elem == Type::kN ? "NS" : "BS",
                         std::move(arr)}};
        if (auto err = ValidateValue(set)) return err;
        out = std::move(set);
        return std::nullopt;
      }
      case T::kLBrace: {
        json::object m;
        if (auto err = MapBody(m)) return err;
        out = json::value{{"M", std::move(m)}};
        return std::nullopt;
      }
      case T::kIdent:
        if (KeywordIs(t, "TRUE") || KeywordIs(t, "FALSE")) {
          out = json::value{{"BOOL", KeywordIs(t, "TRUE")}};
          ++i_;
          return std::nullopt;
        }
        if (KeywordIs(t, "NULL")) {
          out = json::value{{"NULL", true}};
          ++i_;
          return std::nullopt;
        }
        return Unexpected();
      default:
        return Unexpected();
    }
  }

  // '{' 'key' : literal, ... '}' into attribute name -> value.
  std::optional<AwsError> MapBody(json::object& m) {
    if (!Is(T::kLBrace)) return Unexpected();
    if (Is(T::kRBrace)) return std::nullopt;
    do {
      if (Cur().kind != T::kString) return Unexpected();
      std::string key = Cur().text;
      ++i_;
      if (!Is(T::kColon)) return Unexpected();
      json::value v;
      if (auto err = Literal(v)) return err;
      if (m.contains(key)) return Malformed("Duplicate attribute name: " + key);
      m[key] = std::move(v);
    } while (Is(T::kComma));
    if (!Is(T::kRBrace)) return Unexpected();
    return std::nullopt;
  }

  bool AtLiteral() const {
    switch (Cur().kind) {
      case T::kString: case T::kNumber: case T::kMinus: case T::kParam: case T::kLBracket:
      case T::kSetOpen: case T::kLBrace:
        return true;
      case T::kIdent:
        return KeywordIs(Cur(), "TRUE") || KeywordIs(Cur(), "FALSE") || KeywordIs(Cur(), "NULL");
      default:
        return false;
    }
  }

  // ---- WHERE conditions ----
  std::optional<AwsError> Operand(ExprNode& out) {
    if (AtLiteral()) {
      out.kind = NodeKind::kValue;
      return Literal(out.value);
    }
    if (Cur().kind == T::kIdent && KeywordIs(Cur(), "SIZE") && t_[i_ + 1].kind == T::kLParen) {
      i_ += 2;
      ExprNode p;
      p.kind = NodeKind::kPath;
      if (auto err = PathExpr(p.path)) return err;
      if (!Is(T::kRParen)) return Unexpected();
      out.kind = NodeKind::kSize;
      out.children.push_back(std::move(p));
      return std::nullopt;
    }
    out.kind = NodeKind::kPath;
    return PathExpr(out.path);
  }

  std::optional<AwsError> Or(ExprNode& out) {
    if (auto err = And(out)) return err;
    while (Kw("OR")) {
      ExprNode rhs;
      if (auto err = And(rhs)) return err;
      ExprNode n;
      n.kind = NodeKind::kOr;
      n.children.push_back(std::move(out));
      n.children.push_back(std::move(rhs));
      out = std::move(n);
    }
    return std::nullopt;
  }
  std::optional<AwsError> And(ExprNode& out) {
    if (auto err = Not(out)) return err;
    while (Kw("AND")) {
      ExprNode rhs;
      if (auto err = Not(rhs)) return err;
      ExprNode n;
      n.kind = NodeKind::kAnd;
      n.children.push_back(std::move(out));
      n.children.push_back(std::move(rhs));
      out = std::move(n);
    }
    return std::nullopt;
  }
  std::optional<AwsError> Not(ExprNode& out) {
    DepthGuard guard(depth_);
    if (depth_ > kMaxDepth) return Malformed("Statement is nested too deeply");
    if (Kw("NOT")) {
      ExprNode inner;
      if (auto err = Not(inner)) return err;
      out.kind = NodeKind::kNot;
      out.children.push_back(std::move(inner));
      return std::nullopt;
    }
    return Predicate(out);
  }

  std::optional<AwsError> Predicate(ExprNode& out) {
    if (Is(T::kLParen)) {
      if (auto err = Or(out)) return err;
      if (!Is(T::kRParen)) return Unexpected();
      return std::nullopt;
    }
    // Functions usable as conditions.
    if (Cur().kind == T::kIdent && t_[i_ + 1].kind == T::kLParen) {
      static constexpr std::pair<std::string_view, Fn> kFns[] = {
          {"BEGINS_WITH", Fn::kBeginsWith},  {"CONTAINS", Fn::kContains},
          {"ATTRIBUTE_TYPE", Fn::kAttributeType}, {"EXISTS", Fn::kAttributeExists}};
      for (auto [name, fn] : kFns) {
        if (!KeywordIs(Cur(), name)) continue;
        i_ += 2;
        out.kind = NodeKind::kFunction;
        out.fn = fn;
        ExprNode path;
        path.kind = NodeKind::kPath;
        if (auto err = PathExpr(path.path)) return err;
        out.children.push_back(std::move(path));
        if (fn != Fn::kAttributeExists) {
          if (!Is(T::kComma)) return Unexpected();
          ExprNode arg;
          if (auto err = Operand(arg)) return err;
          out.children.push_back(std::move(arg));
        }
        if (!Is(T::kRParen)) return Unexpected();
        return std::nullopt;
      }
    }
    ExprNode lhs;
    if (auto err = Operand(lhs)) return err;
    if (Kw("IS")) {
      bool negate = Kw("NOT");
      ExprNode n;
      if (Kw("MISSING")) {
        n.kind = NodeKind::kFunction;
        n.fn = negate ? Fn::kAttributeExists : Fn::kAttributeNotExists;
        n.children.push_back(std::move(lhs));
      } else if (Kw("NULL")) {
        n.kind = NodeKind::kFunction;
        n.fn = Fn::kAttributeType;
        n.children.push_back(std::move(lhs));
        ExprNode t;
        t.kind = NodeKind::kValue;
        t.value = json::value{{"S", "NULL"}};
        n.children.push_back(std::move(t));
        if (negate) {
          ExprNode neg;
          neg.kind = NodeKind::kNot;
          neg.children.push_back(std::move(n));
          n = std::move(neg);
        }
      } else {
        return Unexpected();
      }
      out = std::move(n);
      return std::nullopt;
    }
    if (Kw("BETWEEN")) {
      ExprNode lo, hi;
      if (auto err = Operand(lo)) return err;
      if (!Kw("AND")) return Unexpected();
      if (auto err = Operand(hi)) return err;
      out.kind = NodeKind::kBetween;
      out.children.push_back(std::move(lhs));
      out.children.push_back(std::move(lo));
      out.children.push_back(std::move(hi));
      return std::nullopt;
    }
    if (Kw("IN")) {
      T close;
      if (Is(T::kLBracket)) close = T::kRBracket;
      else if (Is(T::kLParen)) close = T::kRParen;
      else return Unexpected();
      out.kind = NodeKind::kIn;
      out.children.push_back(std::move(lhs));
      do {
        ExprNode v;
        if (auto err = Operand(v)) return err;
        out.children.push_back(std::move(v));
      } while (Is(T::kComma));
      if (!Is(close)) return Unexpected();
      return std::nullopt;
    }
    CmpOp op;
    switch (Cur().kind) {
      case T::kEq: op = CmpOp::kEq; break;
      case T::kNe: op = CmpOp::kNe; break;
      case T::kLt: op = CmpOp::kLt; break;
      case T::kLe: op = CmpOp::kLe; break;
      case T::kGt: op = CmpOp::kGt; break;
      case T::kGe: op = CmpOp::kGe; break;
      default: return Unexpected();
    }
    ++i_;
    ExprNode rhs;
    if (auto err = Operand(rhs)) return err;
    out.kind = NodeKind::kCompare;
    out.op = op;
    out.children.push_back(std::move(lhs));
    out.children.push_back(std::move(rhs));
    return std::nullopt;
  }

  // WHERE clause; fills key_equalities from the top-level AND-ed `attr = value` terms.
  std::optional<AwsError> Where(Statement& st) {
    ExprNode root;
    if (auto err = Or(root)) return err;
    std::vector<const ExprNode*> stack = {&root};
    while (!stack.empty()) {
      const ExprNode* n = stack.back();
      stack.pop_back();
      if (n->kind == NodeKind::kAnd) {
        stack.push_back(&n->children[1]);
        stack.push_back(&n->children[0]);
      } else if (n->kind == NodeKind::kCompare && n->op == CmpOp::kEq) {
        const ExprNode* a = &n->children[0];
        const ExprNode* b = &n->children[1];
        if (a->kind != NodeKind::kPath) std::swap(a, b);
        if (a->kind == NodeKind::kPath && a->path.size() == 1 && b->kind == NodeKind::kValue)
          st.key_equalities.emplace_back(a->path[0].name, b->value);
      }
    }
    st.where = Condition::FromTree(std::move(root));
    return std::nullopt;
  }

  std::optional<AwsError> Returning(Statement& st) {
    if (!Kw("RETURNING")) return std::nullopt;
    std::string which;
    if (Kw("ALL")) which = "ALL_";
    else if (Kw("MODIFIED")) which = "UPDATED_";
    else return Unexpected();
    if (Kw("OLD")) which += "OLD";
    else if (Kw("NEW")) which += "NEW";
    else return Unexpected();
    if (!Is(T::kStar)) return Unexpected();
    st.returning = which;
    return std::nullopt;
  }

  // ---- statements ----
  std::optional<AwsError> Select(Statement& st) {
    st.kind = Statement::Kind::kSelect;
    std::vector<Path> paths;
    if (!Is(T::kStar)) {
      do {
        Path p;
        if (auto err = PathExpr(p)) return err;
        paths.push_back(std::move(p));
      } while (Is(T::kComma));
    }
    if (!Kw("FROM")) return Unexpected();
    if (auto err = TableRef(st)) return err;
    if (!paths.empty()) {
      if (auto err = CheckPathOverlaps(paths, "ProjectionExpression")) return err;
      st.projection = Projection::FromPaths(std::move(paths));
    }
    if (Kw("WHERE"))
      if (auto err = Where(st)) return err;
    if (Kw("ORDER")) {
      if (!Kw("BY")) return Unexpected();
      if (Cur().kind != T::kIdent && Cur().kind != T::kQuoted) return Unexpected();
      st.order_by = Cur().text;
      ++i_;
      if (Kw("DESC")) st.descending = true;
      else Kw("ASC");
    }
    return std::nullopt;
  }

  std::optional<AwsError> Insert(Statement& st) {
    st.kind = Statement::Kind::kInsert;
    if (!Kw("INTO")) return Unexpected();
    if (auto err = TableRef(st)) return err;
    if (!Kw("VALUE")) return Unexpected();
    if (Cur().kind == T::kParam) {
      json::value v;
      if (auto err = Literal(v)) return err;
      if (TypeOf(v) != Type::kM) return Malformed("VALUE must be a map");
      st.item = v.get_object().begin()->value().get_object();
      return std::nullopt;
    }
    return MapBody(st.item);
  }

  std::optional<AwsError> UpdateValue(ExprNode& out) {
    // list_append(a, b), set_add(path, set), set_delete(path, set), or operand [+|- operand].
    if (Cur().kind == T::kIdent && t_[i_ + 1].kind == T::kLParen &&
        (KeywordIs(Cur(), "LIST_APPEND") || KeywordIs(Cur(), "IF_NOT_EXISTS"))) {
      bool append = KeywordIs(Cur(), "LIST_APPEND");
      i_ += 2;
      ExprNode a, b;
      if (auto err = Operand(a)) return err;
      if (!Is(T::kComma)) return Unexpected();
      if (auto err = Operand(b)) return err;
      if (!Is(T::kRParen)) return Unexpected();
      if (!append && a.kind != NodeKind::kPath) return Unexpected();
      out.kind = append ? NodeKind::kListAppend : NodeKind::kIfNotExists;
      out.children.push_back(std::move(a));
      out.children.push_back(std::move(b));
      return std::nullopt;
    }
    ExprNode lhs;
    if (auto err = Operand(lhs)) return err;
    if (Cur().kind != T::kPlus && Cur().kind != T::kMinus) {
      out = std::move(lhs);
      return std::nullopt;
    }
    bool plus = Cur().kind == T::kPlus;
    ++i_;
    ExprNode rhs;
    if (auto err = Operand(rhs)) return err;
    out.kind = plus ? NodeKind::kPlus : NodeKind::kMinus;
    out.children.push_back(std::move(lhs));
    out.children.push_back(std::move(rhs));
    return std::nullopt;
  }

  std::optional<AwsError> UpdateStmt(Statement& st) {
    st.kind = Statement::Kind::kUpdate;
    if (auto err = TableRef(st)) return err;
    ExprNode root;
    root.kind = NodeKind::kUpdate;
    bool any = false;
    while (true) {
      if (Kw("SET")) {
        do {
          ExprNode action;
          action.kind = NodeKind::kSet;
          if (auto err = PathExpr(action.path)) return err;
          if (!Is(T::kEq)) return Unexpected();
          // set_add / set_delete become ADD / DELETE of the set.
          if (Cur().kind == T::kIdent && t_[i_ + 1].kind == T::kLParen &&
              (KeywordIs(Cur(), "SET_ADD") || KeywordIs(Cur(), "SET_DELETE"))) {
            bool add = KeywordIs(Cur(), "SET_ADD");
            i_ += 2;
            Path p;
            if (auto err = PathExpr(p)) return err;
            if (p != action.path) return Malformed("set_add/set_delete must update the same path");
            if (!Is(T::kComma)) return Unexpected();
            ExprNode v;
            v.kind = NodeKind::kValue;
            if (auto err = Literal(v.value)) return err;
            if (!Is(T::kRParen)) return Unexpected();
            Type t = TypeOf(v.value);
            if (t != Type::kSS && t != Type::kNS && t != Type::kBS)
              return AwsError::Validation("Unsupported operand type for " +
                                          std::string(add ? "set_add" : "set_delete"));
            action.kind = add ? NodeKind::kAdd : NodeKind::kDelete;
            action.children.push_back(std::move(v));
          } else {
            ExprNode value;
            if (auto err = UpdateValue(value)) return err;
            action.children.push_back(std::move(value));
          }
          root.children.push_back(std::move(action));
        } while (Is(T::kComma));
        any = true;
      } else if (Kw("REMOVE")) {
        do {
          ExprNode action;
          action.kind = NodeKind::kRemove;
          if (auto err = PathExpr(action.path)) return err;
          root.children.push_back(std::move(action));
        } while (Is(T::kComma));
        any = true;
      } else {
        break;
      }
    }
    if (!any) return Unexpected();
    std::vector<Path> paths;
    for (const auto& a : root.children) paths.push_back(a.path);
    if (auto err = CheckPathOverlaps(paths, "UpdateExpression")) return err;
    st.update = Update::FromTree(std::move(root));
    if (!Kw("WHERE")) return Malformed("Where clause is required for UPDATE statements");
    if (auto err = Where(st)) return err;
    return Returning(st);
  }

  std::optional<AwsError> Delete(Statement& st) {
    st.kind = Statement::Kind::kDelete;
    if (!Kw("FROM")) return Unexpected();
    if (auto err = TableRef(st)) return err;
    if (!Kw("WHERE")) return Malformed("Where clause is required for DELETE statements");
    if (auto err = Where(st)) return err;
    return Returning(st);
  }

  std::vector<Tk> t_;
  size_t i_ = 0;
  const json::array* params_;
  size_t next_param_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Statement> Statement::Parse(std::string_view text, const json::array* parameters) {
  auto toks = Lex(text);
  if (!toks) return Fail(toks.error());
  if (toks->size() == 1) return Fail(Malformed("Statement must not be empty"));
  StatementParser p(std::move(*toks), parameters);
  return p.Parse();
}

}  // namespace stratus::dynamodb
