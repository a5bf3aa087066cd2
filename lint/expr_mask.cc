#include "expr_mask.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pm2guard::lint {

std::vector<Expression> mask_expressions(MappedText& m) {
  std::vector<Expression> out;
  const std::string& s = m.text();
  size_t i = 0;
  while ((i = s.find("${{", i)) != std::string::npos) {
    size_t j = i + 3;
    bool in_string = false;
    size_t end = std::string::npos;
    while (j < s.size()) {
      char c = s[j];
      if (in_string) {
        if (c == '\'') {
          if (j + 1 < s.size() && s[j + 1] == '\'')
            ++j;  // '' inside a string
          else
            in_string = false;
        }
      } else if (c == '\'') {
        in_string = true;
      } else if (c == '}' && j + 1 < s.size() && s[j + 1] == '}') {
        end = j + 2;
        break;
      }
      ++j;
    }
    if (end == std::string::npos) break;  // unterminated: leave it to the shell parser
    Expression e;
    e.file_begin = m.origin(i);
    e.file_end = m.origin(end - 1) + 1;
    e.text = s.substr(i, end - i);
    for (size_t k = i + 2; k + 1 < end; ++k)
      m.set(k, '_');  // line breaks too: the runner substitutes one value
    out.push_back(std::move(e));
    i = end;
  }
  return out;
}

namespace {

// A CI expression as tokens: string literals, context paths (with `['x']`
// indexes folded into `.x`), function names, numbers and operators.
struct ExprToken {
  enum Kind { Literal, Path, Function, Operator, Other } kind = Other;
  std::string text;  // decoded literal, lower-case path, or the operator
};

std::vector<ExprToken> tokenize(std::string_view expr, bool& ok) {
  std::string_view inner = expr;
  if (inner.size() >= 5 && inner.substr(0, 3) == "${{" && inner.substr(inner.size() - 2) == "}}")
    inner = inner.substr(3, inner.size() - 5);
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  auto is_path_char = [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '*'; };
  auto read_literal = [&](size_t i, std::string& lit) -> size_t {  // i at the opening quote
    size_t j = i + 1;
    while (j < inner.size()) {
      if (inner[j] == '\'') {
        if (j + 1 < inner.size() && inner[j + 1] == '\'') {
          lit += '\'';
          j += 2;
          continue;
        }
        return j + 1;
      }
      lit += inner[j++];
    }
    return std::string_view::npos;
  };
  std::vector<ExprToken> out;
  ok = true;
  size_t i = 0;
  while (i < inner.size()) {
    char c = inner[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '\'') {
      ExprToken t{ExprToken::Literal, {}};
      i = read_literal(i, t.text);
      if (i == std::string_view::npos) {
        ok = false;
        return out;
      }
      out.push_back(std::move(t));
      continue;
    }
    if (isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::string path;
      while (i < inner.size()) {
        if (is_path_char(inner[i])) {
          path += static_cast<char>(tolower(static_cast<unsigned char>(inner[i])));
          ++i;
        } else if (inner[i] == '[' && i + 1 < inner.size() && inner[i + 1] == '\'') {
          std::string key;
          size_t j = read_literal(i + 1, key);
          if (j == std::string_view::npos || j >= inner.size() || inner[j] != ']') break;
          path += '.';
          for (char k : key) path += static_cast<char>(tolower(static_cast<unsigned char>(k)));
          i = j + 1;
        } else {
          break;
        }
      }
      size_t k = i;
      while (k < inner.size() && is_space(inner[k])) ++k;
      bool call = k < inner.size() && inner[k] == '(';
      out.push_back({call ? ExprToken::Function : ExprToken::Path, path});
      continue;
    }
    std::string_view two = inner.substr(i, 2);
    if (two == "||" || two == "&&" || two == "==" || two == "!=" || two == "<=" || two == ">=") {
      out.push_back({ExprToken::Operator, std::string(two)});
      i += 2;
      continue;
    }
    out.push_back({std::strchr("()!<>,[]", c) ? ExprToken::Operator : ExprToken::Other, std::string(1, c)});
    ++i;
  }
  return out;
}

// Operands that may be the value of the whole expression: between the start,
// `||`, `&&` or `(` and the end, `||` or `)`.
template <typename F>
void for_each_result(const std::vector<ExprToken>& toks, F&& f) {
  for (size_t k = 0; k < toks.size(); ++k) {
    const ExprToken& t = toks[k];
    if (t.kind != ExprToken::Literal && t.kind != ExprToken::Path) continue;
    bool prev_ok = k == 0 || (toks[k - 1].kind == ExprToken::Operator &&
                              (toks[k - 1].text == "||" || toks[k - 1].text == "&&" || toks[k - 1].text == "("));
    bool next_ok = k + 1 == toks.size() ||
                   (toks[k + 1].kind == ExprToken::Operator && (toks[k + 1].text == "||" || toks[k + 1].text == ")"));
    if (prev_ok && next_ok) f(t);
  }
}

}  // namespace

namespace {

// The distinct result operands of one kind (literals or references).
std::vector<std::string> results_of_kind(std::string_view expr, ExprToken::Kind kind) {
  bool ok = true;
  std::vector<ExprToken> toks = tokenize(expr, ok);
  std::vector<std::string> out;
  if (!ok) return out;
  for_each_result(toks, [&](const ExprToken& t) {
    if (t.kind == kind && std::find(out.begin(), out.end(), t.text) == out.end()) out.push_back(t.text);
  });
  return out;
}

}  // namespace

std::vector<std::string> expression_results(std::string_view expr) {
  return results_of_kind(expr, ExprToken::Literal);
}

std::string expression_reference(std::string_view expr) {
  bool ok = true;
  std::vector<ExprToken> toks = tokenize(expr, ok);
  if (!ok || toks.size() != 1 || toks[0].kind != ExprToken::Path) return {};
  return toks[0].text;
}

std::vector<std::string> expression_result_references(std::string_view expr) {
  return results_of_kind(expr, ExprToken::Path);
}

bool is_mask_name(std::string_view name) {
  if (name.size() < 2) return false;
  for (char c : name)
    if (c != '_') return false;
  return true;
}

}  // namespace pm2guard::lint
