// What the linter knows about commands other than pm2: the wrappers that run
// another command (sudo, env, npx, timeout, ssh ...), the shells that run a
// script given as text, and the stages that filter or pass through a list of
// process names in a pipeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pm2guard::lint {

/// One argument as far as the tables need it: its literal value, or, for a
/// dynamic argument, its known prefix with `literal` false.
struct Arg {
  std::string text;
  bool literal = true;
};

std::string_view basename_of(std::string_view path);

enum class WrapKind {
  None,        ///< not a wrapper: the command itself
  Exec,        ///< runs argv[index..] as a command (sudo, env, nohup, npx ...)
  ShellText,   ///< runs argv[index] as shell text; argv[index+1..] become $0, $1 ... (bash -c)
  JoinedText,  ///< runs argv[index..] joined with spaces as shell text (eval, ssh host cmd, watch)
  StdinShell,  ///< a shell that reads its script from stdin (bash, ssh host, su user)
  ScriptFile,  ///< runs the script file argv[index] (bash deploy.sh, source x, . x)
  Xargs,       ///< runs argv[index..] with arguments read from stdin (xargs, parallel) or found at run time (find -exec)
  NotACall,    ///< names a command without running it (command -v, which, type)
};

struct Wrap {
  WrapKind kind = WrapKind::None;
  size_t index = 0;
  /// For Xargs: the -I replacement string ("" when arguments are appended).
  std::string replace;
  /// For Xargs: input items are not blank-separated words read from stdin
  /// (-0, -d, read from a file with -a or `parallel ::::`, or file names
  /// found by `find -exec`), so a known stdin text does not give them.
  bool custom_input = false;
  /// One past the wrapped command's last word (`find -exec cmd ... ;`);
  /// SIZE_MAX when it runs to the end of the line.
  size_t end = SIZE_MAX;
  /// Short label of the wrapper for messages and `via` ("sudo", "ssh", "bash -c").
  std::string label;
  /// For ssh: the remote command runs on another host.
  bool remote = false;
  /// For ShellText/JoinedText whose text is attached to an option
  /// (`--command=text`, `-ctext`): bytes of argv[index] before the text.
  size_t text_skip = 0;
  /// Indexes of prefix assignments (`env X=1 cmd`, `sudo X=1 cmd`).
  std::vector<size_t> assignments;
};

/// Classifies argv[0] (its basename) with its arguments. Dynamic arguments
/// in option positions end option parsing conservatively.
Wrap classify_wrapper(const std::vector<Arg>& argv);

/// How a pipeline stage treats a list of process names on its input.
enum class StageEffect {
  Passthrough,  ///< reshapes or reorders but keeps every entry (jq '.[].name', awk '{print $2}', cut, sort)
  Filter,       ///< keeps only entries that match something (grep x, jq select, awk '/x/', sed -n '/x/p')
  Drop,         ///< outputs no names (wc, grep -c, grep -q)
  Unknown,      ///< a command the linter does not know
};
StageEffect classify_stage(const std::vector<Arg>& argv);

/// Commands that print their arguments (echo, printf) and whether the
/// arguments after index `first` are data.
bool is_printer(std::string_view name);

}  // namespace pm2guard::lint
