// dynamic-target: targets (or the command) known only at run time.
#include <fmt/format.h>

#include "rule.h"

namespace pm2guard {

extern const Rule kDynamicTarget;

namespace {

bool looks_like_file(const Word& w) {
  // `/$X/` may be a regex; otherwise a known part with a '/' or a file
  // extension makes the word a script or config path.
  if (!w.prefix.empty() && w.prefix[0] == '/' && !w.suffix.empty() && w.suffix.back() == '/') return false;
  if (w.prefix.find('/') != std::string::npos || w.suffix.find('/') != std::string::npos) return true;
  size_t dot = w.suffix.rfind('.');
  return dot != std::string::npos && dot + 1 < w.suffix.size();
}

// A known prefix or suffix that rules out `all`, a regex and stdin.
bool constrained(const Word& w) {
  static const std::string all = "all";
  if (!w.prefix.empty() && w.prefix[0] != '/' && w.prefix != "-" && all.compare(0, w.prefix.size(), w.prefix) != 0)
    return true;
  if (!w.suffix.empty() && w.suffix.back() != '/' &&
      !(w.suffix.size() <= all.size() && all.compare(all.size() - w.suffix.size(), w.suffix.size(), w.suffix) == 0))
    return true;
  return false;
}

void check(CheckContext& ctx) {
  const Pm2Call& c = ctx.call;
  if (c.dynamic_command) {
    ctx.report(kDynamicTarget, c.command_arg,
               fmt::format("the pm2 command of {} is only known at run time, so it may stop or delete every "
                           "process; spell the command out, or install the pm2guard shim so it is checked when "
                           "it runs",
                           ctx.quoted()));
    return;
  }
  if (!is_destructive(c)) return;
  for (const Target& t : c.targets) {
    if (t.form != TargetForm::Dynamic || t.arg < 0) continue;
    const Word& w = ctx.word(t.arg);
    // A possible value that reaches every process is an error of its own rule.
    bool reported = false;
    for (const TargetValue& v : target_values(t)) reported = reported || value_hits_every_process(v);
    if (reported) continue;
    // Every possible value is known, and none is `all` or a match-all regex:
    // as explicit as a literal name.
    if (w.may_be_complete && !w.may_be.empty()) continue;
    // Filtered lists are explicit; unfiltered ones have their own rule.
    if (w.listing == Listing::Filtered || w.listing == Listing::Unfiltered) continue;
    if (w.listing == Listing::Unknown) {
      ctx.report(kDynamicTarget, t.arg,
                 fmt::format("the targets of `pm2 {}` come from a pm2 process listing passed through a command "
                             "whose effect on the list is unknown (`{}`), so they may be every process; filter "
                             "the list by name (`grep '^myapp-'`, `jq 'select(.name | startswith(\"myapp-\"))'`), "
                             "name your processes, or install the pm2guard shim so the targets are checked when "
                             "they run",
                             c.command, w.text));
      continue;
    }
    if (constrained(w) || looks_like_file(w)) continue;
    ctx.report(kDynamicTarget, t.arg,
               fmt::format("the target `{}` of `pm2 {}` is only known at run time and may be `all`, a regex or "
                           "another application's process; prefer explicit names, or install the pm2guard shim "
                           "so the target is checked against the live process list when it runs",
                           w.text, c.command));
  }
}

}  // namespace

extern const Rule kDynamicTarget = {
    "dynamic-target",
    Severity::Warning,
    {
        "a destructive command's target (or the command itself) is only known at run time",
        "Finds stop, restart, delete, reload and the other destructive commands whose target is a variable, "
        "a command substitution or a CI expression (`$APP`, `$(cat names)`, `${{ inputs.app }}`) that the "
        "script does not set to a constant, and pm2 calls whose command is itself a variable. A known "
        "prefix or suffix that rules out `all` and regexes (`\"$APP-worker\"`), a script or config path, or a "
        "variable that every path sets to a known name (`case $ENV in prod) APP=api ;; *) APP=api-dev ;; esac`) "
        "keeps it quiet.",
        "The linter cannot see the value: an unset variable, a workflow input or a wrong secret can turn it "
        "into `all`, a match-all regex or another team's process. The pm2guard shim checks such targets "
        "against the live process list when the command runs.",
        "pm2 delete \"$APP\"",
        "pm2 delete \"$APP-worker\"",
    },
    check,
};

}  // namespace pm2guard
