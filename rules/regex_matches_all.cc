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
    if (t.form != TargetForm::Regex) continue;
    if (t.role != TargetRole::Operate && t.role != TargetRole::ConfigKey) continue;
    std::string source = pm2_regex_source(t.value);
    RegexVerdict v = analyse_js_regex(source);
    std::string why;
    if (v.glob_everything)
      why = fmt::format("`{}` is a shell glob, not a regular expression: pm2 removes every '/' and is left "
                        "with `{}`, which reads as \"every process\"",
                        t.value, source);
    else if (v.valid && v.matches_everything)
      why = fmt::format("`{}` matches every process name: pm2 removes every '/' and tests `{}` unanchored "
                        "against each name",
                        t.value, source);
    else
      continue;
    ctx.report(kRegexMatchesAll, t.arg,
               fmt::format("{}{} {} every process; {}; anchor the pattern to your own prefix (`/^myapp-/`) or {}",
                           quoted_command(ctx.inv), expansion_note(ctx.word(t.arg)), action_verb(ctx.call.command), why,
                           kInsteadAdvice));
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
