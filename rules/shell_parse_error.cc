// shell-parse-error: a script the linter could only partly read.
#include "rule.h"

namespace pm2guard {

extern const Rule kShellParseError = {
    "shell-parse-error",
    Severity::Warning,
    {
        "part of a shell script could not be parsed",
        "Reported by the linter where tree-sitter-bash finds a syntax error (or a construct it does not know) "
        "in a `run:` block, a remote `script:`, a nested `bash -c`/`ssh` command or a shell script. Everything "
        "around the error is still checked.",
        "A pm2 call inside the unreadable part is not checked; the linter says so rather than passing "
        "silently. Fix the syntax, or check that the runner's shell accepts it.",
        "pm2 delete (",
        "pm2 delete app",
    },
    nullptr,
    RuleFront::Linter,
};

}  // namespace pm2guard
