#include "js_semantics.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace pm2guard {

namespace {

// Length of a JavaScript WhiteSpace or LineTerminator encoded in UTF-8 at
// s[i], or 0.
size_t js_space_len(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') return 1;
  auto at = [&](size_t k) -> unsigned char { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (c == 0xC2 && at(1) == 0xA0) return 2;                      // U+00A0
  if (c == 0xEF && at(1) == 0xBB && at(2) == 0xBF) return 3;     // U+FEFF
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;     // U+1680
  if (c == 0xE2 && at(1) == 0x80) {
    unsigned char d = at(2);
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;  // U+2000-200A, 2028, 2029, 202F
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;     // U+205F
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;     // U+3000
  return 0;
}

std::string_view js_trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size()) {
    size_t n = js_space_len(s, b);
    if (n == 0) break;
    b += n;
  }
  s.remove_prefix(b);
  // Trailing: scan forward and remember the end of the last non-space.
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = js_space_len(s, i);
    if (n == 0) {
      ++i;
      end = i;
    } else {
      i += n;
    }
  }
  return s.substr(0, end);
}

bool all_of_range(std::string_view s, size_t from, bool (*pred)(char)) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i)
    if (!pred(s[i])) return false;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_bin(char c) { return c == '0' || c == '1'; }

}  // namespace

bool js_is_nan(std::string_view raw) {
  std::string_view s = js_trim(raw);
  if (s.empty()) return false;  // Number("") === 0
  if (s.size() > 2 && s[0] == '0') {
    char k = s[1];
    if (k == 'x' || k == 'X') return !all_of_range(s, 2, is_hex);
    if (k == 'o' || k == 'O') return !all_of_range(s, 2, is_oct);
    if (k == 'b' || k == 'B') return !all_of_range(s, 2, is_bin);
  }
  size_t i = 0;
  if (s[i] == '+' || s[i] == '-') ++i;
  if (s.substr(i) == "Infinity") return false;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return true;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return true;
  }
  return i != s.size();
}

bool js_parse_int_is_nan(std::string_view raw) {
  size_t b = 0;
  while (b < raw.size()) {
    size_t n = js_space_len(raw, b);
    if (n == 0) break;
    b += n;
  }
  std::string_view s = raw.substr(b);
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i + 1 < s.size() && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
    return !(i + 2 < s.size() && is_hex(s[i + 2]));
  return !(i < s.size() && is_digit(s[i]));
}

bool pm2_is_regex_target(std::string_view t) {
  return js_is_nan(t) && !t.empty() && t.front() == '/' && t.back() == '/';
}

std::string pm2_regex_source(std::string_view t) {
  std::string out;
  for (char c : t)
    if (c != '/') out += c;
  return out;
}

// ---------------------------------------------------------------------------
// Regex analysis.
//
// The question asked of a pattern is "does an unanchored test succeed on every
// process name?". Each subpattern is summarised by the set of ways it can
// match *universally*: consuming nothing, or consuming any one character,
// possibly requiring the start (^) or the end ($) of the input. A pattern
// matches every name when it can match empty at some position of every
// string, or match any single character, without needing both ends.
// Everything else (specific characters, \b, lookarounds, backreferences)
// contributes no universal way to match, which errs toward "not everything".

