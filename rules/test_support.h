// Test helpers for rules: build invocations from a compact command line.
// Words are split on spaces; '...' and "..." group; a word starting with '$'
// is dynamic; `<listing>` / `<filtered>` / `<unknown-listing>` stand for
// words that hold a pm2 process listing (unfiltered / filtered / through a
// stage of unknown effect). `$APP?all?web` is the dynamic word `$APP` that
// may be `all` or `web` (Word::may_be); `$APP!api!web` is one that is
// either `api` or `web` (may_be_complete).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "invocation.h"
#include "rule.h"

namespace pm2guard::testing {

inline Invocation inv(const std::string& line) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) break;
    std::string text;
    bool quoted = false;
    while (i < line.size() && line[i] != ' ') {
      char c = line[i];
      if (c == '\'' || c == '"') {
        quoted = true;
        size_t close = line.find(c, i + 1);
        text += line.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        text += c;
        ++i;
      }
    }
    uint32_t col = static_cast<uint32_t>(words.size());
    SourceRange r{1, col, 1, col};
    if (!quoted && text == "<listing>") {
      Word w = Word::dynamic("$(pm2 jlist | jq -r '.[].name')", Origin::CommandOutput, r);
      w.listing = Listing::Unfiltered;
      words.push_back(w);
    } else if (!quoted && text == "<unknown-listing>") {
      Word w = Word::dynamic("$(pm2 jlist | mytool)", Origin::CommandOutput, r);
      w.listing = Listing::Unknown;
      words.push_back(w);
    } else if (!quoted && text == "<filtered>") {
      Word w = Word::dynamic("$(pm2 jlist | jq -r '.[] | select(...)')", Origin::CommandOutput, r);
      w.listing = Listing::Filtered;
      words.push_back(w);
    } else if (!quoted && text[0] == '$' && text.find_first_of("?!") != std::string::npos) {
      size_t q = text.find_first_of("?!");
      char sep = text[q];
      Word w = Word::dynamic(text.substr(0, q), Origin::Variable, r);
      w.may_be_complete = sep == '!';
      while (q != std::string::npos) {
        size_t next = text.find(sep, q + 1);
        w.may_be.push_back(text.substr(q + 1, next == std::string::npos ? std::string::npos : next - q - 1));
        q = next;
      }
      words.push_back(w);
    } else if (!quoted && text.find('$') != std::string::npos) {
      size_t d = text.find('$');
      size_t end = d + 1;
      while (end < text.size() && (isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_' ||
                                   text[end] == '{' || text[end] == '}'))
        ++end;
      words.push_back(Word::dynamic(text, Origin::Variable, r, text.substr(0, d), text.substr(end)));
    } else {
      words.push_back(Word::lit(text, r));
    }
  }
  Invocation out;
  if (!words.empty()) {
    out.program = words.front();
    out.args.assign(words.begin() + 1, words.end());
  }
  return out;
}

inline std::vector<Finding> check_invocation_of(const std::string& line) { return check_invocation(inv(line)); }

inline std::vector<std::string> fired(const std::string& line) {
  std::vector<std::string> ids;
  for (const Finding& f : check_invocation(inv(line))) ids.push_back(f.rule);
  return ids;
}

inline bool fires(const std::string& rule, const std::string& line) {
  auto ids = fired(line);
  return std::find(ids.begin(), ids.end(), rule) != ids.end();
}

}  // namespace pm2guard::testing
