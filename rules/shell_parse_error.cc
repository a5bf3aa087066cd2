// shell-parse-error: a script the linter could only partly read.
#include "rule.h"

namespace pm2guard {

extern const Rule kShellParseError = {
    "shell-parse-error",
    Severity::Warning,
    {
        "part of a shell script could not be parsed",
        "Reported by the linter where tree-sitter-bash finds a syntax error (or a construct it does not know) "
        "in a `run:` block, a remote `script:`, a nested `bash -c`/`ssh` command or a shell script, and where "
        "the analysis stops at one of its limits (commands nested about 200 deep, shells and function calls "
        "32 deep, a script of hundreds of thousands of statements). Everything around it is still checked.",
        "A pm2 call inside the unreadable part is not checked; the linter says so rather than passing "
        "silently. Fix the syntax, or check that the runner's shell accepts it.",
        "pm2 delete (",
        "pm2 delete app",
    },
    nullptr,
    RuleFront::Linter,
};

}  // namespace pm2guard
