// target-all: a destructive command aimed at `all`.
#include <fmt/format.h>

#include "rule.h"

namespace pm2guard {

extern const Rule kTargetAll;

namespace {

void check(CheckContext& ctx) {
  if (!ctx.call.runs()) return;
  for (const Target& t : ctx.call.targets) {
    // Roles whose `all` is just a name (scale, send, flush, modules) or
    // that name no word at all (resurrect, serve).
    if (t.role != TargetRole::Operate && t.role != TargetRole::Start && t.role != TargetRole::ConfigKey &&
        t.role != TargetRole::Signal && t.role != TargetRole::Reset && t.role != TargetRole::Trigger)
      continue;
    const Word& word = ctx.word(t.arg);
    std::string note;
    for (const TargetValue& v : target_values(t)) {
      if (v.form != TargetForm::All) continue;
      note = v.certain ? expansion_note(word) : possible_value_note(word, v.value);
      break;
    }
    if (t.form != TargetForm::All && note.empty()) continue;
    std::string what;
    switch (t.role) {
      case TargetRole::Start:
        what = "restarts every running process (pm2 reads `start all` as a restart)";
        break;
      case TargetRole::ConfigKey:
        what = fmt::format("restarts every process (after setting `{}`, pm2 restarts the app named before ':')",
                           word.text.substr(0, word.text.find(' ')));
        break;
      case TargetRole::Signal:
        what = "sends the signal to every process";
        break;
      case TargetRole::Reset:
        what = "resets the restart counters and metadata of every process (modules included)";
        break;
      case TargetRole::Trigger:
        what = "runs the action in every process that exposes it";
        break;
      default:
        what = fmt::format("{} every process", action_verb(ctx.call.command));
        break;
    }
    ctx.report(kTargetAll, t.arg,
               fmt::format("{}{} {} of the daemon, in every namespace, other applications' included; {}",
                           ctx.quoted(), note, what, kInsteadAdvice));
  }
}

}  // namespace

extern const Rule kTargetAll = {
    "target-all",
    Severity::Error,
    {
        "a command that stops, restarts or deletes processes is aimed at `all`",
        "Finds `stop`, `delete`/`del`, `restart` and `reload` with the target `all`, in any quoting, and the "
        "hidden forms that act on every process too: `start all` (pm2 restarts what is already running), "
        "`set all:key value` / `config all:key value` / `multiset \"all:key value\"` (pm2 restarts the app "
        "named before the colon), `sendSignal SIG all`, `reset all` (every process's counters, which "
        "other teams' monitoring reads) and `trigger all <action>` / `inspect all` (the action runs in every "
        "process that exposes it). `describe all` and `flush all` (a name there) are left alone. "
        "A variable that is `all` on some path counts too: `${APP:-all}`, `T=all` in one branch of an `if`, "
        "`${{ inputs.app || 'all' }}`.",
        "`all` means every process of the daemon: every namespace, every application, every environment. "
        "`--namespace` does not narrow it. On a shared server one such line takes down processes the "
        "deployment does not own; a cached copy of an old workflow running `pm2 delete all` is how "
        "ADR-061's incident happened.",
        "pm2 delete all",
        "pm2 delete flyer-crawler-api flyer-crawler-worker",
    },
    check,
};

}  // namespace pm2guard