namespace {

// A shape: how much of the input a way of matching consumes (nothing, one
// arbitrary character, any number of arbitrary characters, at least one),
// and whether it needs the start (^) or the end ($) of the input.
enum Width { W0 = 0, W1 = 1, WStar = 2, WPlus = 3 };
using Shapes = uint16_t;
constexpr Shapes shape(int width, bool start, bool end) {
  return static_cast<Shapes>(1u << (width * 4 + (start ? 2 : 0) + (end ? 1 : 0)));
}
constexpr Shapes kEmpty = shape(W0, false, false);

// Width of a sequence; -1 when it needs two or more characters (which a
// one-character name does not have).
int add_width(int a, int b) {
  if (a == W0) return b;
  if (b == W0) return a;
  if (a == WStar && b == WStar) return WStar;
  if ((a == WStar && (b == W1 || b == WPlus)) || (b == WStar && (a == W1 || a == WPlus))) return WPlus;
  return -1;
}

Shapes seq(Shapes a, Shapes b) {
  Shapes out = 0;
  for (int i = 0; i < 16; ++i) {
    if (!(a & (1u << i))) continue;
    int wa = i >> 2, sa = (i >> 1) & 1, ea = i & 1;
    for (int j = 0; j < 16; ++j) {
      if (!(b & (1u << j))) continue;
      int wb = j >> 2, sb = (j >> 1) & 1, eb = j & 1;
      int la = wa, lb = wb;
      if (sb) {  // ^ after a: a must have consumed nothing
        if (la == W1 || la == WPlus) continue;
        la = W0;
      }
      if (ea) {  // a character after $ cannot match
        if (lb == W1 || lb == WPlus) continue;
        lb = W0;
      }
      int w = add_width(la, lb);
      if (w < 0) continue;
      out |= shape(w, sa || sb, ea || eb);
    }
  }
  return out;
}

Shapes repeat(Shapes x, long min, long max) {
  // x^k for k in [min, min + 3] (capped by max): widths saturate, so a few
  // rounds are enough.
  Shapes r = kEmpty;
  for (long k = 0; k < std::min<long>(min, 8); ++k) r = seq(r, x);
  Shapes acc = r;
  long extra = max < 0 ? 3 : std::min<long>(max - min, 3);
  for (long k = 0; k < extra; ++k) {
    r = seq(r, x);
    acc |= r;
  }
  if (max < 0) {
    // Unbounded: an anchor-free way to consume characters repeats without
    // limit.
    bool consumes = (x & (shape(W1, false, false) | shape(WStar, false, false) | shape(WPlus, false, false))) != 0;
    bool can_empty = (x & (shape(W0, false, false) | shape(WStar, false, false))) != 0;
    if (consumes) {
      if (min == 0 || can_empty)
        acc |= shape(WStar, false, false);
      else if (min == 1)
        acc |= shape(WPlus, false, false);
    }
  }
  return acc;
}

bool universal(Shapes s) {
  for (int i = 0; i < 16; ++i) {
    if (!(s & (1u << i))) continue;
    int w = i >> 2;
    bool st = (i >> 1) & 1, en = i & 1;
    if (!(st && en)) return true;
    if (w == WStar || w == WPlus) return true;  // ^...$ around "any characters"
  }
  return false;
}

// A set of UTF-16 code units as sorted, disjoint intervals.
struct CharSet {
  std::vector<std::pair<uint32_t, uint32_t>> iv;
  void add(uint32_t lo, uint32_t hi) { iv.emplace_back(lo, hi); }
  void add_set(const CharSet& o) { iv.insert(iv.end(), o.iv.begin(), o.iv.end()); }
  void normalise() {
    std::sort(iv.begin(), iv.end());
    std::vector<std::pair<uint32_t, uint32_t>> out;
    for (auto& p : iv) {
      if (!out.empty() && p.first <= out.back().second + 1)
        out.back().second = std::max(out.back().second, p.second);
      else
        out.push_back(p);
    }
    iv.swap(out);
  }
  CharSet complement() const {
    CharSet c = *this;
    c.normalise();
    CharSet out;
    uint32_t next = 0;
    for (auto& p : c.iv) {
      if (p.first > next) out.add(next, p.first - 1);
      next = p.second + 1;
    }
    if (next <= 0xFFFF) out.add(next, 0xFFFF);
    return out;
  }
  bool contains(uint32_t lo, uint32_t hi) const {
    for (auto& p : iv)
      if (p.first <= lo && hi <= p.second) return true;
    return false;
  }
};

CharSet class_escape_set(char k) {
  CharSet s;
  switch (k) {
    case 'd': case 'D':
      s.add('0', '9');
      break;
    case 'w': case 'W':
      s.add('0', '9'); s.add('A', 'Z'); s.add('a', 'z'); s.add('_', '_');
      break;
    case 's': case 'S':
      s.add(9, 13); s.add(' ', ' '); s.add(0xA0, 0xA0); s.add(0x1680, 0x1680); s.add(0x2000, 0x200A);
      s.add(0x2028, 0x2029); s.add(0x202F, 0x202F); s.add(0x205F, 0x205F); s.add(0x3000, 0x3000);
      s.add(0xFEFF, 0xFEFF);
      break;
    default:
      break;
  }
  s.normalise();
  if (k == 'D' || k == 'W' || k == 'S') return s.complement();
  return s;
}

// A character class "matches every name" when it contains every ASCII letter
// and digit: any name with a letter or digit in it then has a match.
bool covers_name_chars(CharSet s) {
  s.normalise();
  return s.contains('0', '9') && s.contains('A', 'Z') && s.contains('a', 'z');
}

struct RegexError {
  std::string message;
};

class RegexAnalyser {
 public:
  explicit RegexAnalyser(std::string_view src) : s_(src) {}

