// The linter's pipeline for one file and for many: read, extract scripts,
// analyse the shell, run the rules, apply suppressions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
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
  /// The wrappers and nested shells the pm2 call was reached through, outer
  /// first ("ssh", "sudo", "bash -c"); empty for a direct call.
  std::vector<std::string> via;
};

struct FileReport {
  std::string path;
  std::optional<SourceFile> source;  ///< for source excerpts; empty when unreadable
  std::vector<LintFinding> findings; ///< sorted by position
  std::optional<FileError> error;    ///< could not be read or parsed
  /// Script files its scripts run by relative path (ShellSink::script_reference).
  std::vector<std::string> script_references;
};

struct LintOptions {
  std::set<std::string> disabled;  ///< rule ids not to report
  unsigned jobs = 0;               ///< worker threads; 0 = hardware concurrency
};

/// At most this many files are linted in parallel.
constexpr unsigned kMaxJobs = 256;
/// The stack of each worker thread: the analysis bounds its recursion well
/// within it (and checks what is left of whatever stack it runs on).
constexpr size_t kWorkerStack = size_t{64} << 20;
/// Rounds of scripts run by linted scripts (lint_with_references).
constexpr int kMaxReferenceRounds = 64;

/// The workers lint_files starts for `files` files: `requested` (0: the
/// number of CPUs), at most kMaxJobs and the number of files, at least 1.
/// Fewer when the system cannot create that many threads; with none, the
/// files are linted on the calling thread.
unsigned worker_count(unsigned requested, size_t files);

/// Lints one file.
FileReport lint_file(const InputFile& input, const LintOptions& options);
/// Lints an already loaded file (used by tests and by lint_file).
FileReport lint_source(SourceFile source, InputKind kind, const LintOptions& options);
/// Lints files in parallel; reports come back in input order.
std::vector<FileReport> lint_files(const std::vector<InputFile>& inputs, const LintOptions& options);

/// The shell scripts that linted files run by relative path and that are
/// not linted yet: resolved against the checkout root of each file (the
/// directory holding its .github/.gitea/.forgejo folder) and against the
/// file's own directory; only existing files with a .sh/.bash name or a
/// shell shebang. `seen` holds the paths already linted and is updated;
/// `roots` maps a referenced script to the checkout root of the file that
/// runs it (its working directory), and is updated too.
std::vector<InputFile> referenced_scripts(const std::vector<FileReport>& reports, std::set<std::string>& seen,
                                          std::map<std::string, std::string>& roots);
/// The same for reports[from...] (the reports of one round, without a copy
/// of the files before them).
std::vector<InputFile> referenced_scripts(const std::vector<FileReport>& reports, size_t from,
                                          std::set<std::string>& seen, std::map<std::string, std::string>& roots);

/// Lints the inputs, then the scripts they run (referenced_scripts), a few
/// rounds deep.
std::vector<FileReport> lint_with_references(const std::vector<InputFile>& inputs, const LintOptions& options);

/// Suppression comments: `pm2guard disable=rule-id[,rule-id...]` in a
/// comment on the finding's line or the line before it.
bool suppressed(const SourceFile& file, uint32_t line, const std::string& rule);
/// The rule ids a suppression comment on `line` names (views into the file's
/// text; none for line 0 or a line past the end).
std::vector<std::string_view> disabled_on_line(const SourceFile& file, uint32_t line);

}  // namespace pm2guard::lint
