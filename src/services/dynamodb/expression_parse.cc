// Tokenizer and recursive-descent parser of DynamoDB's expression language (condition / filter /
// key condition, update, projection), with AWS's ValidationException messages. Grammar and
// precedence per AWS's "Comparison operator and function reference": OR < AND < NOT <
// comparisons, BETWEEN, IN and functions, parentheses first. Syntax errors are reported before
// semantic ones (undefined placeholders, reserved words, operand types), as AWS parses first.
// Pinned by tests/unit/dynamodb_expression_test.cc.
#include <boost/json/serialize.hpp>

#include <charconv>
#include <string>
#include <vector>

#include "core/json.h"
#include "services/dynamodb/expression_internal.h"
#include "services/dynamodb/number.h"

namespace stratus::dynamodb {

bool IsReservedWord(std::string_view word);

namespace {

constexpr size_t kMaxNestingLevels = 32;
constexpr size_t kMaxInOperands = 100;

enum class Tok {
  kName, kHashName, kValueRef, kNumber, kLParen, kRParen, kLBracket, kRBracket, kComma, kDot,
  kEq, kNe, kLt, kLe, kGt, kGe, kPlus, kMinus, kEof, kInvalid,
};

struct Token {
  Tok kind;
  size_t begin, end;
};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigitChar(c); }

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i >= s.size()) break;
    size_t b = i;
    char c = s[i];
    Tok k = Tok::kInvalid;
    if (IsNameStart(c)) {
      while (i < s.size() && IsNameChar(s[i])) ++i;
      k = Tok::kName;
    } else if (IsDigitChar(c)) {
      while (i < s.size() && IsDigitChar(s[i])) ++i;
      k = Tok::kNumber;
    } else if (c == '#' || c == ':') {
      ++i;
      while (i < s.size() && IsNameChar(s[i])) ++i;
      k = i - b > 1 ? (c == '#' ? Tok::kHashName : Tok::kValueRef) : Tok::kInvalid;
    } else {
      ++i;
      switch (c) {
        case '(': k = Tok::kLParen; break;
        case ')': k = Tok::kRParen; break;
        case '[': k = Tok::kLBracket; break;
        case ']': k = Tok::kRBracket; break;
        case ',': k = Tok::kComma; break;
        case '.': k = Tok::kDot; break;
        case '=': k = Tok::kEq; break;
        case '+': k = Tok::kPlus; break;
        case '-': k = Tok::kMinus; break;
        case '<':
          k = Tok::kLt;
          if (i < s.size() && s[i] == '=') ++i, k = Tok::kLe;
          else if (i < s.size() && s[i] == '>') ++i, k = Tok::kNe;
          break;
        case '>':
          k = Tok::kGt;
          if (i < s.size() && s[i] == '=') ++i, k = Tok::kGe;
          break;
        default:
          // One whole UTF-8 character as the bad token.
          while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
          k = Tok::kInvalid;
      }
    }
    out.push_back({k, b, i});
  }
  out.push_back({Tok::kEof, s.size(), s.size()});
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

std::string FormatValue(const json::value& v) {
  // "AttributeValue: {N:5}" as AWS prints operands in BETWEEN errors.
  Type t = TypeOf(v);
  std::string out = "{" + std::string(TypeName(t)) + ":";
  if (t == Type::kS || t == Type::kN || t == Type::kB) out += std::string(ScalarText(v));
  else out += json::serialize(v.get_object().begin()->value());
  return out + "}";
}

class Parser {
 public:
  Parser(std::string_view text, Placeholders& ph, std::string_view which)
      : text_(text), toks_(Tokenize(text)), ph_(ph), which_(which) {}

  bool Empty() const { return toks_.size() == 1; }

  AwsError Error(std::string_view what) const {
    return AwsError::Validation("Invalid " + std::string(which_) + ": " + std::string(what));
  }

  // The error to report: syntax first, then the first semantic one.
  std::optional<AwsError> Failure() const { return syntax_ ? syntax_ : semantic_; }