  RegexVerdict run() {
    RegexVerdict v;
    // A first pass counts capturing groups and notes named ones, which change
    // how \k and \N escapes read (as in JavaScript).
    count_groups();
    try {
      Shapes root = disjunction();
      if (pos_ < s_.size()) throw RegexError{"unmatched ')'"};
      v.matches_everything = universal(root);
    } catch (const DepthLimit&) {
      // Groups nested deeper than this are not analysed (the walk recurses
      // per group): the pattern is judged only approximately, which the
      // shim refuses and the linter leaves to the run-time check.
      v.approximate = true;
      return v;
    } catch (const RegexError& e) {
      v.valid = false;
      v.error = e.message;
      v.glob_everything = is_glob_everything(s_);
    }
    v.approximate = approximate_;
    return v;
  }

 private:
  static bool is_glob_everything(std::string_view s) {
    if (s.empty()) return false;
    bool star = false;
    for (char c : s) {
      if (c == '*')
        star = true;
      else if (c != '?')
        return false;
    }
    return star;
  }

  void count_groups() {
    bool in_class = false;
    for (size_t i = 0; i < s_.size(); ++i) {
      char c = s_[i];
      if (c == '\\') {
        ++i;
        continue;
      }
      if (in_class) {
        if (c == ']') in_class = false;
        continue;
      }
      if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        if (i + 1 < s_.size() && s_[i + 1] == '?') {
          if (i + 2 < s_.size() && s_[i + 2] == '<' && i + 3 < s_.size() && s_[i + 3] != '=' && s_[i + 3] != '!') {
            ++groups_;
            named_ = true;
          }
        } else {
          ++groups_;
        }
      }
    }
  }

  bool eof() const { return pos_ >= s_.size(); }
  char peek(size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }

  Shapes disjunction() {
    Shapes acc = alternative();
    while (!eof() && peek() == '|') {
      ++pos_;
      acc |= alternative();
    }
    return acc;
  }

  Shapes alternative() {
    Shapes acc = kEmpty;
    while (!eof() && peek() != '|' && peek() != ')') acc = seq(acc, term());
    return acc;
  }

  // Parses {n}, {n,}, {n,m} at pos_ if present; returns false (and leaves
  // pos_) when the brace does not start a valid quantifier.
  bool braced_quantifier(long& min, long& max) {
    size_t p = pos_;
    if (p >= s_.size() || s_[p] != '{') return false;
    ++p;
    size_t d0 = p;
    while (p < s_.size() && is_digit(s_[p])) ++p;
    if (p == d0) return false;
    long a = std::stol(std::string(s_.substr(d0, std::min<size_t>(p - d0, 9))));
    long b = a;
    if (p < s_.size() && s_[p] == ',') {
      ++p;
      size_t d1 = p;
      while (p < s_.size() && is_digit(s_[p])) ++p;
      b = p == d1 ? -1 : std::stol(std::string(s_.substr(d1, std::min<size_t>(p - d1, 9))));
    }
    if (p >= s_.size() || s_[p] != '}') return false;
    pos_ = p + 1;
    if (b >= 0 && b < a) throw RegexError{"numbers out of order in {} quantifier"};
    min = a;
    max = b;
    return true;
  }

