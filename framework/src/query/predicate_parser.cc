// Predicate::parse: a hand-written tokenizer and a recursive-descent parser.
//
//   expr      := and_expr { OR and_expr }
//   and_expr  := primary { AND primary }
//   primary   := '(' expr ')' | column condition
//   condition := op value | BETWEEN value AND value
//              | IN '(' value { ',' value } ')' | IS [NOT] NULL
//   op        := = | == | != | <> | < | <= | > | >=
//   value     := integer | real | 'text' | "text" | x'hex' | TRUE | FALSE | NULL
//   column    := identifier | `any name`
//
// Positions in errors are 0-based byte offsets into the text.
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "predicate_node.h"
#include "tessera/error.h"
#include "tessera/text_codec.h"

namespace tessera {

namespace {

using Node = Predicate::Node;

enum class Tok { kEnd, kIdent, kQuotedIdent, kInteger, kReal, kText, kBlob, kOp, kLParen, kRParen, kComma };

struct Token {
  Tok kind;
  size_t pos;
  std::string text;  // identifier or literal text (unquoted); operator spelling
  Value value;       // literals
};

[[noreturn]] void fail(size_t pos, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, fmt::format("at position {}: {}", pos, what));
}

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == s_.size()) break;
      out.push_back(token());
    }
    out.push_back({Tok::kEnd, s_.size(), {}, {}});
    return out;
  }

 private:
  Token token() {
    const size_t start = i_;
    const char c = s_[i_];
    if ((c == 'x' || c == 'X') && i_ + 1 < s_.size() && s_[i_ + 1] == '\'') return blob();
    if (ident_start(c)) {
      while (i_ < s_.size() && ident_char(s_[i_])) ++i_;
      return {Tok::kIdent, start, std::string(s_.substr(start, i_ - start)), {}};
    }
    if (c == '`') return {Tok::kQuotedIdent, start, quoted('`', "name"), {}};
    if (c == '\'' || c == '"') {
      std::string text = quoted(c, "text");
      return {Tok::kText, start, text, Value(std::move(text))};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') return number();
    ++i_;
    switch (c) {
      case '(': return {Tok::kLParen, start, "(", {}};
      case ')': return {Tok::kRParen, start, ")", {}};
      case ',': return {Tok::kComma, start, ",", {}};
      case '=':
        if (i_ < s_.size() && s_[i_] == '=') ++i_;
        return {Tok::kOp, start, "=", {}};
      case '!':
        if (i_ < s_.size() && s_[i_] == '=') return ++i_, Token{Tok::kOp, start, "!=", {}};
        fail(start, "'!' must be followed by '='");
      case '<':
        if (i_ < s_.size() && (s_[i_] == '=' || s_[i_] == '>')) return ++i_, Token{Tok::kOp, start, std::string(s_.substr(start, 2)), {}};
        return {Tok::kOp, start, "<", {}};
      case '>':
        if (i_ < s_.size() && s_[i_] == '=') return ++i_, Token{Tok::kOp, start, ">=", {}};
        return {Tok::kOp, start, ">", {}};
      default:
        fail(start, fmt::format("unexpected character '{}'", c));
    }
  }

  // Text between quote characters; a doubled quote stands for itself.
  std::string quoted(char q, const char* what) {
    const size_t start = i_++;
    std::string out;
    for (;;) {
      if (i_ == s_.size()) fail(start, fmt::format("unterminated {} (no closing {})", what, q));
      char c = s_[i_++];
      if (c != q) {
        out += c;
      } else if (i_ < s_.size() && s_[i_] == q) {
        out += q;
        ++i_;
      } else {
        return out;
      }
    }
  }

  Token blob() {
    const size_t start = i_;
    ++i_;
    std::string hex = quoted('\'', "blob");
    if (hex.size() % 2) fail(start, "a blob literal needs an even number of hex digits");
    Blob bytes;
    for (size_t k = 0; k < hex.size(); k += 2) {
      unsigned v = 0;
      auto r = std::from_chars(hex.data() + k, hex.data() + k + 2, v, 16);
      if (r.ec != std::errc() || r.ptr != hex.data() + k + 2) fail(start + 2 + k, "bad hex digit in a blob literal");
      bytes.push_back(static_cast<uint8_t>(v));
    }
    return {Tok::kBlob, start, hex, Value(std::move(bytes))};
  }

  Token number() {
    const size_t start = i_;
    if (s_[i_] == '-' || s_[i_] == '+') ++i_;
    bool digits = false, real = false;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_, digits = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      real = true;
      ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_, digits = true;
    }
    if (!digits) fail(start, "expected a number");
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      real = true;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
      if (i_ == s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) fail(start, "bad exponent in a number");
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && ident_char(s_[i_])) fail(start, "a number runs into a name");
    std::string text(s_.substr(start, i_ - start));
    if (real) {
      auto d = text::parse_real(text);
      if (!d) fail(start, fmt::format("bad number {}", text));
      return {Tok::kReal, start, text, Value(*d)};
    }
    auto n = text::parse_integer(text);
    if (!n) fail(start, fmt::format("integer {} is out of range", text));
    return {Tok::kInteger, start, text, Value(*n)};
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool keyword(const Token& t, std::string_view word) {
  if (t.kind != Tok::kIdent || t.text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
  return true;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of input";
    case Tok::kText: return fmt::format("text '{}'", t.text);
    case Tok::kBlob: return "a blob literal";
    case Tok::kQuotedIdent: return fmt::format("`{}`", t.text);
    default: return fmt::format("'{}'", t.text);
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Predicate parse() {
    Predicate p = expr();
    if (peek().kind != Tok::kEnd) fail(peek().pos, fmt::format("unexpected {} after a complete condition", describe(peek())));
    return p;
  }

 private:
  const Token& peek() const { return t_[k_]; }
  const Token& take() { return t_[k_ == t_.size() - 1 ? k_ : k_++]; }

  Predicate expr() {
    Predicate p = and_expr();
    while (keyword(peek(), "OR")) {
      take();
      p = p || and_expr();
    }
    return p;
  }

  Predicate and_expr() {
    Predicate p = primary();
    while (keyword(peek(), "AND")) {
      take();
      p = p && primary();
    }
    return p;
  }

  Predicate primary() {
    const Token& t = peek();
    if (t.kind == Tok::kLParen) {
      take();
      Predicate p = expr();
      if (peek().kind != Tok::kRParen) fail(peek().pos, fmt::format("expected ')', found {}", describe(peek())));
      take();
      return p;
    }
    if (t.kind == Tok::kQuotedIdent || (t.kind == Tok::kIdent && !reserved(t))) {
      std::string column = take().text;
      return condition(std::move(column));
    }
    fail(t.pos, fmt::format("expected a column name or '(', found {}", describe(t)));
  }

  Predicate condition(std::string column) {
    const Token& t = peek();
    if (t.kind == Tok::kOp) {
      CompareOp op = op_of(take().text);
      return Predicate::compare(std::move(column), op, value());
    }
    if (keyword(t, "BETWEEN")) {
      take();
      Value low = value();
      if (!keyword(peek(), "AND")) fail(peek().pos, fmt::format("expected AND in BETWEEN, found {}", describe(peek())));
      take();
      return Predicate::between(std::move(column), std::move(low), value());
    }
    if (keyword(t, "IN")) {
      take();
      if (peek().kind != Tok::kLParen) fail(peek().pos, fmt::format("expected '(' after IN, found {}", describe(peek())));
      take();
      std::vector<Value> values{value()};
      while (peek().kind == Tok::kComma) {
        take();
        values.push_back(value());
      }
      if (peek().kind != Tok::kRParen) fail(peek().pos, fmt::format("expected ',' or ')' in the IN list, found {}", describe(peek())));
      take();
      return Predicate::in(std::move(column), std::move(values));
    }
    if (keyword(t, "IS")) {
      take();
      bool negated = keyword(peek(), "NOT");
      if (negated) take();
      if (!keyword(peek(), "NULL")) fail(peek().pos, fmt::format("expected NULL, found {}", describe(peek())));
      take();
      return Predicate::is_null(std::move(column), negated);
    }
    fail(t.pos, fmt::format("expected an operator (=, !=, <, <=, >, >=, BETWEEN, IN, IS) after '{}', found {}", column,
                            describe(t)));
  }

  Value value() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kInteger:
      case Tok::kReal:
      case Tok::kText:
      case Tok::kBlob:
        return take().value;
      case Tok::kIdent:
        if (keyword(t, "TRUE")) return take(), Value(true);
        if (keyword(t, "FALSE")) return take(), Value(false);
        if (keyword(t, "NULL")) return take(), Value();
        break;
      default:
        break;
    }
    fail(t.pos, fmt::format("expected a value, found {}", describe(t)));
  }

  // Words that cannot start a condition; quote a column so named: `and`.
  static bool reserved(const Token& t) {
    for (const char* w : {"AND", "OR", "BETWEEN", "IN", "IS", "NOT", "NULL", "TRUE", "FALSE"})
      if (keyword(t, w)) return true;
    return false;
  }

  static CompareOp op_of(const std::string& s) {
    if (s == "=") return CompareOp::kEq;
    if (s == "!=" || s == "<>") return CompareOp::kNe;
    if (s == "<") return CompareOp::kLt;
    if (s == "<=") return CompareOp::kLe;
    if (s == ">") return CompareOp::kGt;
    return CompareOp::kGe;
  }

  std::vector<Token> t_;
  size_t k_ = 0;
};

}  // namespace

Predicate Predicate::parse(std::string_view text) { return Parser(Lexer(text).run()).parse(); }

}  // namespace tessera
