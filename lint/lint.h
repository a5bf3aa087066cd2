// The linter's pipeline for one file and for many: read, extract scripts,
// analyse the shell, run the rules, apply suppressions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "discover.h"
#include "rule.h"
#include "source.h"

namespace pm2guard::lint {

struct LintFinding {
  std::string rule;
  Severity severity = Severity::Error;
  SourceRange range;  ///< 1-based; byte columns
  std::string message;
};

struct FileReport {
  std::string path;
  std::optional<SourceFile> source;  ///< for source excerpts; empty when unreadable
  std::vector<LintFinding> findings; ///< sorted by position
  std::optional<FileError> error;    ///< could not be read or parsed
};

struct LintOptions {
  std::set<std::string> disabled;  ///< rule ids not to report
  unsigned jobs = 0;               ///< worker threads; 0 = hardware concurrency
};

/// Lints one file.
FileReport lint_file(const InputFile& input, const LintOptions& options);
/// Lints an already loaded file (used by tests and by lint_file).
FileReport lint_source(SourceFile source, InputKind kind, const LintOptions& options);
/// Lints files in parallel; reports come back in input order.
std::vector<FileReport> lint_files(const std::vector<InputFile>& inputs, const LintOptions& options);

/// Suppression comments: `pm2guard disable=rule-id[,rule-id...]` in a
/// comment on the finding's line or the line before it.
bool suppressed(const SourceFile& file, uint32_t line, const std::string& rule);

}  // namespace pm2guard::lint