  bool at_quantifier() {
    char c = peek();
    if (c == '*' || c == '+' || c == '?') return true;
    if (c == '{') {
      size_t save = pos_;
      long a, b;
      bool q = braced_quantifier(a, b);
      pos_ = save;
      return q;
    }
    return false;
  }

  Shapes quantified(Shapes atom) {
    long min = 1, max = 1;
    char c = peek();
    if (c == '*') { min = 0; max = -1; ++pos_; }
    else if (c == '+') { min = 1; max = -1; ++pos_; }
    else if (c == '?') { min = 0; max = 1; ++pos_; }
    else if (c == '{' && braced_quantifier(min, max)) {}
    else return atom;
    if (peek() == '?') ++pos_;  // lazy
    if (at_quantifier()) throw RegexError{"nothing to repeat"};
    return repeat(atom, min, max);
  }

  Shapes term() {
    char c = peek();
    switch (c) {
      case '^': ++pos_; return no_quantifier(shape(W0, true, false));
      case '$': ++pos_; return no_quantifier(shape(W0, false, true));
      case '*': case '+': case '?':
        throw RegexError{"nothing to repeat"};
      case '{': {
        if (at_quantifier()) throw RegexError{"nothing to repeat"};
        ++pos_;
        return quantified(0);
      }
      case '(': return group();
      case '[': return quantified(char_class());
      case '.': ++pos_; return quantified(shape(W1, false, false));
      case '\\': return escape();
      default: ++pos_; return quantified(0);  // a specific character
    }
  }

  Shapes no_quantifier(Shapes s) {
    if (at_quantifier()) throw RegexError{"nothing to repeat"};
    return s;
  }

  struct DepthLimit {};
  static constexpr int kMaxGroupDepth = 256;

  Shapes group() {
    if (++depth_ > kMaxGroupDepth) throw DepthLimit{};
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    ++pos_;  // (
    enum { Capture, NonCapture, Lookahead, Lookbehind } kind = Capture;
    bool negative = false;
    if (peek() == '?') {
      char k = peek(1);
      if (k == ':') { kind = NonCapture; pos_ += 2; }
      else if (k == '=' || k == '!') { kind = Lookahead; negative = k == '!'; pos_ += 2; }
      else if (k == '<' && (peek(2) == '=' || peek(2) == '!')) {
        kind = Lookbehind;
        negative = peek(2) == '!';
        pos_ += 3;
        approximate_ = true;
      }
      else if (k == '<') {
        size_t p = pos_ + 2, b = p;
        while (p < s_.size() && (isalnum(static_cast<unsigned char>(s_[p])) || s_[p] == '_' || s_[p] == '$')) ++p;
        if (p == b || p >= s_.size() || s_[p] != '>') throw RegexError{"invalid capture group name"};
        pos_ = p + 1;
        approximate_ = true;
      } else {
        throw RegexError{"invalid group"};
      }
    }
    Shapes inner = disjunction();
    if (peek() != ')') throw RegexError{"unterminated group"};
    ++pos_;
    if (kind == Lookahead || kind == Lookbehind) {
      // A lookaround consumes nothing. A positive one whose body can match
      // empty succeeds anywhere; a negative one whose body cannot succeeds
      // at the end of any input (lookahead) or its start (lookbehind).
      bool body_empty = (inner & (kEmpty | shape(WStar, false, false))) != 0;
      Shapes s = 0;
      if (!negative && body_empty) s = kEmpty;
      if (negative && !body_empty) s = kind == Lookahead ? shape(W0, false, true) : shape(W0, true, false);
      if (kind == Lookbehind) return no_quantifier(s);
      return quantified(s);  // lookaheads are quantifiable in web-compatible JavaScript
    }
    return quantified(inner);
  }

