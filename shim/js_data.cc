#include "js_data.h"

#include <fmt/format.h>

#include <cctype>

namespace pm2guard::shim {

namespace {

constexpr int kMaxDepth = 256;

class Checker {
 public:
  explicit Checker(std::string_view t) : s_(t) {}

  JsDataVerdict run() {
    skip();
    if (at_end()) return fail("an empty document");
    if (!value(0)) return v_;
    skip();
    if (!at_end()) return fail(fmt::format("`{}` after the value", snippet()));
    return v_;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }

  std::string snippet() const {
    std::string out;
    for (size_t k = i_; k < s_.size() && out.size() < 24; ++k) {
      char c = s_[k];
      if (c == '\n' || c == '\r') break;
      out += c;
    }
    return out;
  }

  JsDataVerdict fail(std::string why) {
    if (v_.data) {
      v_.data = false;
      v_.why = std::move(why);
      v_.line = 1;
      v_.col = 1;
      for (size_t k = 0; k < i_ && k < s_.size(); ++k) {
        if (s_[k] == '\n') {
          ++v_.line;
          v_.col = 1;
        } else if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80) {
          ++v_.col;
        }
      }
    }
    return v_;
  }
  bool bad(std::string why) {
    fail(std::move(why));
    return false;
  }

  // White space (ASCII and the Unicode spaces JavaScript skips, as UTF-8),
  // line terminators, // and /* */ comments.
  void skip() {
    while (!at_end()) {
      unsigned char c = static_cast<unsigned char>(peek());
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++i_;
      } else if (c == '/' && peek(1) == '/') {
        while (!at_end() && peek() != '\n' && peek() != '\r') ++i_;
      } else if (c == '/' && peek(1) == '*') {
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) {
          i_ = s_.size();
          return;
        }
        i_ = end + 2;
      } else if (c == 0xC2 && static_cast<unsigned char>(peek(1)) == 0xA0) {
        i_ += 2;  // U+00A0
      } else if (c == 0xEF && static_cast<unsigned char>(peek(1)) == 0xBB && static_cast<unsigned char>(peek(2)) == 0xBF) {
        i_ += 3;  // U+FEFF
      } else if (c == 0xE2 && static_cast<unsigned char>(peek(1)) == 0x80 &&
                 (static_cast<unsigned char>(peek(2)) == 0xA8 || static_cast<unsigned char>(peek(2)) == 0xA9)) {
        i_ += 3;  // U+2028, U+2029
      } else {
        return;
      }
    }
  }

  static bool ident_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
  }
  static bool ident_part(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

  std::string_view identifier() {
    size_t b = i_;
    while (!at_end() && ident_part(peek())) ++i_;
    return s_.substr(b, i_ - b);
  }

  bool string_literal() {
    char q = peek();
    size_t start = i_++;
    while (!at_end()) {
      char c = peek();
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '\n' || c == '\r') break;
      ++i_;
      if (c == q) return true;
    }
    i_ = start;
    return bad("an unterminated string");
  }

  bool template_literal() {
    size_t start = i_++;
    while (!at_end()) {
      char c = peek();
      if (c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == '$' && peek(1) == '{') return bad("a template literal with a `${...}` substitution");
      ++i_;
      if (c == '`') return true;
    }
    i_ = start;
    return bad("an unterminated template literal");
  }

  bool number() {
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X' || peek(1) == 'o' || peek(1) == 'O' || peek(1) == 'b' ||
                          peek(1) == 'B')) {
      i_ += 2;
      size_t b = i_;
      while (!at_end() && (std::isxdigit(static_cast<unsigned char>(peek())) || peek() == '_')) ++i_;
      if (i_ == b) return bad("a malformed number");
    } else {
      size_t b = i_;
      while (!at_end() && (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '_')) ++i_;
      if (peek() == '.') {
        ++i_;
        while (!at_end() && (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '_')) ++i_;
      }
      if (i_ == b || (i_ == b + 1 && s_[b] == '.')) return bad("a malformed number");
      if (peek() == 'e' || peek() == 'E') {
        ++i_;
        if (peek() == '+' || peek() == '-') ++i_;
        size_t e = i_;
        while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
        if (i_ == e) return bad("a malformed number");
      }
    }
    if (peek() == 'n') return bad("a BigInt");
    if (ident_part(peek())) return bad(fmt::format("`{}` after a number", snippet()));
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return bad(fmt::format("nesting deeper than {} levels", kMaxDepth));
    skip();
    if (at_end()) return bad("the document ends where a value should be");
    char c = peek();
    if (c == '{') return object(depth + 1);
    if (c == '[') return array(depth + 1);
    if (c == '"' || c == '\'') return string_literal();
    if (c == '`') return template_literal();
    if (c == '-' || c == '+') {
      // A signed number (or Infinity) is an operator on a literal: no side
      // effects, the same value each time.
      ++i_;
      skip();
      if (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '.') return number();
      if (s_.substr(i_, 8) == "Infinity" && !ident_part(peek(8))) {
        i_ += 8;
        return true;
      }
      return bad(fmt::format("the operator `{}` applied to `{}`", c, snippet()));
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (c == '(') {
      // A parenthesised literal is still one value.
      ++i_;
      if (!value(depth + 1)) return false;
      skip();
      if (peek() != ')') return bad(fmt::format("`{}` where `)` should close the value", snippet()));
      ++i_;
      return true;
    }
    if (ident_start(c)) {
      size_t at = i_;
      std::string_view id = identifier();
      if (id == "true" || id == "false" || id == "null" || id == "undefined" || id == "NaN" || id == "Infinity")
        return after_value_check();
      i_ = at;
      return bad(fmt::format("`{}`, which is code (an identifier pm2 would evaluate)", id));
    }
    return bad(fmt::format("`{}`, which is not a literal", snippet()));
  }

  // A literal followed by `(`, `.` or `[` is a call or member access.
  bool after_value_check() {
    size_t save = i_;
    skip();
    char c = peek();
    if (c == '(' || c == '.' || c == '[' || c == '`') return bad(fmt::format("`{}` after a literal", snippet()));
    i_ = save;
    return true;
  }

  bool key() {
    char c = peek();
    if (c == '"' || c == '\'') {
      size_t b = i_;
      if (!string_literal()) return false;
      std::string_view k = s_.substr(b + 1, i_ - b - 2);
      if (k == "__proto__") return bad("a `__proto__` key, which sets the object's prototype");
      return true;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (ident_start(c)) {
      size_t at = i_;
      std::string_view k = identifier();
      skip();
      if ((k == "get" || k == "set" || k == "async") && peek() != ':' && peek() != ',' && peek() != '}') {
        i_ = at;
        return bad(fmt::format("an accessor or method `{}`", snippet()));
      }
      if (k == "__proto__") {
        i_ = at;
        return bad("a `__proto__` key, which sets the object's prototype");
      }
      return true;
    }
    if (c == '[') return bad("a computed key");
    if (c == '.' && peek(1) == '.' && peek(2) == '.') return bad("a spread `...`");
    if (c == '*') return bad("a generator method");
    return bad(fmt::format("`{}` where a key should be", snippet()));
  }

  bool object(int depth) {
    ++i_;  // {
    while (true) {
      skip();
      if (at_end()) return bad("an object that is never closed");
      if (peek() == '}') {
        ++i_;
        return after_value_check();
      }
      if (!key()) return false;
      skip();
      if (peek() != ':') {
        if (peek() == '(') return bad("a method");
        return bad(fmt::format("a shorthand property or `{}` where `:` should follow the key", snippet()));
      }
      ++i_;
      if (!value(depth)) return false;
      skip();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == '}') continue;
      return bad(fmt::format("`{}` where `,` or `}}` should follow a value", snippet()));
    }
  }

  bool array(int depth) {
    ++i_;  // [
    while (true) {
      skip();
      if (at_end()) return bad("an array that is never closed");
      if (peek() == ']') {
        ++i_;
        return after_value_check();
      }
      if (peek() == ',') return bad("an array with a hole");
      if (peek() == '.' && peek(1) == '.' && peek(2) == '.') return bad("a spread `...`");
      if (!value(depth)) return false;
      skip();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ']') continue;
      return bad(fmt::format("`{}` where `,` or `]` should follow a value", snippet()));
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  JsDataVerdict v_;
};

}  // namespace

JsDataVerdict check_js_data(std::string_view text) { return Checker(text).run(); }

}  // namespace pm2guard::shim
