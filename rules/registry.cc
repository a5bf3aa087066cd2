#include <algorithm>

#include "js_semantics.h"
#include "rule.h"

namespace pm2guard {

// The rules, one per file. Adding a rule: its file, its test beside it, a
// corpus case, and one line in each list below.
extern const Rule kTargetAll;
extern const Rule kRegexMatchesAll;
extern const Rule kDaemonTeardown;
extern const Rule kUnfilteredListingTarget;
extern const Rule kDynamicTarget;
extern const Rule kShellParseError;
extern const Rule kGroupMatchesAll;
extern const Rule kProcessCountAbort;
extern const Rule kOutsideScope;
extern const Rule kForeignProcess;
extern const Rule kCumulativeAll;
extern const Rule kUnresolvedTarget;
extern const Rule kPolicyInvalid;  // faults the shim records: documentation only
extern const Rule kLockTimeout;
extern const Rule kNameCollision;
extern const Rule kUnknownCommand;
extern const Rule kUnguardedControl;
extern const Rule kDocumentAsCode;
extern const Rule kReservedEnvKey;

const std::vector<const Rule*>& all_rules() {
  static const std::vector<const Rule*> k = {
      &kTargetAll,         &kRegexMatchesAll, &kDaemonTeardown,   &kUnfilteredListingTarget,
      &kDynamicTarget,     &kShellParseError, &kGroupMatchesAll,   &kProcessCountAbort, &kOutsideScope,
      &kForeignProcess,    &kCumulativeAll,   &kUnresolvedTarget,  &kNameCollision,     &kUnknownCommand,
      &kUnguardedControl,  &kDocumentAsCode,  &kReservedEnvKey,    &kPolicyInvalid,     &kLockTimeout,
  };
  return k;
}

const Rule* find_rule(std::string_view id) {
  for (const Rule* r : all_rules())
    if (r->id == id) return r;
  return nullptr;
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

const Word& CheckContext::word(int arg) const {
  if (arg >= 0 && static_cast<size_t>(arg) < inv.args.size()) return inv.args[static_cast<size_t>(arg)];
  return inv.program;
}

void CheckContext::report(const Rule& rule, int arg, std::string message) {
  Finding f;
  f.rule = std::string(rule.id);
  f.severity = rule.severity;
  f.range = word(arg).range;
  f.message = std::move(message);
  f.arg = arg;
  out_.push_back(std::move(f));
}

std::vector<Finding> check_invocation(const Invocation& inv, const Pm2Call& call) {
  std::vector<Finding> out;
  CheckContext ctx(inv, call, out);
  for (const Rule* r : all_rules())
    if (r->check) r->check(ctx);
  return out;
}

std::vector<Finding> check_invocation(const Invocation& inv) { return check_invocation(inv, parse_pm2_call(inv)); }

std::string quoted_command(const Invocation& inv) {
  constexpr size_t kMax = 200;
  std::string shown = display_safe(inv);
  if (shown.size() <= kMax) return "`" + shown + "`";
  size_t cut = shown.rfind(' ', kMax);
  if (cut == std::string::npos || cut == 0) cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  size_t left = 0;
  for (size_t i = cut; i < shown.size(); ++i)
    if (shown[i] == ' ' && i + 1 < shown.size() && shown[i + 1] != ' ') ++left;
  return "`" + shown.substr(0, cut) + " …` (" + std::to_string(left + 1) + " more words)";
}

const std::string& CheckContext::quoted() const {
  if (!quoted_done_) {
    quoted_ = quoted_command(inv);
    quoted_done_ = true;
  }
  return quoted_;
}

std::string_view action_verb(const std::string& command) {
  if (command == "stop") return "stops";
  if (command == "delete") return "deletes";
  if (command == "reload" || command == "startOrReload" || command == "startOrGracefulReload") return "reloads";
  if (command == "sendSignal") return "signals";
  if (command == "scale") return "scales";
  return "restarts";  // restart, start, set/config/multiset, startOrRestart, pull ...
}

std::string expansion_note(const Word& w) {
  if (w.source.empty() || w.source == w.text) return {};
  return " (`" + w.source + "` is `" + w.text + "`)";
}

std::string possible_value_note(const Word& w, const std::string& value) {
  return " (`" + w.text + "` may be `" + value + "`)";
}

bool value_hits_every_process(const TargetValue& v) {
  if (v.form == TargetForm::All) return true;
  if (v.form != TargetForm::Regex) return false;
  RegexVerdict r = analyse_js_regex(pm2_regex_source(v.value));
  return r.glob_everything || (r.valid && r.matches_everything);
}

const std::string_view kInsteadAdvice =
    "name your own processes (`pm2 delete app-api app-worker`), act through an ecosystem file with "
    "`--only`, or filter the process list by name";

}  // namespace pm2guard
