// The shell stage of the linter: parses a script with tree-sitter-bash and
// reduces every pm2 call in it, through wrappers, nested shells, functions,
// loops and pipelines, to the invocation value the rules judge.
#pragma once

#include <string>
#include <vector>

#include "invocation.h"
#include "pm2_cli.h"
#include "source.h"
#include "workflow.h"

namespace pm2guard::lint {

class ShellSink {
 public:
  virtual ~ShellSink() = default;
  /// A pm2 call, its words' ranges in file coordinates, and how pm2 parses it.
  virtual void invocation(const Invocation& inv, const Pm2Call& call) = 0;
  /// A part of a script that did not parse (first error of each parse).
  virtual void parse_problem(const SourceRange& where, const std::string& message) = 0;
  /// A script file this host runs by a literal relative path (`bash
  /// scripts/deploy.sh`, `./deploy.sh`, `source lib.sh`) that the script did
  /// not write itself: the driver may lint it too.
  virtual void script_reference(const std::string& path) { (void)path; }
};

/// Analyses one script. `unit.text` maps into `file`.
void analyse_script(const SourceFile& file, const ScriptUnit& unit, ShellSink& sink);

}  // namespace pm2guard::lint