  // ---- conditions ----
  bool ParseCondition(ExprNode& out) {
    return ParseLeftAssociative(out, "OR", NodeKind::kOr, &Parser::ParseAnd);
  }

  // operand (KEYWORD operand)*, folded to the left: OR over AND, AND over NOT.
  bool ParseLeftAssociative(ExprNode& out, std::string_view keyword, NodeKind kind,
                            bool (Parser::*operand)(ExprNode&)) {
    if (!(this->*operand)(out)) return false;
    while (IsKeyword(keyword)) {
      ++i_;
      ExprNode rhs;
      if (!(this->*operand)(rhs)) return false;
      ExprNode n;
      n.kind = kind;
      n.children.push_back(std::move(out));
      n.children.push_back(std::move(rhs));
      out = std::move(n);
    }
    return true;
  }

  bool AtEnd() { return Cur().kind == Tok::kEof || SyntaxError(); }

  // ---- update ----
  bool ParseUpdate(ExprNode& root) {
    root.kind = NodeKind::kUpdate;
    bool seen[4] = {false, false, false, false};
    static constexpr std::string_view kClauses[] = {"SET", "REMOVE", "ADD", "DELETE"};
    if (Cur().kind == Tok::kEof) return SyntaxError();
    while (Cur().kind != Tok::kEof) {
      int clause = -1;
      for (int c = 0; c < 4; ++c)
        if (IsKeyword(kClauses[c])) clause = c;
      if (clause < 0) return SyntaxError();
      if (seen[clause])
        Semantic(Error("The \"" + std::string(kClauses[clause]) +
                       "\" section can only be used once in an update expression;"));
      seen[clause] = true;
      ++i_;
      do {
        ExprNode action;
        action.kind = clause == 0   ? NodeKind::kSet
                      : clause == 1 ? NodeKind::kRemove
                      : clause == 2 ? NodeKind::kAdd
                                    : NodeKind::kDelete;
        if (!ParsePath(action.path)) return false;
        if (clause == 0) {
          if (Cur().kind != Tok::kEq) return SyntaxError();
          ++i_;
          ExprNode value;
          if (!ParseSetValue(value)) return false;
          action.children.push_back(std::move(value));
        } else if (clause >= 2) {
          if (Cur().kind != Tok::kValueRef) return SyntaxError();
          ExprNode value;
          if (!ParseValueRef(value)) return false;
          if (value.kind == NodeKind::kValue && !value.value.is_null()) {
            Type t = TypeOf(value.value);
            bool ok = clause == 2 ? (t == Type::kN || t == Type::kSS || t == Type::kNS ||
                                     t == Type::kBS)
                                  : (t == Type::kSS || t == Type::kNS || t == Type::kBS);
            if (!ok)
              Semantic(Error(
                  "Incorrect operand type for operator or function; operator: " +
                  std::string(clause == 2 ? "ADD" : "DELETE") + ", operand type: " +
                  std::string(LongTypeName(t)) + ", typeSet: " +
                  std::string(clause == 2 ? "ALLOWED_FOR_ADD_OPERAND"
                                          : "ALLOWED_FOR_DELETE_OPERAND")));
          }
          action.children.push_back(std::move(value));
        }
        root.children.push_back(std::move(action));
        if (Cur().kind != Tok::kComma) break;
        ++i_;
      } while (true);
    }
    return true;
  }

  // ---- projection ----
  bool ParseProjection(std::vector<Path>& out) {
    do {
      Path p;
      if (!ParsePath(p)) return false;
      out.push_back(std::move(p));
      if (Cur().kind != Tok::kComma) break;
      ++i_;
    } while (true);
    return AtEnd();
  }

  void SetKeyCondition() { key_condition_ = true; }

 private:
  const Token& Cur() const { return toks_[i_]; }
  std::string_view TextOf(const Token& t) const { return text_.substr(t.begin, t.end - t.begin); }
  bool IsKeyword(std::string_view kw) const {
    return Cur().kind == Tok::kName && IEquals(TextOf(Cur()), kw);
  }
  bool IsGrammarKeyword(std::string_view word) const {
    static constexpr std::string_view kWords[] = {"AND", "OR", "NOT", "BETWEEN", "IN"};
    for (auto w : kWords)
      if (IEquals(word, w)) return true;
    return false;
  }

