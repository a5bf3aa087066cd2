// The rule interface: every rule is one file in rules/, with a stable
// kebab-case id, a severity, its documentation, and a check over one parsed
// pm2 invocation. registry.cc holds the one explicit list of rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "invocation.h"
#include "pm2_cli.h"

namespace pm2guard {

enum class Severity { Note, Warning, Error };
std::string_view severity_name(Severity s);

struct Finding {
  std::string rule;
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message;
  /// Index in Invocation::args of the word the finding points at, or -1 for
  /// the program word.
  int arg = -1;
};

/// A rule's documentation, fed to `pm2guard explain`, the README and tests:
/// `example` must fire and `instead` must stay silent.
struct RuleDoc {
  std::string_view summary;  ///< one line
  std::string_view what;     ///< what it finds
  std::string_view why;      ///< why that is dangerous
  std::string_view example;  ///< a command line that fires
  std::string_view instead;  ///< what to write instead (a command line that does not)
};

struct Rule;
struct RuntimeFacts;

/// Where a rule is checked.
enum class RuleFront {
  Both,    ///< on every pm2 call, by the linter and by the shim (argv)
  Linter,  ///< reported by the linter's own stages (shell parse problems)
  Shim,    ///< needs the live process list: checked by the shim at run time
};

/// What a rule sees and how it reports.
class CheckContext {
 public:
  CheckContext(const Invocation& invocation, const Pm2Call& parsed, std::vector<Finding>& out)
      : inv(invocation), call(parsed), out_(out) {}

  const Invocation& inv;
  const Pm2Call& call;

  /// quoted_command(inv), computed once per invocation (a command line of
  /// thousands of words gets one finding per word).
  const std::string& quoted() const;

  /// The word a target or argument index points at (the program word for -1).
  const Word& word(int arg) const;
  void report(const Rule& rule, int arg, std::string message);

 private:
  std::vector<Finding>& out_;
  mutable std::string quoted_;
  mutable bool quoted_done_ = false;
};

struct Rule {
  std::string_view id;
  Severity severity;
  RuleDoc doc;
  /// nullptr for rules a front end reports itself (e.g. shell parse errors).
  void (*check)(CheckContext&);
  RuleFront front = RuleFront::Both;
  /// Shim rules: the check over the live facts (runtime.h).
  void (*runtime_check)(const RuntimeFacts&, std::vector<Finding>&) = nullptr;
};

/// Every rule, in a fixed order.
const std::vector<const Rule*>& all_rules();
const Rule* find_rule(std::string_view id);

/// Parses the invocation as pm2 would and runs every rule on it.
std::vector<Finding> check_invocation(const Invocation& inv);
std::vector<Finding> check_invocation(const Invocation& inv, const Pm2Call& call);

/// Helpers shared by rules' messages. The command as the user wrote it,
/// secrets blanked, in backquotes; past 200 bytes it is cut at a word
/// boundary and says how many words were left out.
std::string quoted_command(const Invocation& inv);
std::string_view action_verb(const std::string& command);
/// " (`$TARGET` is `all`)" when an expansion produced the word, else "".
std::string expansion_note(const Word& w);
/// " (`$TARGET` may be `all`)": a dynamic word and one of its possible values.
std::string possible_value_note(const Word& w, const std::string& value);
/// Whether a target value reaches every process: `all`, or a /regex/ that
/// matches every name as pm2 tests it.
bool value_hits_every_process(const TargetValue& v);
extern const std::string_view kInsteadAdvice;

}  // namespace pm2guard
