#include "invocation.h"

#include <cctype>

namespace pm2guard {

namespace {

std::string shell_quote_for_display(const std::string& s) {
  if (s.empty()) return "''";
  bool plain = true;
  for (char c : s) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/' ||
          c == ':' || c == '@' || c == '=' || c == ',' || c == '+' || c == '%')) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string Invocation::serialize() const {
  std::string out;
  auto add = [&out](const Word& w) {
    out += '[';
    if (w.literal) {
      out += w.text;
    } else {
      out += '<';
      out += w.text;
      if (w.listing == Listing::Unfiltered) out += " listing";
      if (w.listing == Listing::Filtered) out += " filtered";
      if (w.listing == Listing::Unknown) out += " unknown-listing";
      out += '>';
    }
    out += ']';
  };
  add(program);
  for (const Word& w : args) add(w);
  return out;
}

std::string Invocation::display() const {
  std::string out = "pm2";
  for (const Word& w : args) {
    out += ' ';
    out += w.literal ? shell_quote_for_display(w.text) : w.text;
  }
  return out;
}

Invocation invocation_from_argv(const std::vector<std::string>& argv) {
  Invocation inv;
  for (size_t i = 0; i < argv.size(); ++i) {
    SourceRange r{0, static_cast<uint32_t>(i), 0, static_cast<uint32_t>(i)};
    if (i == 0)
      inv.program = Word::lit(argv[i], r);
    else
      inv.args.push_back(Word::lit(argv[i], r));
  }
  return inv;
}

}  // namespace pm2guard
