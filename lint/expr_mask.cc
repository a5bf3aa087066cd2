#include "expr_mask.h"

#include <algorithm>

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
      if (s[k] != '\n') m.set(k, '_');
    out.push_back(std::move(e));
    i = end;
  }
  return out;
}

std::vector<std::string> expression_results(std::string_view expr) {
  std::string_view inner = expr;
  if (inner.size() >= 5 && inner.substr(0, 3) == "${{" && inner.substr(inner.size() - 2) == "}}")
    inner = inner.substr(3, inner.size() - 5);
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  std::vector<std::string> out;
  std::string prev;  // the last token before the current position: an operator or "" at the start
  bool start = true;
  size_t i = 0;
  while (i < inner.size()) {
    char c = inner[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '\'') {
      std::string lit;
      size_t j = i + 1;
      bool closed = false;
      while (j < inner.size()) {
        if (inner[j] == '\'') {
          if (j + 1 < inner.size() && inner[j + 1] == '\'') {
            lit += '\'';
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        lit += inner[j++];
      }
      if (!closed) break;
      size_t after = j + 1;
      while (after < inner.size() && is_space(inner[after])) ++after;
      std::string_view next = inner.substr(after, 2);
      bool compared = next == "==" || next == "!=" || next == "<=" || next == ">=" ||
                      (!next.empty() && (next[0] == '<' || next[0] == '>'));
      bool alone = start && after >= inner.size();
      if (!compared && (prev == "||" || prev == "&&" || alone) &&
          std::find(out.begin(), out.end(), lit) == out.end())
        out.push_back(lit);
      prev = "'";
      start = false;
      i = j + 1;
      continue;
    }
    std::string_view two = inner.substr(i, 2);
    if (two == "||" || two == "&&" || two == "==" || two == "!=" || two == "<=" || two == ">=") {
      prev = std::string(two);
      i += 2;
    } else {
      prev = std::string(1, c);
      ++i;
    }
    start = false;
  }
  return out;
}

bool is_mask_name(std::string_view name) {
  if (name.size() < 2) return false;
  for (char c : name)
    if (c != '_') return false;
  return true;
}

}  // namespace pm2guard::lint
