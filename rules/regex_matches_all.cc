// regex-matches-all: a /regex/ target that matches every process name.
#include <fmt/format.h>

#include "js_semantics.h"
#include "rule.h"

namespace pm2guard {

extern const Rule kRegexMatchesAll;

namespace {

void check(CheckContext& ctx) {
  if (!ctx.call.runs()) return;
  for (const Target& t : ctx.call.targets) {
    if (t.role != TargetRole::Operate && t.role != TargetRole::ConfigKey) continue;
    for (const TargetValue& tv : target_values(t)) {
      if (tv.form != TargetForm::Regex) continue;
      std::string source = pm2_regex_source(tv.value);
      RegexVerdict v = analyse_js_regex(source);
      std::string why;
      if (v.glob_everything)
        why = fmt::format("`{}` is a shell glob, not a regular expression: pm2 removes every '/' and is left "
                          "with `{}`, which reads as \"every process\"",
                          tv.value, source);
      else if (v.valid && v.matches_everything)
        why = fmt::format("`{}` matches every process name: pm2 removes every '/' and tests `{}` unanchored "
                          "against each name",
                          tv.value, source);
      else
        continue;
      const Word& word = ctx.word(t.arg);
      std::string note = tv.certain ? expansion_note(word) : possible_value_note(word, tv.value);
      ctx.report(kRegexMatchesAll, t.arg,
                 fmt::format("{}{} {} every process; {}; anchor the pattern to your own prefix (`/^myapp-/`) or {}",
                             ctx.quoted(), note, action_verb(ctx.call.command), why, kInsteadAdvice));
      break;
    }
  }
}

}  // namespace

extern const Rule kRegexMatchesAll = {
    "regex-matches-all",
    Severity::Error,
    {
        "a /regex/ target matches every process name",
        "Finds targets that pm2 reads as a regular expression (they start and end with '/') and that match "
        "every name: `/`, `//`, `/.*/`, `/^/`, `/.+/`, `/\\w*/` and the glob `/*/`. The pattern is judged as "
        "pm2 judges it: every '/' is removed, no flags, an unanchored test against each process name. "
        "Script paths such as `/srv/app/index.js` are not regexes (they do not end with '/').",
        "A pattern that matches everything is `all` in disguise, except that it also reaches pm2 modules. "
        "`pm2 stop /` stops every process on the server.",
        "pm2 delete /.*/",
        "pm2 delete /^flyer-crawler-/",
    },
    check,
};

}  // namespace pm2guard