  // Syntax error at the current token: AWS quotes the token and the text from the previous
  // token to the next one.
  bool SyntaxError() {
    if (syntax_) return false;
    const Token& t = Cur();
    std::string token = t.kind == Tok::kEof ? "<EOF>" : std::string(TextOf(t));
    size_t from = i_ > 0 ? toks_[i_ - 1].begin : t.begin;
    size_t to = i_ + 1 < toks_.size() ? toks_[i_ + 1].end : t.end;
    syntax_ = Error("Syntax error; token: \"" + token + "\", near: \"" +
                    std::string(text_.substr(from, to - from)) + "\"");
    return false;
  }
  void Semantic(AwsError e) {
    if (!semantic_) semantic_ = std::move(e);
  }

  bool ParseAnd(ExprNode& out) {
    return ParseLeftAssociative(out, "AND", NodeKind::kAnd, &Parser::ParseNot);
  }

  bool ParseNot(ExprNode& out) {
    // Bounds recursion on hostile input (NOT NOT ... / ((( ...); AWS's 4 KB expression limit
    // keeps real expressions far below this.
    if (++depth_ > kMaxDepth) return SyntaxError();
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (IsKeyword("NOT")) {
      ++i_;
      ExprNode inner;
      if (!ParseNot(inner)) return false;
      out.kind = NodeKind::kNot;
      out.children.push_back(std::move(inner));
      return true;
    }
    return ParsePrimary(out);
  }

  static std::optional<Fn> ConditionFunction(std::string_view name) {
    if (name == "attribute_exists") return Fn::kAttributeExists;
    if (name == "attribute_not_exists") return Fn::kAttributeNotExists;
    if (name == "attribute_type") return Fn::kAttributeType;
    if (name == "begins_with") return Fn::kBeginsWith;
    if (name == "contains") return Fn::kContains;
    return std::nullopt;
  }

  bool AtComparison() const {
    switch (Cur().kind) {
      case Tok::kEq: case Tok::kNe: case Tok::kLt: case Tok::kLe: case Tok::kGt: case Tok::kGe:
        return true;
      default:
        return IsKeyword("BETWEEN") || IsKeyword("IN");
    }
  }

  bool ParsePrimary(ExprNode& out) {
    if (Cur().kind == Tok::kLParen) {
      ++i_;
      ExprNode inner;
      if (!ParseCondition(inner)) return false;
      if (Cur().kind != Tok::kRParen) return SyntaxError();
      ++i_;
      if (inner.parenthesized) Semantic(Error("The expression has redundant parentheses;"));
      out = std::move(inner);
      out.parenthesized = true;
      return true;
    }
    if (Cur().kind == Tok::kName && toks_[i_ + 1].kind == Tok::kLParen) {
      std::string_view name = TextOf(Cur());
      if (auto fn = ConditionFunction(name)) return ParseConditionFunction(*fn, name, out);
    }
    ExprNode lhs;
    if (!ParseOperand(lhs)) return false;
    return ParseComparisonRest(std::move(lhs), out);
  }

