#include "expr_mask.h"

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

bool is_mask_name(std::string_view name) {
  if (name.size() < 2) return false;
  for (char c : name)
    if (c != '_') return false;
  return true;
}

}  // namespace pm2guard::lint