  Shapes escape() {
    ++pos_;  // backslash
    if (eof()) throw RegexError{"\\ at end of pattern"};
    char k = peek();
    ++pos_;
    switch (k) {
      // \b holds somewhere in every name with a letter or digit (the
      // class of names this analysis counts); \B does not hold in "a".
      case 'b': return no_quantifier(kEmpty);
      case 'B': return no_quantifier(0);
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        return quantified(covers_name_chars(class_escape_set(k)) ? shape(W1, false, false) : 0);
      case 'p': case 'P':
        // Without the u flag these are identity escapes, but flag the pattern
        // as approximate: its author expected Unicode property classes.
        approximate_ = true;
        return quantified(0);
      case 'k':
        if (named_) {
          approximate_ = true;
          if (peek() != '<') throw RegexError{"invalid named reference"};
          while (!eof() && peek() != '>') ++pos_;
          if (eof()) throw RegexError{"invalid named reference"};
          ++pos_;
        }
        return quantified(0);
      default:
        if (is_digit(k) && k != '0') {
          // A backreference when that many groups exist, else a legacy
          // octal or identity escape; neither matches universally.
          while (is_digit(peek())) ++pos_;
        }
        return quantified(0);
    }
  }

  // Reads one class atom; returns true with `single` set for a single
  // code unit, or false with `set` filled for a class escape.
  bool class_atom(uint32_t& single, CharSet& set) {
    char c = peek();
    if (c != '\\') {
      single = static_cast<unsigned char>(c);
      ++pos_;
      return true;
    }
    ++pos_;
    if (eof()) throw RegexError{"\\ at end of pattern"};
    char k = peek();
    ++pos_;
    switch (k) {
      case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
        set = class_escape_set(k);
        return false;
      case 'b': single = 8; return true;
      case 't': single = 9; return true;
      case 'n': single = 10; return true;
      case 'v': single = 11; return true;
      case 'f': single = 12; return true;
      case 'r': single = 13; return true;
      case '0': single = 0; return true;
      case 'x':
        if (is_hex(peek()) && is_hex(peek(1))) {
          single = static_cast<uint32_t>(std::stoul(std::string(s_.substr(pos_, 2)), nullptr, 16));
          pos_ += 2;
        } else {
          single = 'x';
        }
        return true;
      case 'u':
        if (is_hex(peek()) && is_hex(peek(1)) && is_hex(peek(2)) && is_hex(peek(3))) {
          single = static_cast<uint32_t>(std::stoul(std::string(s_.substr(pos_, 4)), nullptr, 16));
          pos_ += 4;
        } else {
          single = 'u';
        }
        return true;
      default:
        single = static_cast<unsigned char>(k);
        return true;
    }
  }

  Shapes char_class() {
    ++pos_;  // [
    bool negated = false;
    if (peek() == '^') {
      negated = true;
      ++pos_;
    }
    CharSet set;
    while (true) {
      if (eof()) throw RegexError{"unterminated character class"};
      if (peek() == ']') {
        ++pos_;
        break;
      }
      uint32_t a = 0;
      CharSet as;
      bool a_single = class_atom(a, as);
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < s_.size()) {
        ++pos_;  // -
        uint32_t b = 0;
        CharSet bs;
        bool b_single = class_atom(b, bs);
        if (a_single && b_single) {
          if (b < a) throw RegexError{"range out of order in character class"};
          set.add(a, b);
        } else {
          // Web-compatible JavaScript reads [\d-z] as \d, '-', z.
          if (a_single) set.add(a, a); else set.add_set(as);
          set.add('-', '-');
          if (b_single) set.add(b, b); else set.add_set(bs);
        }
        continue;
      }
      if (a_single)
        set.add(a, a);
      else
        set.add_set(as);
    }
    set.normalise();
    CharSet effective = negated ? set.complement() : set;
    return covers_name_chars(effective) ? shape(W1, false, false) : 0;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int groups_ = 0;
  int depth_ = 0;
  bool named_ = false;
  bool approximate_ = false;
};

}  // namespace

RegexVerdict analyse_js_regex(std::string_view source) { return RegexAnalyser(source).run(); }

}  // namespace pm2guard