  bool ParseComparisonRest(ExprNode lhs, ExprNode& out) {
    Tok k = Cur().kind;
    CmpOp op;
    switch (k) {
      case Tok::kEq: op = CmpOp::kEq; break;
      case Tok::kNe: op = CmpOp::kNe; break;
      case Tok::kLt: op = CmpOp::kLt; break;
      case Tok::kLe: op = CmpOp::kLe; break;
      case Tok::kGt: op = CmpOp::kGt; break;
      case Tok::kGe: op = CmpOp::kGe; break;
      default:
        if (IsKeyword("BETWEEN")) return ParseBetween(std::move(lhs), out);
        if (IsKeyword("IN")) return ParseIn(std::move(lhs), out);
        if (lhs.kind == NodeKind::kSize && Cur().kind == Tok::kEof && !syntax_) {
          Semantic(Error(
              "The function is not allowed to be used this way in an expression; function: "
              "size"));
          return true;
        }
        return SyntaxError();
    }
    std::string_view op_text = TextOf(Cur());
    ++i_;
    ExprNode rhs;
    if (!ParseOperand(rhs)) return false;
    if (op != CmpOp::kEq && op != CmpOp::kNe) {
      CheckOrderable(lhs, op_text);
      CheckOrderable(rhs, op_text);
    }
    out.kind = NodeKind::kCompare;
    out.op = op;
    out.children.push_back(std::move(lhs));
    out.children.push_back(std::move(rhs));
    return true;
  }

  // <, <=, >, >= and BETWEEN take S, N or B constants only.
  void CheckOrderable(const ExprNode& n, std::string_view op) {
    if (n.kind != NodeKind::kValue || n.value.is_null()) return;
    Type t = TypeOf(n.value);
    if (t == Type::kS || t == Type::kN || t == Type::kB) return;
    Semantic(Error("Incorrect operand type for operator or function; operator or function: " +
                   std::string(op) + ", operand type: " + std::string(TypeName(t))));
  }

  bool ParseBetween(ExprNode lhs, ExprNode& out) {
    ++i_;
    ExprNode lo, hi;
    if (!ParseOperand(lo)) return false;
    if (!IsKeyword("AND")) return SyntaxError();
    ++i_;
    if (!ParseOperand(hi)) return false;
    CheckOrderable(lhs, "BETWEEN");
    CheckOrderable(lo, "BETWEEN");
    CheckOrderable(hi, "BETWEEN");
    if (lo.kind == NodeKind::kValue && hi.kind == NodeKind::kValue && !lo.value.is_null() &&
        !hi.value.is_null()) {
      auto c = CompareScalars(lo.value, hi.value);
      Type tl = TypeOf(lo.value), th = TypeOf(hi.value);
      if (tl != th && (tl == Type::kS || tl == Type::kN || tl == Type::kB) &&
          (th == Type::kS || th == Type::kN || th == Type::kB))
        Semantic(Error(
            "The BETWEEN operator requires same data type for lower and upper bounds; lower "
            "bound operand: AttributeValue: " + FormatValue(lo.value) +
            ", upper bound operand: AttributeValue: " + FormatValue(hi.value)));
      if (c && *c > 0)
        Semantic(Error(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower "
            "bound; lower bound operand: AttributeValue: " + FormatValue(lo.value) +
            ", upper bound operand: AttributeValue: " + FormatValue(hi.value)));
    }
    out.kind = NodeKind::kBetween;
    out.children.push_back(std::move(lhs));
    out.children.push_back(std::move(lo));
    out.children.push_back(std::move(hi));
    return true;
  }

  bool ParseIn(ExprNode lhs, ExprNode& out) {
    ++i_;
    if (Cur().kind != Tok::kLParen) return SyntaxError();
    ++i_;
    out.kind = NodeKind::kIn;
    out.children.push_back(std::move(lhs));
    do {
      ExprNode v;
      if (!ParseOperand(v)) return false;
      out.children.push_back(std::move(v));
      if (Cur().kind != Tok::kComma) break;
      ++i_;
    } while (true);
    if (Cur().kind != Tok::kRParen) return SyntaxError();
    ++i_;
    if (out.children.size() - 1 > kMaxInOperands)
      Semantic(Error("The IN operator is provided with too many operands; number of operands: " +
                     std::to_string(out.children.size() - 1)));
    return true;
  }

  // name '(' operand (',' operand)* ')'
  bool ParseArgs(std::vector<ExprNode>& args) {
    ++i_;  // name
    ++i_;  // (
    do {
      ExprNode a;
      if (!ParseOperand(a)) return false;
      args.push_back(std::move(a));
      if (Cur().kind != Tok::kComma) break;
      ++i_;
    } while (true);
    if (Cur().kind != Tok::kRParen) return SyntaxError();
    ++i_;
    return true;
  }

