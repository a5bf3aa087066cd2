// unfiltered-listing-target: targets taken from a full process listing.
#include <fmt/format.h>

#include "rule.h"

namespace pm2guard {

extern const Rule kUnfilteredListingTarget;

namespace {

void check(CheckContext& ctx) {
  if (!is_destructive(ctx.call) || ctx.call.dynamic_command) return;
  for (const Target& t : ctx.call.targets) {
    const Word& w = ctx.word(t.arg);
    if (t.arg < 0 || w.listing != Listing::Unfiltered) continue;
    ctx.report(kUnfilteredListingTarget, t.arg,
               fmt::format("the targets of `pm2 {}` come from a pm2 process listing with no filter in between "
                           "(`{}`), so it {} every process, other applications' included; filter the list by "
                           "name first (`jq -r '.[] | select(.name | startswith(\"myapp-\")) | .name'`, "
                           "`grep '^myapp-'`) or name your processes",
                           ctx.call.command, w.text, action_verb(ctx.call.command)));
  }
}

}  // namespace

extern const Rule kUnfilteredListingTarget = {
    "unfiltered-listing-target",
    Severity::Error,
    {
        "targets come from a full process listing with no filter in between",
        "Follows the output of `pm2 jlist`, `list`/`ls`, `status`, `prettylist`, `id` and `pid` into a "
        "destructive command's targets, through `$(...)`, backticks, `| xargs`, variables and "
        "`for`/`while read` loop variables. Reshaping stages (`jq '.[].name'`, `awk '{print $2}'`, `cut`, "
        "`tr`, `sort`) keep the list whole; a filtering stage that tests the name or namespace (`grep`, `jq` "
        "with `select`, `awk` with a pattern, `sed -n '/re/p'`, a `node -e` or `python -c` filter) narrows it "
        "and silences the rule. Exclusions (`grep -v`), tests of other fields (`select(.pm2_env.status == "
        "\"online\")`) and patterns every entry matches (`grep name`, `sed -n '/./p'`) do not.",
        "Deleting \"every name in the list\" is `pm2 delete all` spelled longer: it reaches every application "
        "on the server. ADR-061's safeguards exist because a filter like this one was bypassed.",
        "pm2 jlist | jq -r '.[].name' | xargs pm2 delete",
        "pm2 jlist | jq -r '.[] | select(.name | startswith(\"flyer-crawler-\")) | .name' | xargs pm2 delete",
    },
    check,
};

}  // namespace pm2guard