  void CheckArity(std::string_view fn, size_t got, size_t want) {
    if (got != want)
      Semantic(Error(
          "Incorrect number of operands for operator or function; operator or function: " +
          std::string(fn) + ", number of operands: " + std::to_string(got)));
  }
  void RequirePath(std::string_view fn, const ExprNode& n) {
    if (n.kind != NodeKind::kPath)
      Semantic(Error(
          "Operator or function requires a document path; operator or function: " +
          std::string(fn)));
  }

  bool ParseConditionFunction(Fn fn, std::string_view name, ExprNode& out) {
    std::vector<ExprNode> args;
    if (!ParseArgs(args)) return false;
    if (AtComparison()) {
      Semantic(Error(
          "The function is not allowed to be used this way in an expression; function: " +
          std::string(name)));
      // Consume the rest of the comparison so that syntax errors after it are still found.
      ExprNode ignored, lhs;
      lhs.kind = NodeKind::kValue;
      return ParseComparisonRest(std::move(lhs), ignored);
    }
    if (key_condition_ && fn != Fn::kBeginsWith)
      Semantic(Error("The function is not allowed in a key condition; function: " +
                     std::string(name)));
    size_t want = (fn == Fn::kAttributeExists || fn == Fn::kAttributeNotExists) ? 1 : 2;
    CheckArity(name, args.size(), want);
    if (!args.empty()) RequirePath(name, args[0]);
    if (args.size() == 2 && args[1].kind == NodeKind::kValue && !args[1].value.is_null()) {
      Type t = TypeOf(args[1].value);
      bool ok = true;
      if (fn == Fn::kBeginsWith) ok = t == Type::kS || t == Type::kB;
      if (fn == Fn::kAttributeType) ok = t == Type::kS;
      if (!ok)
        Semantic(Error("Incorrect operand type for operator or function; operator or function: " +
                       std::string(name) + ", operand type: " + std::string(TypeName(t))));
      if (ok && fn == Fn::kAttributeType) {
        std::string_view tn = ScalarText(args[1].value);
        static constexpr std::string_view kTypes[] = {"S", "N", "B", "BOOL", "NULL",
                                                      "L", "M", "SS", "NS", "BS"};
        bool known = false;
        for (auto k : kTypes) known = known || k == tn;
        if (!known)
          Semantic(Error("Invalid attribute type name found; type: " + std::string(tn) +
                         ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"));
      }
    }
    out.kind = NodeKind::kFunction;
    out.fn = fn;
    out.children = std::move(args);
    return true;
  }

  // Condition operand: path, :value or size(path). Update operands add if_not_exists and
  // list_append (allow_update_functions).
  bool ParseOperand(ExprNode& out, bool allow_update_functions = false) {
    const Token& t = Cur();
    if (t.kind == Tok::kValueRef) return ParseValueRef(out);
    if (t.kind == Tok::kName && toks_[i_ + 1].kind == Tok::kLParen) {
      std::string_view name = TextOf(t);
      if (name == "size" && !allow_update_functions) {
        std::vector<ExprNode> args;
        if (!ParseArgs(args)) return false;
        if (key_condition_)
          Semantic(Error("The function is not allowed in a key condition; function: size"));
        CheckArity(name, args.size(), 1);
        if (!args.empty()) RequirePath(name, args[0]);
        out.kind = NodeKind::kSize;
        out.children = std::move(args);
        return true;
      }
      if (allow_update_functions && (name == "if_not_exists" || name == "list_append")) {
        std::vector<ExprNode> args;
        if (!ParseArgsUpdate(args)) return false;
        CheckArity(name, args.size(), 2);
        if (name == "if_not_exists") {
          if (!args.empty()) RequirePath(name, args[0]);
          out.kind = NodeKind::kIfNotExists;
        } else {
          for (const auto& a : args)
            if (a.kind == NodeKind::kValue && !a.value.is_null() &&
                TypeOf(a.value) != Type::kL)
              Semantic(Error(
                  "Incorrect operand type for operator or function; operator or function: "
                  "list_append, operand type: " + std::string(LongTypeName(TypeOf(a.value)))));
          out.kind = NodeKind::kListAppend;
        }
        out.children = std::move(args);
        return true;
      }
      // Any other function: AWS names it.
      bool known = ConditionFunction(name) || name == "size" || name == "if_not_exists" ||
                   name == "list_append";
      std::vector<ExprNode> args;
      if (!ParseArgs(args)) return false;
      if (!known) {
        Semantic(Error("Invalid function name; function: " + std::string(name)));
      } else if (allow_update_functions) {
        Semantic(Error("The function is not allowed in an update expression; function: " +
                       std::string(name)));
      } else if (ConditionFunction(name)) {
        Semantic(Error(
            "The function is not allowed to be used this way in an expression; function: " +
            std::string(name)));
      } else {
        Semantic(Error("The function is not allowed in a condition expression; function: " +
                       std::string(name)));
      }
      out.kind = NodeKind::kValue;
      return true;
    }
    out.kind = NodeKind::kPath;
    return ParsePath(out.path);
  }

  bool ParseArgsUpdate(std::vector<ExprNode>& args) {
    ++i_;
    ++i_;
    do {
      ExprNode a;
      if (!ParseOperand(a, true)) return false;
      args.push_back(std::move(a));
      if (Cur().kind != Tok::kComma) break;
      ++i_;
    } while (true);
    if (Cur().kind != Tok::kRParen) return SyntaxError();
    ++i_;
    return true;
  }

  bool ParseSetValue(ExprNode& out) {
    ExprNode lhs;
    if (!ParseOperand(lhs, true)) return false;
    if (Cur().kind != Tok::kPlus && Cur().kind != Tok::kMinus) {
      out = std::move(lhs);
      return true;
    }
    bool plus = Cur().kind == Tok::kPlus;
    ++i_;
    ExprNode rhs;
    if (!ParseOperand(rhs, true)) return false;
    for (const auto* n : {&lhs, &rhs})
      if (n->kind == NodeKind::kValue && !n->value.is_null() && TypeOf(n->value) != Type::kN)
        Semantic(Error("Incorrect operand type for operator or function; operator or function: " +
                       std::string(plus ? "+" : "-") + ", operand type: " +
                       std::string(LongTypeName(TypeOf(n->value)))));
    out.kind = plus ? NodeKind::kPlus : NodeKind::kMinus;
    out.children.push_back(std::move(lhs));
    out.children.push_back(std::move(rhs));
    return true;
  }

  bool ParseValueRef(ExprNode& out) {
    std::string key(TextOf(Cur()));
    ++i_;
    out.kind = NodeKind::kValue;
    const json::object* values = ph_.values();
    const json::value* v = values ? Find(*values, key) : nullptr;
    if (!v) {
      Semantic(Error(
          "An expression attribute value used in expression is not defined; attribute value: " +
          key));
      return true;  // value stays null: no further checks on it
    }
    ph_.used_values.insert(key);
    json::value copy = *v;
    if (auto err = ValidateValue(copy)) {
      Semantic(AwsError::Validation("ExpressionAttributeValues contains invalid value: " +
                                    err->message + " for key " + key));
      return true;
    }
    out.value = std::move(copy);
    return true;
  }

  bool ParsePathElement(Path& path) {
    const Token& t = Cur();
    if (t.kind == Tok::kHashName) {
      std::string key(TextOf(t));
      ++i_;
      const json::object* names = ph_.names();
      const json::value* v = names ? Find(*names, key) : nullptr;
      if (!v || !v->is_string()) {
        Semantic(Error(
            "An expression attribute name used in the document path is not defined; attribute "
            "name: " + key));
        path.push_back({key, -1});
        return true;
      }
      ph_.used_names.insert(key);
      path.push_back({std::string(v->get_string()), -1});
      return true;
    }
    if (t.kind == Tok::kName) {
      std::string_view name = TextOf(t);
      if (IsGrammarKeyword(name)) return SyntaxError();
      if (IsReservedWord(name))
        Semantic(Error("Attribute name is a reserved keyword; reserved keyword: " +
                       std::string(name)));
      ++i_;
      path.push_back({std::string(name), -1});
      return true;
    }
    return SyntaxError();
  }

  bool ParsePath(Path& path) {
    if (!ParsePathElement(path)) return false;
    while (true) {
      if (Cur().kind == Tok::kDot) {
        ++i_;
        if (!ParsePathElement(path)) return false;
      } else if (Cur().kind == Tok::kLBracket) {
        ++i_;
        if (Cur().kind != Tok::kNumber) return SyntaxError();
        std::string_view digits = TextOf(Cur());
        int index = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (ec != std::errc()) return SyntaxError();
        ++i_;
        if (Cur().kind != Tok::kRBracket) return SyntaxError();
        ++i_;
        path.push_back({"", index});
      } else {
        break;
      }
    }
    if (path.size() > kMaxNestingLevels)
      Semantic(Error("The document path has too many nesting levels; nesting levels: " +
                     std::to_string(path.size())));
    return true;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  Placeholders& ph_;
  std::string_view which_;
  bool key_condition_ = false;
  int depth_ = 0;
  static constexpr int kMaxDepth = 300;
  std::optional<AwsError> syntax_, semantic_;
};

// AWS: "The maximum length of any expression string is 4 KB."
constexpr size_t kMaxExpressionBytes = 4096;
std::optional<AwsError> CheckSize(std::string_view text, std::string_view which) {
  if (text.size() <= kMaxExpressionBytes) return std::nullopt;
  return AwsError::Validation("Invalid " + std::string(which) +
                              ": Expression size has exceeded the maximum allowed size; "
                              "expression size: " + std::to_string(text.size()));
}

AwsError EmptyExpression(std::string_view which) {
  return AwsError::Validation("Invalid " + std::string(which) +
                              ": The expression can not be empty;");
}

}  // namespace

// ---- entry points ---------------------------------------------------------------------------

Result<ExprNode> ParseConditionTree(std::string_view text, Placeholders& ph,
                                    std::string_view which, bool key_condition) {
  ++ph.expressions;
  if (auto err = CheckSize(text, which)) return Fail(*err);
  Parser p(text, ph, which);
  if (p.Empty()) return Fail(EmptyExpression(which));
  if (key_condition) p.SetKeyCondition();
  ExprNode root;
  if (p.ParseCondition(root)) p.AtEnd();
  if (auto err = p.Failure()) return Fail(*err);
  return root;
}

Result<ExprNode> ParseUpdateTree(std::string_view text, Placeholders& ph) {
  ++ph.expressions;
  if (auto err = CheckSize(text, "UpdateExpression")) return Fail(*err);
  Parser p(text, ph, "UpdateExpression");
  if (p.Empty()) return Fail(EmptyExpression("UpdateExpression"));
  ExprNode root;
  p.ParseUpdate(root);
  if (auto err = p.Failure()) return Fail(*err);
  std::vector<Path> paths;
  for (const auto& a : root.children) paths.push_back(a.path);
  if (auto err = CheckPathOverlaps(paths, "UpdateExpression")) return Fail(*err);
  return root;
}

Result<std::vector<Path>> ParseProjectionPaths(std::string_view text, Placeholders& ph) {
  ++ph.expressions;
  if (auto err = CheckSize(text, "ProjectionExpression")) return Fail(*err);
  Parser p(text, ph, "ProjectionExpression");
  if (p.Empty()) return Fail(EmptyExpression("ProjectionExpression"));
  std::vector<Path> paths;
  p.ParseProjection(paths);
  if (auto err = p.Failure()) return Fail(*err);
  if (auto err = CheckPathOverlaps(paths, "ProjectionExpression")) return Fail(*err);
  return paths;
}

}  // namespace stratus::dynamodb
